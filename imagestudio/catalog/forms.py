from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from imagestudio.catalog.labels import CAPABILITIES
from imagestudio.catalog.models import AIModel

MAX_COST = 100_000
# Every order the page offers; the column headers flip a key to its "-key" and back.
SORT_CHOICES = [
    ("featured", _("Featured first")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("cost", _("Cheapest first")),
    ("-cost", _("Most expensive first")),
    ("speed", _("Fastest first")),
    ("-speed", _("Slowest first")),
    ("quality", _("Best quality first")),
    ("-quality", _("Draft quality first")),
    ("resolution", _("Largest output first")),
    ("-resolution", _("Smallest output first")),
    ("newest", _("Newest first")),
    ("-newest", _("Oldest first")),
]


class MatrixFilters(forms.Form):
    """The models page's filters and sort, read from the URL (a bad value is reported and ignored)."""

    capability = forms.ChoiceField(
        label=_("Capability"), required=False, choices=[("", _("Any capability")), *CAPABILITIES.items()]
    )
    provider = forms.ChoiceField(
        label=_("Provider"),
        required=False,
        choices=[("", _("Any provider")), (AIModel.Provider.FAL, "fal.ai"), (AIModel.Provider.OFFLINE, _("Offline"))],
    )
    max_cost = forms.IntegerField(
        label=_("Max credits per image"),
        required=False,
        min_value=0,
        max_value=MAX_COST,
        error_messages={"invalid": _("Enter a whole number of credits, such as 5.")},
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def filters(self) -> dict:
        """The valid filters only: a bad field falls back to "any" while its error is shown."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "capability": data.get("capability") or "",
            "provider": data.get("provider") or "",
            "max_cost": data.get("max_cost"),
            "sort": data.get("sort") or "",
        }
