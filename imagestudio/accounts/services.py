"""Commands on accounts, shared by the signup page, the API and the CLI."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from imagestudio.accounts.models import ApiToken, User
from imagestudio.billing import services as billing


class AccountError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def welcome_new_user(user: User) -> None:
    """Starting credits, once per user."""
    if settings.STARTING_CREDITS > 0 and not user.credit_entries.exists():
        billing.grant(user, settings.STARTING_CREDITS)
        user.refresh_from_db(fields=["credits_balance"])


def register(email: str, password: str, name: str = "") -> User:
    """Create an account from the API (the signup page goes through allauth, which calls welcome_new_user)."""
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise AccountError("email", "Enter a valid email address.")
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError("email", "An account with this email already exists. Log in instead.")
    candidate = User(email=email, name=name)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        raise AccountError("password", " ".join(exc.messages)) from exc
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, name=(name or "").strip())
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        welcome_new_user(user)
    return user


def send_verification(request, user: User) -> None:
    """Email the verification link for the user's primary address (allauth builds and rate-limits it)."""
    address = EmailAddress.objects.filter(user=user, primary=True).first()
    if address and not address.verified:
        address.send_confirmation(request, signup=True)


def issue_token(user: User, name: str = "API") -> str:
    _, raw = ApiToken.issue(user, name=name)
    return raw
