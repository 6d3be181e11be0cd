from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    archive = forms.FileField(
        label=_("Account archive (ZIP)"),
        help_text=_("A ZIP made by “Export everything”, from this account or another."),
    )


class DeleteAccountForm(forms.Form):
    email = forms.CharField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "email"}),
    )
    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
