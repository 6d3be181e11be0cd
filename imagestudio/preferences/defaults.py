"""A user's default model and parameters for the generate page, checked against the catalog.

The model must exist, draw images from text and be usable now; the parameters must fit its schema, checked
by the same `catalog.params.resolve` every generation goes through. Parameters are stored in the catalog's
parameter language (fal input names plus aspect_ratio, resolution, width/height, style, negative_prompt),
as the user gave them, so the generate page can put them back into its form and panel.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.utils.translation import gettext as _

from imagestudio.catalog import services as catalog
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError, resolve
from imagestudio.catalog.styles import STYLE_PRESETS
from imagestudio.preferences import services
from imagestudio.preferences.models import UserSettings
from imagestudio.preferences.services import SettingsError

# Parameters every model takes through the generate form (the rest come from the model's schema).
SHARED = ("aspect_ratio", "resolution", "width", "height", "num_images", "seed", "style", "negative_prompt")
MAX_NEGATIVE_PROMPT = 2000
DEFAULT_FIELDS = ("default_model_id", "default_parameters")


def usable_models():
    """The models a default may name: the ones the generate page offers."""
    return AIModel.objects.active().with_capability("text-to-image")


def check_model(model_id: Any) -> AIModel | None:
    """The catalog model for `model_id` (an endpoint id); None for "" (the studio's default)."""
    if model_id in ("", None):
        return None
    if not isinstance(model_id, str):
        raise SettingsError(_("Expected a model id such as offline/studio-v1."), field="default_model_id")
    model = usable_models().filter(endpoint_id=model_id).first()
    if model is None:
        if AIModel.objects.filter(endpoint_id=model_id).exists():
            message = _("%(model)s does not draw images from text.") % {"model": model_id}
        else:
            message = _("No model “%(model)s”. GET /api/models lists them.") % {"model": model_id}
        raise SettingsError(message, field="default_model_id")
    if not model.available:
        raise SettingsError(
            _("%(model)s is not available: %(reason)s")
            % {"model": model.display_name, "reason": model.unavailable_reason},
            field="default_model_id",
        )
    return model


def check_parameters(model: AIModel | None, parameters: Any) -> dict:
    """`parameters` cleaned for `model` (None: the studio's default model). Raises SettingsError naming
    the parameter as `default_parameters.<name>`."""
    if not isinstance(parameters, dict):
        raise SettingsError(_("Expected an object of parameters."), field="default_parameters")
    model = model or catalog.default_model()
    schema = model.input_schema if model else {}
    cleaned = {str(k): v for k, v in parameters.items() if v not in (None, "")}
    for name in cleaned:
        if name not in SHARED and (name not in schema or name == "prompt"):
            raise SettingsError(
                _("%(model)s has no parameter “%(name)s”.")
                % {"model": model.display_name if model else "—", "name": name},
                field=f"default_parameters.{name}",
            )
    _check_text(cleaned)
    try:
        resolved = resolve(schema, {k: v for k, v in cleaned.items() if k not in ("style", "negative_prompt")})
    except ParameterError as exc:
        raise SettingsError(exc.message, field=f"default_parameters.{exc.field}") from None
    # Keep what the user gave, with numbers as numbers (forms post text).
    for name in cleaned:
        if name in resolved.arguments and name not in ("image_size", "aspect_ratio"):
            cleaned[name] = resolved.arguments[name]
    if "num_images" in cleaned:
        cleaned["num_images"] = resolved.num_images
    if "seed" in cleaned:
        cleaned["seed"] = resolved.seed
    for side in ("width", "height"):
        if side in cleaned:
            cleaned[side] = int(cleaned[side])
    return cleaned


def _check_text(cleaned: dict) -> None:
    style = cleaned.get("style")
    if style is not None and (not isinstance(style, str) or (style != "none" and style not in STYLE_PRESETS)):
        raise SettingsError(
            _("Unknown style; use one of: %(styles)s.") % {"styles": ", ".join(["none", *STYLE_PRESETS])},
            field="default_parameters.style",
        )
    negative = cleaned.get("negative_prompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > MAX_NEGATIVE_PROMPT):
        raise SettingsError(
            _("The negative prompt is text of at most %(max)s characters.") % {"max": MAX_NEGATIVE_PROMPT},
            field="default_parameters.negative_prompt",
        )


def checked_changes(user, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` with the default model and parameters checked against the catalog. What will be stored must
    fit together: parameters sent alone are checked against the stored model, a model sent alone against the
    stored parameters."""
    if not any(field in changes for field in DEFAULT_FIELDS):
        return changes
    row = services.settings_for(user)
    model_id = changes.get("default_model_id", row.default_model_id)
    model = check_model(model_id)
    parameters = changes.get("default_parameters", row.default_parameters)
    return {
        **changes,
        "default_model_id": model.endpoint_id if model else "",
        "default_parameters": check_parameters(model, parameters),
    }


def update_settings(*, user, changes: dict[str, Any]):
    """services.update_settings, with the defaults checked against the catalog first."""
    return services.update_settings(user=user, changes=checked_changes(user, changes))


def effective_defaults(row: UserSettings) -> tuple[AIModel | None, dict]:
    """The model and parameters the generate page starts from: the user's defaults while their model is
    usable, else the studio's default model with its own defaults."""
    try:
        model = check_model(row.default_model_id)
    except SettingsError:
        model = None  # retired or switched off since it was chosen
    if model is None:
        return catalog.default_model(), {}
    return model, dict(row.default_parameters or {})


def last_generation(row: UserSettings) -> tuple[AIModel, dict] | None:
    """The model and settings of the user's last generation from the page, when they asked to remember them
    and the model is still usable."""
    if not services.value(row, "autosave"):
        return None
    last = services.value(row, "last_generation")
    try:
        model = check_model(last.get("model_id"))
    except SettingsError:
        return None
    parameters = last.get("parameters")
    return (model, dict(parameters)) if model and isinstance(parameters, dict) else None


def generate_start(row: UserSettings | None) -> tuple[dict, dict | None]:
    """The generate page's form values and model-panel values when its URL asks for nothing in particular:
    the last generation's settings (auto-save on), else the user's defaults."""
    parameters: dict
    if row is None:
        model, parameters = catalog.default_model(), {}
    else:
        model, parameters = last_generation(row) or effective_defaults(row)
    if model is None:
        return {}, None
    panel = dict(parameters)
    initial: dict[str, Any] = {"model": model.endpoint_id}
    initial.update({name: panel.pop(name) for name in SHARED if name in panel})
    if "width" in initial and "aspect_ratio" not in initial:
        initial["aspect_ratio"] = "custom"
    return initial, panel or None


def remember_generation(*, user, model: AIModel, parameters: dict) -> None:
    """Store the settings a generation was enqueued with from the page (not its prompt), when auto-save is on."""
    if not services.value(services.settings_for(user), "autosave"):
        return
    kept = {k: v for k, v in parameters.items() if (k in SHARED or k in model.input_schema) and k != "prompt"}
    kept = {k: v for k, v in kept.items() if v not in (None, "")}
    # Too large to remember: the next visit simply starts from the defaults.
    with suppress(SettingsError):
        services.update_settings(
            user=user, changes={"last_generation": {"model_id": model.endpoint_id, "parameters": kept}}
        )
