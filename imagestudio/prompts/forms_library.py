"""Forms of the prompt library pages. They check shapes and lengths; the prompt rules live in `library`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from imagestudio.prompts.library import MAX_CATEGORY, MAX_NEGATIVE, MAX_PROMPT, MAX_TITLE, PromptError, PromptFields
from imagestudio.prompts.transfer import MAX_IMPORT_BYTES

SORT_CHOICES = [("updated", _("Last changed")), ("title", _("Title")), ("created", _("Newest"))]
PUBLIC_SORT_CHOICES = [("newest", _("Newest")), ("title", _("Title"))]
SOURCE_CHOICES = [("all", _("All")), ("starter", _("Starters")), ("community", _("Community"))]


def _flag(value: object) -> bool:
    return str(value or "").lower() in ("1", "true", "on", "yes")


class LibraryFilterForm(forms.Form):
    """The library's filters, all in the URL; a bad value falls back to the default."""

    q = forms.CharField(required=False, max_length=200)
    category = forms.CharField(required=False, max_length=MAX_CATEGORY)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    cursor = forms.CharField(required=False, max_length=500)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": " ".join(str(data.get("q") or "").split()),
            "category": " ".join(str(data.get("category") or "").split()),
            "favorite": _flag(self.data.get("favorite")),
            "sort": data.get("sort") or "updated",
            "cursor": data.get("cursor") or None,
        }


class PublicFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    category = forms.CharField(required=False, max_length=MAX_CATEGORY)
    source = forms.ChoiceField(required=False, choices=SOURCE_CHOICES)
    sort = forms.ChoiceField(required=False, choices=PUBLIC_SORT_CHOICES)
    cursor = forms.CharField(required=False, max_length=500)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": " ".join(str(data.get("q") or "").split()),
            "category": " ".join(str(data.get("category") or "").split()),
            "source": data.get("source") or "all",
            "sort": data.get("sort") or "newest",
            "cursor": data.get("cursor") or None,
        }


class HistoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    cursor = forms.CharField(required=False, max_length=6000)  # a history cursor carries a whole prompt

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"q": " ".join(str(data.get("q") or "").split()), "cursor": data.get("cursor") or None}


class PromptForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=MAX_TITLE,
        help_text=_("Leave empty to use the prompt's first words."),
    )
    prompt_text = forms.CharField(
        label=_("Prompt"), max_length=MAX_PROMPT, strip=True, widget=forms.Textarea(attrs={"rows": 6})
    )
    negative_prompt = forms.CharField(
        label=_("Negative prompt"),
        required=False,
        max_length=MAX_NEGATIVE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the model should avoid."),
    )
    category = forms.CharField(label=_("Category"), required=False, max_length=MAX_CATEGORY)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1100, help_text=_("Separate tags with commas."))
    is_public = forms.BooleanField(label=_("Public: anyone signed in can find, use and copy it"), required=False)

    def __init__(self, *args, can_publish: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_publish:
            del self.fields["is_public"]
        self.fields["category"].widget.attrs["list"] = "prompt-categories"

    def fields_to_save(self) -> PromptFields:
        data = self.cleaned_data
        return PromptFields(
            title=data["title"],
            prompt_text=data["prompt_text"],
            negative_prompt=data["negative_prompt"],
            category=data["category"],
            tags=data["tags"],
            is_public=data.get("is_public") if "is_public" in self.fields else None,
        )

    def show_error(self, error: PromptError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("JSON or CSV file"), help_text=_("An export of this library, or your own file."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is over %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 1048576})
        return upload
