"""Account self-service for the JSON API: verify an address, reset or change the password, edit the profile.

Each goes through the allauth form and flow its page uses (same validation, emails, signals and so the same
security log); a bad input raises AccountError(field, message), which the API answers with 400.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import (
    AddEmailForm,
    ChangePasswordForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    UserTokenForm,
)
from allauth.account.internal import flows
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from django.utils.translation import gettext as _

from imagestudio.accounts.audit import security_event
from imagestudio.accounts.models import User
from imagestudio.accounts.services import AccountError, allauth_limit

EMAIL_CHANGE_KEY = "email_change_to"  # in User.preferences: the address to switch to once verified

# allauth's form field → the API's field name
_FIELDS = {"password1": "password", "password2": "password", "oldpassword": "current_password", "__all__": None}


def _raise_form_errors(form, rename: dict[str, str | None] | None = None) -> None:
    names = {**_FIELDS, **(rename or {})}
    for field, errors in form.errors.items():
        raise AccountError(names.get(field, field) or "", " ".join(errors))


def email_verify(*, request: HttpRequest, key: str) -> EmailAddress:
    """Confirm the address whose emailed link carries `key` (the last part of /accounts/confirm-email/<key>/)."""
    allauth_limit(request, action="reset_password_from_key")
    confirmation = get_emailconfirmation_model().from_key((key or "").strip())
    if not confirmation:
        raise AccountError("key", _("This verification link is invalid or has expired. Ask for a new one."))
    address = confirmation.confirm(request)
    if not address:
        raise AccountError("key", _("This address cannot be verified: another account already uses it."))
    return address


def password_reset_request(*, request: HttpRequest, email: str) -> None:
    """Email a reset link when the address has an account (allauth's "unknown account" note otherwise);
    the caller cannot tell which, so answers the same both ways."""
    form = ResetPasswordForm(data={"email": (email or "").strip()})
    if not form.is_valid():
        _raise_form_errors(form)
    allauth_limit(request, action="reset_password", key=form.cleaned_data["email"].lower())
    form.save(request)


def password_reset(*, request: HttpRequest, key: str, password: str) -> User:
    """Set a new password with the key from the emailed link (…/password/reset/key/<key>/, e.g. "1a-cz…")."""
    allauth_limit(request, action="reset_password_from_key")
    uidb36, _sep, token = (key or "").strip().strip("/").partition("-")
    token_form = UserTokenForm(data={"uidb36": uidb36, "key": token})
    if not token_form.is_valid():
        raise AccountError("key", _("This reset link is invalid or has already been used. Ask for a new one."))
    user = token_form.reset_user
    form = ResetPasswordKeyForm(data={"password1": password, "password2": password}, user=user, temp_key=token)
    if not form.is_valid():
        _raise_form_errors(form)
    form.save()
    flows.password_reset.finalize_password_reset(request, user)
    return user


def password_change(*, request: HttpRequest, user: User, current_password: str, new_password: str) -> None:
    """Change the password (every API token of the user is revoked with it, see User.save)."""
    allauth_limit(request, action="change_password")
    data = {"oldpassword": current_password, "password1": new_password, "password2": new_password}
    form = ChangePasswordForm(data=data, user=user)
    if not form.is_valid():
        _raise_form_errors(form)
    form.save()
    if getattr(request, "api_token", None) is None:
        flows.password_change.finalize_password_change(request, user)  # keeps this browser session signed in
    else:  # a bearer call has no session to keep: the notice and the log entry only
        get_adapter(request).send_notification_mail("account/email/password_changed", user)
        security_event(user=user, verb="password_changed", request=request)


def profile_update(*, request: HttpRequest, user: User, name: str, email: str | None = None) -> str | None:
    """Rename, and start an address change when `email` differs: allauth adds it unverified and mails a
    link; once it is verified it becomes the account's address and the old one is dropped
    (email_change_complete). Returns the address waiting for verification."""
    name = (name or "").strip()
    if len(name) > 150:
        raise AccountError("name", _("Keep the name to 150 characters."))
    form = None
    if email is not None and email.strip().lower() != user.email.lower():
        allauth_limit(request, action="manage_email")
        form = AddEmailForm(data={"email": email.strip()}, user=user)
        if not form.is_valid():  # checked before anything is saved: a refused address changes nothing
            _raise_form_errors(form)
    if name != user.name:
        user.name = name
        user.save(update_fields=["name", "updated_at"])
    if form is None:
        return None
    return email_change_start(request=request, user=user, form=form)


def email_change_start(*, request: HttpRequest, user: User, form: AddEmailForm) -> str:
    """Add the (validated) address through allauth's flow and remember it as the one to switch to.

    allauth's own ACCOUNT_CHANGE_EMAIL mode would drop a still-unverified current address at once, leaving
    the account without a login address until the new one is verified; this keeps it until then."""
    new = form.cleaned_data["email"].lower()
    request.user = user  # allauth's add-email flow reads the user from the request
    flows.manage_email.add_email(request, form)
    user.preferences = {**(user.preferences or {}), EMAIL_CHANGE_KEY: new}
    user.save(update_fields=["preferences", "updated_at"])
    return new


def pending_email_change(user: User) -> str | None:
    return (user.preferences or {}).get(EMAIL_CHANGE_KEY)


def email_change_complete(*, request: HttpRequest | None, address: EmailAddress) -> bool:
    """allauth's email_confirmed: when the verified address is the one the user asked to change to, it
    becomes the account's address and the others are removed. True if the switch happened."""
    user = User.objects.get(pk=address.user_id)
    if pending_email_change(user) != address.email.lower():
        return False
    previous = EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).first()
    address.set_as_primary()
    for other in EmailAddress.objects.filter(user=user).exclude(pk=address.pk):
        other.remove()
    user.refresh_from_db()
    user.preferences.pop(EMAIL_CHANGE_KEY, None)
    user.save(update_fields=["preferences", "updated_at"])
    if previous is not None and request is not None:
        flows.manage_email.emit_email_changed(request, previous, address)
    return True


def second_factor_check(*, request: HttpRequest, user: User, code: str | None) -> None:
    """With two-factor on, a password alone does not log in: `code` must be a current authenticator-app code
    or an unused recovery code (allauth's form: its limits, replay protection and signals)."""
    if not is_mfa_enabled(user):
        return
    code = (code or "").strip()
    if not code:
        raise AccountError("code", _("Two-factor authentication is on: send the code from your authenticator app."))
    form = AuthenticateForm(data={"code": code}, user=user)
    if not form.is_valid():
        raise AccountError("code", " ".join(form.errors.get("code", [])) or _("Incorrect code."))
    form.save()
