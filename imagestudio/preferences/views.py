"""Settings › Preferences (theme, gallery view, language, time zone, shortcuts) and Settings › Models
(default model and parameters, auto-save)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.catalog import services as catalog
from imagestudio.catalog.panel import build_panel
from imagestudio.preferences import defaults, services
from imagestudio.preferences.forms import DefaultsForm, PreferencesForm, panel_values
from imagestudio.preferences.middleware import set_language_cookie
from imagestudio.preferences.rendering import render_tab
from imagestudio.preferences.services import SettingsError

# SettingsError.field -> the form field showing it (shortcuts errors land on the first shortcut input).
PREFERENCE_FIELDS = {"shortcuts": "shortcut_search"}
SHARED_DEFAULTS = ("aspect_ratio", "resolution", "num_images", "style", "negative_prompt")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    row = services.settings_for(request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                row = services.update_settings(user=request.user, changes=form.changes())
            except SettingsError as exc:
                form.add_error(
                    PREFERENCE_FIELDS.get(exc.field, exc.field if exc.field in form.fields else None), exc.message
                )
            else:
                return _saved(request, services.value(row, "language"))
        return render_tab(request, "preferences", "settings/preferences.html", _preferences_context(form, row), 422)
    form = PreferencesForm(initial=PreferencesForm.initial_for(row, services.value))
    return render_tab(request, "preferences", "settings/preferences.html", _preferences_context(form, row))


def _saved(request: AuthenticatedRequest, language: str) -> HttpResponse:
    """Back to the tab, already in the chosen language (the next request's middleware would do it anyway)."""
    if language:
        translation.activate(language)
    messages.success(request, _("Preferences saved."))
    response = redirect("settings_preferences")
    if language:
        set_language_cookie(response, language)
    return response


def _preferences_context(form: PreferencesForm, row) -> dict:
    return {"form": form, "row": row, "shortcut_fields": form.shortcut_fields(), "studio_zone": settings.TIME_ZONE}


@login_required
@require_http_methods(["GET", "POST"])
def models(request: AuthenticatedRequest) -> HttpResponse:
    row = services.settings_for(request.user)
    choices = list(defaults.usable_models())
    if request.method == "POST":
        form = DefaultsForm(request.POST, models=choices)
        model = catalog.get_model(request.POST.get("model") or "") or catalog.default_model()
        values = panel_values(request.POST, build_panel(model.input_schema)) if model else {}
        panel_errors: dict[str, str] = {}
        if form.is_valid():
            try:
                defaults.update_settings(user=request.user, changes=form.changes(values))
            except SettingsError as exc:
                _defaults_error(form, panel_errors, exc)
            else:
                messages.success(request, _("Model defaults saved."))
                return redirect("settings_models")
        context = _models_context(form, choices, model, values, panel_errors)
        return render_tab(request, "models", "settings/models.html", context, 422)
    form = DefaultsForm(initial=DefaultsForm.initial_for(row, services.value(row, "autosave")), models=choices)
    model, parameters = defaults.effective_defaults(row)
    values = {k: v for k, v in parameters.items() if k not in SHARED_DEFAULTS}
    return render_tab(
        request, "models", "settings/models.html", _models_context(form, choices, model, values or None, {})
    )


def _defaults_error(form: DefaultsForm, panel_errors: dict[str, str], exc: SettingsError) -> None:
    name = exc.field.removeprefix("default_parameters.")
    if exc.field == "default_model_id":
        form.add_error("model", exc.message)
    elif name in form.fields:
        form.add_error(name, exc.message)
    else:
        panel_errors[name] = exc.message
        form.add_error(None, exc.message)


def _models_context(form: DefaultsForm, choices: list, model, values: dict | None, panel_errors: dict) -> dict:
    panel = build_panel(model.input_schema) if model else None
    rows = panel.rows(values if values is not None else model.default_parameters) if panel and model else []
    return {
        "form": form,
        "model_choices": choices,
        "selected_model": model,
        "panel": panel,
        "panel_rows": rows,
        "panel_errors": panel_errors,
    }
