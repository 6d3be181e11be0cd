"""Keeping a demo: the visitor gives an address and a password, and the demo account becomes an ordinary
one with everything made in it. The address starts unverified (a verification email goes out, as after a
signup) and starting credits follow the usual rule (GRANT_CREDITS_ON)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from imagestudio.accounts.models import User
from imagestudio.accounts.services import welcome_new_user
from imagestudio.demo.access import EMAIL_DOMAIN, is_demo
from imagestudio.demo.services import end_demo


class KeepError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _clean_email(email: str, user: User) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise KeepError("email", gettext("Enter a valid email address.")) from None
    if email.endswith("@" + EMAIL_DOMAIN):
        raise KeepError("email", gettext("Use your own email address."))
    taken = User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    if taken or EmailAddress.objects.filter(email__iexact=email).exists():
        raise KeepError("email", gettext("An account with this email already exists. Log in to it instead."))
    return email


def keep_demo(*, user: User, email: str, password: str, name: str = "") -> User:
    """Turn the demo account `user` into a real account. Raises KeepError naming the field at fault."""
    if not is_demo(user):
        raise KeepError("email", gettext("This is not a demo account."))
    email = _clean_email(email, user)
    name = " ".join((name or "").split())[:150]
    try:
        validate_password(password or "", user=User(email=email, name=name))
    except ValidationError as exc:
        raise KeepError("password", " ".join(exc.messages)) from None
    try:
        with transaction.atomic():
            user.email, user.name = email, name or user.name
            user.set_password(password)
            user.save()
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            end_demo(user)
            welcome_new_user(user)
    except IntegrityError:  # the same address registered a moment ago
        raise KeepError("email", gettext("An account with this email already exists. Log in to it instead.")) from None
    return user
