"""Settings → API keys: create, list and revoke API keys, and add or remove the user's own fal.ai key.

One URL; each form posts an `action` (create, revoke, fal_key_set, fal_key_remove). A new key is shown in the
answer to its POST (never stored, so never shown again); every other action redirects back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from imagestudio.accounts import api_keys, provider_keys
from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.accounts.services import AccountError
from imagestudio.preferences.rendering import render_tab

NEVER = "never"


def _days(days: int) -> str:
    return _("%(days)d days") % {"days": days}


_days_lazy = lazy(_days, str)  # translated when the form renders, in the reader's language
EXPIRY_CHOICES = [
    *((str(days), _days_lazy(days)) for days in api_keys.EXPIRY_DAYS_CHOICES),
    (NEVER, gettext_lazy("Never")),
]


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=api_keys.NAME_MAX_LENGTH,
        help_text=gettext_lazy("What uses it, so you know which key to revoke later."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=[(scope.value, scope.label) for scope in api_keys.Scope],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one scope.")},
    )
    expires = forms.ChoiceField(label=gettext_lazy("Expires"), choices=EXPIRY_CHOICES, initial="90")

    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires"]
        return None if value == NEVER else int(value)


class FalKeyForm(forms.Form):
    # Never rendered back: a key typed here goes to the server once and no page shows it again.
    fal_key = forms.CharField(
        label=gettext_lazy("Your fal.ai key"),
        max_length=provider_keys.KEY_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("From fal.ai → Dashboard → Keys. It is stored encrypted and never shown again."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_keys_tab(request: AuthenticatedRequest) -> HttpResponse:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "create":
        return _create(request)
    if action == "revoke":
        return _revoke(request)
    if action == "fal_key_set":
        return _set_fal_key(request)
    if action == "fal_key_remove":
        if provider_keys.remove_fal_key(user=request.user, request=request):
            messages.success(request, _("Your fal.ai key was removed. Your fal jobs use studio credits again."))
        return redirect("settings_api_keys")
    if request.method == "POST":
        messages.error(request, _("Nothing was changed: that form is out of date. Try again."))
        return redirect("settings_api_keys")
    return _render(request)


def _create(request: AuthenticatedRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _render(request, key_form=form, status=400)
    try:
        key, raw = api_keys.create_key(
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_in_days=form.expires_in_days(),
            request=request,
        )
    except AccountError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _render(request, key_form=form, status=400)
    return _render(request, new_key={"key": key, "raw": raw})


def _revoke(request: AuthenticatedRequest) -> HttpResponse:
    key = api_keys.revoke_key(user=request.user, key_id=request.POST.get("key_id", ""), request=request)
    if key is None:
        messages.error(request, _("That key was not found: it may belong to another account."))
    else:
        messages.success(request, _("“%(name)s” was revoked: it stopped working at once.") % {"name": key.name})
    return redirect("settings_api_keys")


def _set_fal_key(request: AuthenticatedRequest) -> HttpResponse:
    form = FalKeyForm(request.POST)
    if form.is_valid():
        try:
            provider_keys.set_fal_key(user=request.user, key=form.cleaned_data["fal_key"], request=request)
        except AccountError as exc:
            form.add_error("fal_key", exc.message)
    if not form.is_valid():
        return _render(request, fal_form=form, status=400)
    messages.success(request, _("Your fal.ai key was saved. Your jobs on fal models now run on it, free of credits."))
    return redirect("settings_api_keys")


def _render(
    request: AuthenticatedRequest,
    *,
    key_form: ApiKeyForm | None = None,
    fal_form: FalKeyForm | None = None,
    new_key: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    keys = api_keys.user_keys(request.user)
    context: dict[str, Any] = {
        "key_form": key_form or ApiKeyForm(initial={"scopes": [api_keys.Scope.READ]}),
        "fal_form": fal_form or FalKeyForm(),
        "new_key": new_key,
        "keys": [
            {"key": key, "status": api_keys.key_status(key), "scopes": [api_keys.Scope(s).label for s in key.scopes]}
            for key in keys
        ],
        "scope_help": api_keys.SCOPE_HELP,
        "fal_key": provider_keys.fal_key_info(request.user),
        "fal_offered": bool(settings.FAL_KEY),
        "api_base": request.build_absolute_uri("/api/"),
        "max_keys": settings.API_MAX_KEYS,
    }
    return render_tab(request, "api-keys", "settings/api_keys.html", context, status=status)
