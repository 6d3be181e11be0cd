"""The seed's /api/settings and /api/settings/defaults: the user's settings, read whole and changed in part."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from imagestudio.preferences import defaults, services
from imagestudio.preferences.models import UserSettings
from imagestudio.preferences.services import SETTING_KEYS, SettingsError

router = Router(tags=["settings"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class SettingsOut(Schema):
    theme: str = Field(description="auto, light, dark or custom (custom uses accent_color)")
    gallery_view_mode: str = Field(description="grid, masonry or list")
    notifications_enabled: bool
    default_model_id: str = Field(description="A model's endpoint id; \"\" = the studio's default")
    default_parameters: dict
    accent_color: str = Field(description='"#rrggbb" or ""')
    language: str = Field(description='"" = the browser\'s choice, else a UI language code (en, de)')
    timezone: str = Field(description='"" = the studio\'s time zone, else an IANA name such as Europe/Berlin')
    shortcuts: dict[str, str] = Field(description="Keyboard shortcut action → key, overriding the defaults")
    autosave: bool = Field(description="Remember the generate page's last settings")
    last_generation: dict
    notifications: dict
    privacy: dict
    retention_days: int | None
    onboarding_dismissed: bool = Field(description="The dashboard's getting-started checklist is hidden")
    seen_models_at: str = Field(description='When the "new model" announcement was last dismissed (ISO 8601), or ""')
    updated_at: datetime


class SettingsIn(Schema):
    """Any subset of the settings; what is left out stays as it is."""

    model_config = ConfigDict(extra="allow")

    theme: Any = Field(default=None, description="auto, light, dark or custom")
    gallery_view_mode: Any = Field(default=None, description="grid, masonry or list")
    notifications_enabled: Any = Field(default=None, description="true or false")
    default_model_id: Any = Field(default=None, description="Checked against the catalog, as in /defaults")
    default_parameters: Any = Field(default=None, description="Checked against the model's schema")
    accent_color: Any = Field(default=None, description='"#rrggbb" or ""')
    language: Any = Field(default=None, description='"", "en" or "de"')
    timezone: Any = Field(default=None, description='An IANA name, or ""')
    shortcuts: Any = Field(default=None, description='{"search": "/", "generate": "g", "help": "?"}')
    autosave: Any = Field(default=None, description="true or false")
    last_generation: Any = Field(default=None, description='{"model_id": …, "parameters": {…}}')
    notifications: Any = Field(default=None, description='type → {"in_app": bool, "email": bool}')
    privacy: Any = Field(default=None, description='{"public_profile": bool, "images_public_by_default": bool}')
    retention_days: Any = Field(default=None, description="1–3650, or null to keep images forever")
    seen_models_at: Any = Field(default=None, description='An ISO 8601 time with a time zone, or ""')
    onboarding_dismissed: Any = Field(default=None, description="true hides the dashboard's getting-started checklist")


class DefaultsOut(Schema):
    default_model_id: str = Field(description='"" = the studio\'s default model')
    default_parameters: dict
    model_name: str = Field(description="The model the generate page starts from")
    cost_per_image: int = Field(description="Credits for one ~1 MP image with that model")
    capabilities: list[str]


class DefaultsIn(Schema):
    default_model_id: Any = Field(default=None, description='A usable text-to-image model\'s endpoint id; "" resets')
    default_parameters: Any = Field(default=None, description="Parameters that fit the model's schema")


def settings_out(row: UserSettings) -> dict[str, Any]:
    fields = ("theme", "gallery_view_mode", "notifications_enabled", "default_model_id", "default_parameters")
    return {
        **{name: getattr(row, name) for name in fields},
        **{key: services.value(row, key) for key in SETTING_KEYS},
        "updated_at": row.updated_at,
    }


def defaults_out(row: UserSettings) -> dict[str, Any]:
    model, _parameters = defaults.effective_defaults(row)
    return {
        "default_model_id": row.default_model_id,
        "default_parameters": row.default_parameters,
        "model_name": model.display_name if model else "",
        "cost_per_image": model.cost_per_generation if model else 0,
        "capabilities": list(model.capabilities) if model else [],
    }


def _error(exc: SettingsError) -> Status:
    return Status(422, {"detail": exc.message, "field": exc.field})


RESPONSES = {400: dict, 401: dict, 422: ErrorOut}


@router.get("", response={200: SettingsOut, 401: dict}, url_name="settings_get")
def get_settings(request: HttpRequest):
    """Every setting, with the defaults filled in."""
    return settings_out(services.settings_for(request.user))


@router.put("", response={200: SettingsOut, **RESPONSES}, url_name="settings_put")
def put_settings(request: HttpRequest, payload: SettingsIn):
    """Change some settings; answers all of them. A bad value is a 422 naming its field; nothing is changed."""
    try:
        # The body as sent (the schema documents it): unknown keys reach the service, which names them in its 422.
        changes = payload.model_dump(exclude_unset=True) | json.loads(request.body)
        row = defaults.update_settings(user=request.user, changes=changes)
    except SettingsError as exc:
        return _error(exc)
    return settings_out(row)


@router.get("/defaults", response={200: DefaultsOut, 401: dict}, url_name="settings_defaults_get")
def get_defaults(request: HttpRequest):
    """The default model and parameters the generate page starts from."""
    return defaults_out(services.settings_for(request.user))


@router.put("/defaults", response={200: DefaultsOut, **RESPONSES}, url_name="settings_defaults_put")
def put_defaults(request: HttpRequest, payload: DefaultsIn):
    """Set the default model and/or parameters. The model must exist, draw from text and be usable; the
    parameters must fit its schema (errors name `default_parameters.<name>`)."""
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("default_model_id") is None:
        changes.pop("default_model_id", None)
    if changes.get("default_parameters") is None:
        changes.pop("default_parameters", None)
    try:
        row = defaults.update_settings(user=request.user, changes=changes)
    except SettingsError as exc:
        return _error(exc)
    return defaults_out(row)
