from __future__ import annotations

from django import forms

from imagestudio.prompts.refine import MAX_PROMPT


class RefineForm(forms.Form):
    """The generate form's prompt fields, as the Refine button posts them."""

    prompt = forms.CharField(required=False, max_length=MAX_PROMPT, strip=True)
    negative_prompt = forms.CharField(required=False, max_length=2000, strip=True)
    model = forms.CharField(required=False, max_length=200)

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return ""
