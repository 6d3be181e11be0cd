"""allauth's and Django's account signals, written to the security log (accounts.audit).

Connected in AccountsConfig.ready(). Failed password logins are recorded by the adapter
(AccountAdapter.authentication_failed), which sees the attempted address.
"""

from __future__ import annotations

from allauth.account import signals as account
from allauth.mfa import signals as mfa
from allauth.socialaccount import signals as social
from django.contrib.auth import signals as auth

from imagestudio.accounts.audit import security_event
from imagestudio.accounts.middleware import stamp_login

# (authenticator type, signal) → verb
_MFA_VERBS = {
    ("totp", "added"): "mfa_enabled",
    ("totp", "removed"): "mfa_disabled",
    ("webauthn", "added"): "passkey_added",
    ("webauthn", "removed"): "passkey_removed",
    ("recovery_codes", "reset"): "recovery_codes_regenerated",
    ("recovery_codes", "used"): "recovery_code_used",
}


def _logged_in(sender, request, user, **kwargs) -> None:
    stamp_login(request)
    social_login = kwargs.get("sociallogin")
    data = {"method": social_login.account.provider} if social_login is not None else {}
    security_event(user=user, verb="login", request=request, data=data)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and not getattr(request, "_studio_session_expired", False):
        security_event(user=user, verb="logout", request=request)


def _simple(verb: str):
    def receiver(sender, request, user, **kwargs) -> None:
        security_event(user=user, verb=verb, request=request)

    return receiver


def _email(verb: str):
    def receiver(sender, request, user=None, email_address=None, **kwargs) -> None:
        address = email_address or kwargs["to_email_address"]
        user = user or address.user
        data = {"email": address.email}
        if kwargs.get("from_email_address") is not None:
            data["from"] = kwargs["from_email_address"].email
        security_event(user=user, verb=verb, request=request, data=data)

    return receiver


def _email_change_complete(sender, request, email_address, **kwargs) -> None:
    from imagestudio.accounts.self_service import email_change_complete

    email_change_complete(request=request, address=email_address)


def _authenticator(action: str):
    def receiver(sender, request, user, authenticator, **kwargs) -> None:
        verb = _MFA_VERBS.get((authenticator.type, action))
        if verb:
            security_event(user=user, verb=verb, request=request)

    return receiver


def _social(verb: str):
    def receiver(sender, request, sociallogin, **kwargs) -> None:
        account_ = sociallogin.account
        security_event(user=account_.user, verb=verb, request=request, data={"provider": account_.provider})

    return receiver


def _social_removed(sender, request, socialaccount, **kwargs) -> None:
    security_event(
        user=socialaccount.user, verb="social_disconnected", request=request, data={"provider": socialaccount.provider}
    )


RECEIVERS = [
    (account.user_logged_in, _logged_in),
    (auth.user_logged_out, _logged_out),
    (account.password_changed, _simple("password_changed")),
    (account.password_set, _simple("password_set")),
    (account.password_reset, _simple("password_reset")),
    (account.email_added, _email("email_added")),
    (account.email_changed, _email("email_changed")),
    (account.email_confirmed, _email("email_verified")),
    (account.email_confirmed, _email_change_complete),
    (account.email_removed, _email("email_removed")),
    (mfa.authenticator_added, _authenticator("added")),
    (mfa.authenticator_removed, _authenticator("removed")),
    (mfa.authenticator_reset, _authenticator("reset")),
    (mfa.authenticator_used, _authenticator("used")),
    (social.social_account_added, _social("social_connected")),
    (social.social_account_removed, _social_removed),
]


def connect() -> None:
    for index, (signal, receiver) in enumerate(RECEIVERS):
        signal.connect(receiver, dispatch_uid=f"imagestudio.accounts.audit.{index}")
