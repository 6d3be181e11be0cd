"""Forms of the Preferences and Models tabs. They check the shape of what was posted and build the changes;
services.update_settings (and defaults.update_settings for the model defaults) decide what is valid."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from imagestudio.catalog.panel import Panel
from imagestudio.catalog.params import ASPECT_RATIOS
from imagestudio.generation.forms import STYLE_CHOICES
from imagestudio.preferences import shortcuts
from imagestudio.preferences.models import UserSettings
from imagestudio.preferences.services import HEX_COLOUR, SHORTCUT_KEY

DEFAULT_ACCENT = "#7c3aed"


def timezone_choices() -> list:
    """IANA zones grouped by region (Europe, America…), each listed by its city."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in sorted(zoneinfo.available_timezones()):
        region, _sep, city = name.partition("/")
        if not city or region in ("Etc", "SystemV", "US", "Brazil", "Canada", "Chile", "Mexico"):
            continue  # aliases and fixed offsets: the regional names cover them
        groups[region].append((name, city.replace("_", " ").replace("/", " / ")))
    return [("", _("The studio's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}), ("UTC", "UTC")] + [
        (region, zones) for region, zones in sorted(groups.items())
    ]


class PreferencesForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), choices=UserSettings.Theme.choices, widget=forms.RadioSelect)
    accent_color = forms.CharField(label=_("Accent colour"), required=False, max_length=7)
    gallery_view_mode = forms.ChoiceField(
        label=_("Gallery view"), choices=UserSettings.GalleryView.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    timezone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["language"]).choices = [("", _("Same as my browser")), *settings.LANGUAGES]
        cast(forms.ChoiceField, self.fields["timezone"]).choices = timezone_choices()
        for action, (default, label) in shortcuts.ACTIONS.items():
            self.fields[f"shortcut_{action}"] = forms.CharField(
                label=label,
                max_length=1,
                strip=False,
                initial=default,
                help_text=_("Default: %(key)s") % {"key": default},
            )

    @classmethod
    def initial_for(cls, row: UserSettings, value) -> dict[str, Any]:
        keys = shortcuts.merged(value(row, "shortcuts"))
        return {
            "theme": row.theme,
            "accent_color": value(row, "accent_color") or DEFAULT_ACCENT,
            "gallery_view_mode": row.gallery_view_mode,
            "language": value(row, "language"),
            "timezone": value(row, "timezone"),
            **{f"shortcut_{action}": key for action, key in keys.items()},
        }

    def shortcut_fields(self) -> list[forms.BoundField]:
        return [self[f"shortcut_{action}"] for action in shortcuts.ACTIONS]

    def clean_accent_color(self) -> str:
        colour = self.cleaned_data.get("accent_color", "").strip()
        if colour and not HEX_COLOUR.match(colour):
            raise forms.ValidationError(_("Use a colour like #7c3aed."))
        return colour.lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("theme") == UserSettings.Theme.CUSTOM and not data.get("accent_color"):
            self.add_error("accent_color", _("Pick an accent colour for the custom theme."))
        self._check_shortcuts(data)
        return data

    def _check_shortcuts(self, data: dict[str, Any]) -> None:
        """One key each, and no key for two actions (both are marked, each naming the other)."""
        actions_by_key: dict[str, list[str]] = defaultdict(list)
        for action in shortcuts.ACTIONS:
            key = data.get(f"shortcut_{action}")
            if key is None:
                continue
            if SHORTCUT_KEY.match(key):
                actions_by_key[key].append(action)
            else:
                self.add_error(f"shortcut_{action}", _("Use one letter, digit or punctuation key."))
        for key, actions in actions_by_key.items():
            for action in actions if len(actions) > 1 else []:
                others = ", ".join(str(shortcuts.ACTIONS[a][1]) for a in actions if a != action)
                self.add_error(
                    f"shortcut_{action}",
                    _("“%(key)s” is also the key for: %(others)s.") % {"key": key, "others": others},
                )

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "theme": data["theme"],
            "accent_color": data["accent_color"],
            "gallery_view_mode": data["gallery_view_mode"],
            "language": data["language"],
            "timezone": data["timezone"],
            "shortcuts": {action: data[f"shortcut_{action}"] for action in shortcuts.ACTIONS},
        }


class DefaultsForm(forms.Form):
    """The Models tab: the default model, the settings every model shares, auto-save. The model's own
    settings come from the schema-built panel (posted under their own names)."""

    model = forms.ChoiceField(label=_("Default model"), required=False)
    aspect_ratio = forms.ChoiceField(
        label=_("Aspect ratio"), choices=[(name, name) for name in ASPECT_RATIOS], required=False
    )
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        required=False,
        choices=[
            ("0.5", _("Draft · 0.5 MP")),
            ("1", _("Standard · 1 MP")),
            ("2", _("High · 2 MP")),
            ("4", _("Max · 4 MP")),
        ],
    )
    num_images = forms.TypedChoiceField(
        label=_("Images per generation"), choices=[(n, n) for n in range(1, 5)], coerce=int, required=False
    )
    style = forms.ChoiceField(label=_("Style"), choices=STYLE_CHOICES, required=False)
    negative_prompt = forms.CharField(
        label=_("Negative prompt"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    autosave = forms.BooleanField(
        label=_("Remember my last generation settings"),
        required=False,
        help_text=_("The generate page then opens with the model and settings of your last generation instead."),
    )

    def __init__(self, *args: Any, models=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("The studio's default")), *[(m.endpoint_id, m.display_name) for m in models]]
        cast(forms.ChoiceField, self.fields["model"]).choices = choices

    @classmethod
    def initial_for(cls, row: UserSettings, autosave: bool) -> dict[str, Any]:
        parameters = row.default_parameters or {}
        shared = {
            name: parameters[name]
            for name in ("aspect_ratio", "resolution", "num_images", "style", "negative_prompt")
            if name in parameters
        }
        return {"model": row.default_model_id, "autosave": autosave, "resolution": "1", "style": "none", **shared}

    def changes(self, panel_values: dict) -> dict[str, Any]:
        data = self.cleaned_data
        shared = {
            name: data.get(name) for name in ("aspect_ratio", "resolution", "num_images", "style", "negative_prompt")
        }
        return {
            "default_model_id": data["model"],
            "default_parameters": {**shared, **panel_values},
            "autosave": data["autosave"],
        }


def panel_values(data, panel: Panel) -> dict[str, Any]:
    """The model's own settings posted from the panel (a checkbox sends a hidden "false" before it)."""
    values: dict[str, Any] = {}
    for field in panel.fields:
        raw = data.getlist(field.name)
        if not raw:
            continue
        if field.kind == "boolean":
            values[field.name] = raw[-1] in ("true", "on", "1")
        elif raw[-1].strip():
            values[field.name] = raw[-1].strip()
    return values
