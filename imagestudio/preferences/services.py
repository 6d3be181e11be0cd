"""Reading and changing a user's settings (the seed's `user_settings` row, created on first read).

`settings` JSON holds the keys in SETTING_KEYS; every write goes through update_settings(), which
validates each key and refuses unknown ones, so pages, the API and imports all obey the same rules.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from imagestudio.preferences import shortcuts
from imagestudio.preferences.models import UserSettings

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SHORTCUT_KEY = re.compile(r"^[A-Za-z0-9/?.,;\[\]=\-]$")
MAX_RETENTION_DAYS = 3650
NOTIFICATION_TYPES = (
    "job_finished",
    "job_failed",
    "batch_done",
    "comment",
    "mention",
    "share",
    "invitation",
    "credits",
)
NOTIFICATION_CHANNELS = ("in_app", "email")

# key -> default. Fields of the model itself (theme, gallery_view_mode, notifications_enabled,
# default_model_id, default_parameters) are not in here.
SETTING_KEYS: dict[str, Any] = {
    "accent_color": "",  # "#RRGGBB" with theme=custom
    "language": "",  # "" = from the browser; else one of settings.LANGUAGES
    "timezone": "",  # "" = the studio's TIME_ZONE; else an IANA name
    "shortcuts": {},  # action -> single key, overriding the defaults
    "autosave": True,  # remember the generate page's last settings
    "last_generation": {},  # {"model_id": str, "parameters": {...}} written by the generate page
    "notifications": {},  # type -> {"in_app": bool, "email": bool}; missing = both on
    "privacy": {},  # {"public_profile": bool, "images_public_by_default": bool}
    "retention_days": None,  # None = keep forever; N = images older than N days go to the trash
    "onboarding_dismissed": False,  # the dashboard's getting-started checklist was hidden
    "seen_models_at": "",  # ISO time the "new model" announcement was last dismissed ("" = never)
}


class SettingsError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def settings_for(user) -> UserSettings:
    """The user's settings row, created with defaults on first read."""
    row, _created = UserSettings.objects.get_or_create(user=user)
    return row


def value(row: UserSettings, key: str) -> Any:
    """A key of `settings` JSON, or its default."""
    default = SETTING_KEYS[key]
    stored = (row.settings or {}).get(key, default)
    return stored if stored is not None or default is None else default


@transaction.atomic
def update_settings(*, user, changes: dict[str, Any]) -> UserSettings:
    """Validate and store `changes` (model fields and SETTING_KEYS alike). Raises SettingsError naming the
    first bad field; nothing is stored then."""
    row = UserSettings.objects.select_for_update().get(pk=settings_for(user).pk)
    blob = dict(row.settings or {})
    for key, raw in changes.items():
        if key in MODEL_FIELDS:
            setattr(row, key, MODEL_FIELDS[key](raw))
        elif key in SETTING_KEYS:
            blob[key] = VALIDATORS[key](raw)
        else:
            raise SettingsError(_("Unknown setting “%(key)s”.") % {"key": key}, field=key)
    row.settings = blob
    row.save()
    return row


def _choice(field: str, choices) -> Any:
    allowed = [c.value for c in choices]

    def check(raw: Any) -> str:
        if raw not in allowed:
            raise SettingsError(_("Choose one of: %(allowed)s.") % {"allowed": ", ".join(allowed)}, field=field)
        return str(raw)

    return check


def _bool(field: str):
    def check(raw: Any) -> bool:
        if not isinstance(raw, bool):
            raise SettingsError(_("Must be true or false."), field=field)
        return raw

    return check


def _accent(raw: Any) -> str:
    if raw in ("", None):
        return ""
    if not isinstance(raw, str) or not HEX_COLOUR.match(raw):
        raise SettingsError(_("Use a colour like #7c3aed."), field="accent_color")
    return raw.lower()


def _language(raw: Any) -> str:
    codes = [code for code, _name in django_settings.LANGUAGES]
    if raw in ("", None):
        return ""
    if raw not in codes:
        raise SettingsError(_("Choose one of: %(codes)s.") % {"codes": ", ".join(codes)}, field="language")
    return str(raw)


def _timezone(raw: Any) -> str:
    if raw in ("", None):
        return ""
    if not isinstance(raw, str) or raw not in zoneinfo.available_timezones():
        raise SettingsError(_("Unknown time zone; use a name like Europe/Berlin."), field="timezone")
    return raw


def _shortcuts(raw: Any) -> dict:
    if not isinstance(raw, dict) or len(raw) > 50:
        raise SettingsError(_("Shortcuts must map actions to keys."), field="shortcuts")
    for action, key in raw.items():
        if action not in shortcuts.ACTIONS:
            raise SettingsError(
                _("Unknown shortcut action; use one of: %(actions)s.") % {"actions": ", ".join(shortcuts.ACTIONS)},
                field="shortcuts",
            )
        if not isinstance(key, str) or not SHORTCUT_KEY.match(key):
            raise SettingsError(_("A shortcut is one letter, digit or punctuation key."), field="shortcuts")
    # Checked with the defaults of the actions left as they are: "g" for search clashes with Generate's "g".
    keys = list(shortcuts.merged(raw).values())
    if len(set(keys)) != len(keys):
        raise SettingsError(_("Two actions cannot share one key."), field="shortcuts")
    # Only what differs from the defaults is kept, so a later change of a default reaches everyone else.
    return {action: key for action, key in raw.items() if key != shortcuts.ACTIONS[action][0]}


def _last_generation(raw: Any) -> dict:
    if not isinstance(raw, dict) or set(raw) - {"model_id", "parameters"}:
        raise SettingsError(_("Expected model_id and parameters."), field="last_generation")
    if not isinstance(raw.get("model_id", ""), str) or not isinstance(raw.get("parameters", {}), dict):
        raise SettingsError(_("model_id is text and parameters an object."), field="last_generation")
    if len(str(raw)) > 20_000:
        raise SettingsError(_("Too large to remember."), field="last_generation")
    return dict(raw)


def _notifications(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise SettingsError(_("Expected a map of notification types."), field="notifications")
    clean = {}
    for kind, channels in raw.items():
        if kind not in NOTIFICATION_TYPES:
            raise SettingsError(_("Unknown notification type “%(kind)s”.") % {"kind": kind}, field="notifications")
        if not isinstance(channels, dict) or set(channels) - set(NOTIFICATION_CHANNELS):
            raise SettingsError(_("Each type takes in_app and email."), field="notifications")
        if not all(isinstance(on, bool) for on in channels.values()):
            raise SettingsError(_("Channels are true or false."), field="notifications")
        clean[kind] = dict(channels)
    return clean


def _privacy(raw: Any) -> dict:
    allowed = {"public_profile", "images_public_by_default"}
    if not isinstance(raw, dict) or set(raw) - allowed or not all(isinstance(v, bool) for v in raw.values()):
        raise SettingsError(
            _("Privacy takes public_profile and images_public_by_default (true/false)."), field="privacy"
        )
    return dict(raw)


def _retention(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_RETENTION_DAYS:
        raise SettingsError(
            _("Keep images between 1 and %(max)s days, or forever (null).") % {"max": MAX_RETENTION_DAYS},
            field="retention_days",
        )
    return raw


def _seen_models_at(raw: Any) -> str:
    if raw == "":
        return ""
    try:
        moment = parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:  # well formed but impossible, such as month 13
        moment = None
    if moment is None or moment.tzinfo is None:
        raise SettingsError(_("Expected a date and time with a time zone (ISO 8601), or “”."), field="seen_models_at")
    return moment.isoformat()


def _model_id(raw: Any) -> str:
    if not isinstance(raw, str) or len(raw) > 200:
        raise SettingsError(_("Expected a model id."), field="default_model_id")
    return raw


def _parameters(raw: Any) -> dict:
    if not isinstance(raw, dict) or len(str(raw)) > 20_000:
        raise SettingsError(_("Expected an object of parameters."), field="default_parameters")
    return dict(raw)


MODEL_FIELDS = {
    "theme": _choice("theme", UserSettings.Theme),
    "gallery_view_mode": _choice("gallery_view_mode", UserSettings.GalleryView),
    "notifications_enabled": _bool("notifications_enabled"),
    # Checked against the catalog (model exists, parameters fit its schema) by the defaults module
    # before they reach here.
    "default_model_id": _model_id,
    "default_parameters": _parameters,
}

VALIDATORS = {
    "accent_color": _accent,
    "language": _language,
    "timezone": _timezone,
    "shortcuts": _shortcuts,
    "autosave": _bool("autosave"),
    "last_generation": _last_generation,
    "notifications": _notifications,
    "privacy": _privacy,
    "retention_days": _retention,
    "onboarding_dismissed": _bool("onboarding_dismissed"),
    "seen_models_at": _seen_models_at,
}


def wants(user, kind: str, channel: str) -> bool:
    """Whether `user` wants notifications of `kind` by `channel` (in_app, email). Read by notifications."""
    row = settings_for(user)
    if not row.notifications_enabled:
        return False
    return bool(value(row, "notifications").get(kind, {}).get(channel, True))


def muted(pairs, channel: str) -> set:
    """Of the (user_id, kind) `pairs`, those whose user does not want `kind` by `channel` — `wants()` for many
    users in one query (a user without a settings row wants everything)."""
    return muted_by_channel(pairs, (channel,))[channel]


def muted_by_channel(pairs, channels=NOTIFICATION_CHANNELS) -> dict[str, set]:
    """muted() for several channels at once, still one query: channel -> the (user_id, kind) pairs muted."""
    pairs = list(pairs)
    rows = UserSettings.objects.filter(user_id__in={user_id for user_id, _kind in pairs}).values_list(
        "user_id", "notifications_enabled", "settings"
    )
    wishes = {user_id: (enabled, (blob or {}).get("notifications") or {}) for user_id, enabled, blob in rows}
    return {
        channel: {
            (user_id, kind)
            for user_id, kind in pairs
            if user_id in wishes and (not wishes[user_id][0] or not wishes[user_id][1].get(kind, {}).get(channel, True))
        }
        for channel in channels
    }
