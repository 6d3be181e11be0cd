"""Forms for the team credits page: a transfer, and a member's limits."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from imagestudio.catalog.models import AIModel

MAX_TRANSFER = 1_000_000_000


class TransferForm(forms.Form):
    amount = forms.IntegerField(min_value=1, max_value=MAX_TRANSFER)


class LimitsForm(forms.Form):
    """A member's monthly limit (blank: none) and models: every one, or only those ticked."""

    monthly_credit_limit = forms.IntegerField(required=False, min_value=0, max_value=MAX_TRANSFER)
    models_mode = forms.ChoiceField(
        choices=[("all", gettext_lazy("Every model")), ("some", gettext_lazy("Only these"))], initial="all"
    )
    allowed_models = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = list(AIModel.objects.values_list("name", "display_name"))
        self.fields["allowed_models"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("models_mode") == "all":
            data["allowed_models"] = []
        elif not data.get("allowed_models"):
            self.add_error("allowed_models", gettext("Tick at least one model, or allow every model."))
        return data
