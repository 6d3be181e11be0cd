from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupExtraForm(forms.Form):
    """Adds the display name to allauth's signup form."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("Ada Lovelace")}),
    )

    def signup(self, request, user) -> None:
        user.name = self.cleaned_data.get("name", "")
        user.save(update_fields=["name"])
