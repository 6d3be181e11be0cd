"""Settings → Account (profile, picture, email, password) and Settings → Security (two-factor, passkeys,
sessions, connected accounts, the security log). The heavy lifting stays in allauth's pages and flows;
these tabs show where things stand and link or post into them."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.internal.flows.sessions import end_other_sessions, end_sessions
from allauth.usersessions.models import UserSession
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from imagestudio.accounts import oauth
from imagestudio.accounts.audit import security_events
from imagestudio.accounts.devices import describe_user_agent, is_mobile
from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.accounts.models import User
from imagestudio.accounts.profile import avatar_remove, avatar_set
from imagestudio.accounts.self_service import pending_email_change
from imagestudio.gallery.upload import UploadError
from imagestudio.preferences.rendering import render_tab

SECURITY_LOG_LENGTH = 30


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    avatar = forms.FileField(label=gettext_lazy("Profile picture"), required=False)


# --- Account


@login_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(initial={"name": user.name})
    if request.method == "POST":
        if "remove_avatar" in request.POST:
            avatar_remove(user=user)
            messages.success(request, _("Profile picture removed."))
            return redirect("settings_account")
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid() and _save_profile(request, user, form):
            messages.success(request, _("Profile saved."))
            return redirect("settings_account")
    return render_tab(request, "account", "settings/account.html", _account_context(user, form))


def _save_profile(request: AuthenticatedRequest, user: User, form: ProfileForm) -> bool:
    picture = form.cleaned_data.get("avatar")
    if picture:
        try:
            avatar_set(user=user, name=picture.name, data=picture.read())
        except UploadError as exc:
            form.add_error("avatar", exc.message)
            return False
    name = form.cleaned_data["name"].strip()
    if name != user.name:
        user.name = name
        user.save(update_fields=["name", "updated_at"])
    return True


def _account_context(user: User, form: ProfileForm) -> dict:
    current = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    return {
        "form": form,
        "current_email": current,
        "pending_email": pending_email_change(user),
        "has_password": user.has_usable_password(),
    }


@login_required
@require_GET
def avatar(request: AuthenticatedRequest, user_id) -> FileResponse:
    """A profile picture, for signed-in users (user ids are unguessable; pictures are not listed anywhere)."""
    owner = get_object_or_404(User, pk=user_id)
    if not owner.avatar:
        raise Http404("No profile picture.")
    response = FileResponse(owner.avatar.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=86400"  # the file name changes with the picture
    return response


# --- Security


@login_required
def security(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=user).exclude(type="webauthn")}
    passkeys = list(Authenticator.objects.filter(user=user, type="webauthn").order_by("created_at"))
    recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    context = {
        "totp": authenticators.get(Authenticator.Type.TOTP),
        "recovery_left": len(recovery.wrap().get_unused_codes()) if recovery else 0,
        "passkeys_enabled": "webauthn" in settings.MFA_SUPPORTED_TYPES,
        "passkeys": passkeys,
        "sessions": _session_rows(request),
        "providers": _provider_rows(user),
        "events": [_event_row(event) for event in security_events(user, limit=SECURITY_LOG_LENGTH)],
        "has_password": user.has_usable_password(),
        # allauth turns two-factor on only for a verified address (else a squatter could lock the owner out).
        "email_verified": user.email_verified,
    }
    return render_tab(request, "security", "settings/security.html", context)


def _session_rows(request: AuthenticatedRequest) -> list[dict]:
    sessions = UserSession.objects.purge_and_list(request.user)
    current = request.session.session_key
    rows = [
        {
            "id": s.pk,
            "device": describe_user_agent(s.user_agent),
            "mobile": is_mobile(s.user_agent),
            "ip": s.ip,
            "last_seen": s.last_seen_at,
            "created": s.created_at,
            "current": s.session_key == current,
        }
        for s in sessions
    ]
    return sorted(rows, key=lambda row: (not row["current"], -row["last_seen"].timestamp()))


def _provider_rows(user: User) -> list[dict]:
    connected: dict[str, list[SocialAccount]] = {}
    for account_ in SocialAccount.objects.filter(user=user):
        connected.setdefault(account_.provider, []).append(account_)
    return [
        {**provider, "accounts": [a.get_provider_account().to_str() for a in connected.get(provider["id"], [])]}
        for provider in oauth.configured_providers()
    ]


def _event_row(event) -> dict:
    data = event.data or {}
    return {
        "when": event.created_at,
        "verb": event.verb.removeprefix("security."),
        "label": EVENT_LABELS.get(event.verb.removeprefix("security."), event.verb.removeprefix("security.")),
        "ip": data.get("ip", ""),
        "device": describe_user_agent(data.get("user_agent", "")) if data.get("user_agent") else "",
        "detail": data.get("provider") or data.get("email") or data.get("method") or "",
    }


EVENT_LABELS = {
    "login": gettext_lazy("Logged in"),
    "login_failed": gettext_lazy("Failed login"),
    "logout": gettext_lazy("Logged out"),
    "session_expired": gettext_lazy("Session expired"),
    "session_signed_out": gettext_lazy("Session signed out"),
    "password_changed": gettext_lazy("Password changed"),
    "password_set": gettext_lazy("Password set"),
    "password_reset": gettext_lazy("Password reset"),
    "email_added": gettext_lazy("Email address added"),
    "email_changed": gettext_lazy("Email address changed"),
    "email_verified": gettext_lazy("Email address verified"),
    "email_removed": gettext_lazy("Email address removed"),
    "mfa_enabled": gettext_lazy("Two-factor authentication turned on"),
    "mfa_disabled": gettext_lazy("Two-factor authentication turned off"),
    "recovery_codes_regenerated": gettext_lazy("New recovery codes"),
    "recovery_code_used": gettext_lazy("Recovery code used"),
    "passkey_added": gettext_lazy("Passkey added"),
    "passkey_removed": gettext_lazy("Passkey removed"),
    "social_connected": gettext_lazy("Account connected"),
    "social_disconnected": gettext_lazy("Account disconnected"),
    "api_key_created": gettext_lazy("API key created"),
    "api_key_revoked": gettext_lazy("API key revoked"),
    "upload_blocked": gettext_lazy("Upload blocked"),
}


@login_required
@require_POST
def sign_out_others(request: AuthenticatedRequest) -> HttpResponse:
    end_other_sessions(request, request.user)
    messages.success(request, _("Your other sessions are signed out."))
    return redirect("settings_security")


@login_required
@require_POST
def sign_out_session(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(UserSession, pk=session_id, user=request.user)
    current = session.is_current()
    end_sessions(request, [session])
    if current:
        return redirect("account_login")
    messages.success(request, _("That session is signed out."))
    return redirect("settings_security")
