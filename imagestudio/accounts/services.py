"""Commands on accounts, shared by the signup page, the API and the CLI."""

from __future__ import annotations

import math
import time

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm
from allauth.account.models import EmailAddress
from allauth.core import ratelimit as allauth_ratelimit
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from imagestudio.accounts.models import ApiToken, User
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry, EntryKind
from imagestudio.lib.ratelimit import RateLimited
from imagestudio.workspaces.services import personal_workspace

STARTING_CREDITS_NOTE = "Starting credits"
WRONG_CREDENTIALS = gettext_noop("Wrong email or password.")


class AccountError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class AuthenticationFailed(Exception):
    """Wrong email or password (or an inactive account: the caller cannot tell which)."""


def credits_on_signup() -> bool:
    # With verification off nobody ever confirms an address, so "verified" would mean "never".
    return settings.GRANT_CREDITS_ON == "signup" or settings.ACCOUNT_EMAIL_VERIFICATION == "none"


def welcome_new_user(user: User) -> None:
    """Called for every new account (page signup and API register): their personal workspace, and
    starting credits if granted at signup."""
    personal_workspace(user)
    if credits_on_signup():
        grant_starting_credits(user)


def grant_starting_credits(user: User) -> bool:
    """STARTING_CREDITS, once per user whatever calls it (signup, each verified address). True if granted now."""
    if settings.STARTING_CREDITS <= 0:
        return False
    with transaction.atomic():
        # The row lock serialises two confirmations racing (SQLite's IMMEDIATE transactions do the same).
        User.objects.select_for_update().filter(pk=user.pk).first()
        already = CreditEntry.objects.filter(user=user, kind=EntryKind.GRANT, note=STARTING_CREDITS_NOTE).exists()
        if not already:
            billing.grant(user, settings.STARTING_CREDITS, note=STARTING_CREDITS_NOTE)
    user.refresh_from_db(fields=["credits_balance"])
    return not already


def starting_credits_pending(user: User) -> bool:
    """True while the user's starting credits wait for a verified address."""
    if credits_on_signup() or settings.STARTING_CREDITS <= 0 or not user.is_authenticated:
        return False
    return not CreditEntry.objects.filter(user=user, kind=EntryKind.GRANT, note=STARTING_CREDITS_NOTE).exists()


def on_email_confirmed(email_address: EmailAddress) -> None:
    """allauth's email_confirmed signal: a verified address earns the starting credits (GRANT_CREDITS_ON=verified)."""
    if not credits_on_signup():
        grant_starting_credits(email_address.user)


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
        return get_adapter().clean_email(email)
    except ValidationError as exc:
        raise AccountError("email", " ".join(exc.messages) or gettext("Enter a valid email address.")) from exc


def register(email: str, password: str, name: str = "") -> User:
    """Create an account from the API or CLI (the signup page goes through allauth's form, which calls
    welcome_new_user through our adapter). The address starts unverified."""
    email = normalize_email(email)
    exists_message = gettext("An account with this email already exists. Log in instead.")
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise AccountError("email", exists_message)
    candidate = User(email=email, name=name)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        raise AccountError("password", " ".join(exc.messages)) from exc
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=(name or "").strip())
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            welcome_new_user(user)
    except IntegrityError:  # a simultaneous registration of the same address won the race
        raise AccountError("email", exists_message) from None
    return user


def send_verification(request: HttpRequest, user: User) -> None:
    """Email the verification link for the user's primary address (allauth builds and rate-limits it)."""
    address = EmailAddress.objects.filter(user=user, primary=True).first()
    if address and not address.verified:
        address.send_confirmation(request, signup=True)


def authenticate(request: HttpRequest, *, email: str, password: str) -> User:
    """Check credentials the way the login page does: allauth's LoginForm, so its failed-login limits
    (per client IP and per email) apply. Raises RateLimited or AuthenticationFailed."""
    allauth_limit(request, action="login")
    form = LoginForm(data={"login": (email or "").strip(), "password": password}, request=request)
    if form.is_valid() and form.user is not None and form.user.is_active:
        return form.user
    codes = {error.code for errors in form.errors.as_data().values() for error in errors}
    if "too_many_login_attempts" in codes:
        key = _login_attempts_key(request, email)
        raise RateLimited(
            _allauth_retry_after(request, "login_failed", key), gettext("Too many failed logins. Try again later.")
        )
    raise AuthenticationFailed(gettext(WRONG_CREDENTIALS))


def allauth_limit(request: HttpRequest, *, action: str, key: str | None = None) -> None:
    """Consume one of allauth's limits (ACCOUNT_RATE_LIMITS[action]); RateLimited with Retry-After when spent."""
    if not allauth_ratelimit.consume(request, action=action, key=key):
        raise RateLimited(_allauth_retry_after(request, action, key))


def _login_attempts_key(request: HttpRequest, email: str) -> str | None:
    try:  # allauth's own key for an email's failed logins (site + address)
        return get_adapter(request)._get_login_attempts_cache_key(request, email=(email or "").strip())
    except Exception:  # private API: without it the Retry-After falls back to the longest window
        return None


def _allauth_retry_after(request: HttpRequest, action: str, key: str | None) -> int:
    """Seconds until allauth lets `action` through again, read from its hit history in the cache.

    allauth keeps, per rate, the hit times newest first; a blocked rate frees up when the hit at index
    `amount - 1` leaves the window. Its internals may change, so fall back to the longest window.
    """
    from allauth.core.internal import ratelimit as internal

    rates = internal.get_rates(app="allauth.account", action=action)
    longest = max((rate.duration for rate in rates), default=60)
    try:
        waits = []
        for rate in rates:
            if rate.per == "key" and key is None:
                continue
            history = cache.get(
                internal.get_cache_key(request, app="allauth.account", action=action, rate=rate, key=key), []
            )
            if len(history) >= rate.amount:
                waits.append(history[rate.amount - 1] + rate.duration - time.time())
        return max(1, math.ceil(max(waits))) if waits else math.ceil(longest)
    except Exception:
        return math.ceil(longest)


def issue_token(user: User, name: str = "API", *, kind: str = ApiToken.Kind.LOGIN) -> str:
    _, raw = ApiToken.issue(user, name=name, kind=kind)
    return raw


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_tokens(user: User) -> int:
    """Every token of the user stops working (also done by any password change, see User.save)."""
    return ApiToken.objects.revoke_all(user)
