"""A user's own fal.ai key ("bring your own key"): stored encrypted with the server's key, never shown again.

While a user has one, their jobs on fal models run on it and cost no studio credits (generation/services.py
decides at enqueue, generation/fal_jobs.py uses it). Only the worker decrypts it; pages see `last4` and the date.

Encryption: Fernet with FIELD_ENCRYPTION_KEY (comma-separated keys: the first encrypts, all decrypt), or, when it
is empty, a key derived from SECRET_KEY with HKDF-SHA256 (which always still decrypts, see `_cipher`).
"""

from __future__ import annotations

import base64
from functools import lru_cache
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from imagestudio.accounts.audit import security_event
from imagestudio.accounts.models import ProviderKey, User
from imagestudio.accounts.services import AccountError
from imagestudio.demo.access import refuse

FAL = ProviderKey.Provider.FAL
KEY_MIN_LENGTH = 16
KEY_MAX_LENGTH = 500
HKDF_INFO = b"imagestudio field encryption v1"


class OwnKeyUnavailable(Exception):
    """The user's own key is gone (removed) or unreadable (the server's encryption key changed)."""


# -- encryption -------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _cipher(configured: str, secret_key: str) -> MultiFernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret_key.encode())
    # The SECRET_KEY-derived key comes last: it encrypts only while no key is configured, and still decrypts
    # what was stored before one was (so setting FIELD_ENCRYPTION_KEY later loses nothing).
    keys = [part.strip() for part in configured.split(",") if part.strip()]
    keys.append(base64.urlsafe_b64encode(derived).decode())
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated."
        ) from exc


def cipher() -> MultiFernet:
    return _cipher(settings.FIELD_ENCRYPTION_KEY or "", settings.SECRET_KEY)


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """Raises InvalidToken when no configured key opens it."""
    return cipher().decrypt(token.encode()).decode()


# -- commands ---------------------------------------------------------------------------------------


def clean_fal_key(raw: str) -> str:
    key = (raw or "").strip()
    if not key:
        raise AccountError("fal_key", _("Paste your fal.ai key (from fal.ai → Dashboard → Keys)."))
    if any(character.isspace() for character in key) or not key.isprintable():
        raise AccountError("fal_key", _("A fal.ai key has no spaces or line breaks: paste it again, exactly."))
    if not KEY_MIN_LENGTH <= len(key) <= KEY_MAX_LENGTH:
        raise AccountError(
            "fal_key",
            _("That does not look like a fal.ai key (they are %(min)d to %(max)d characters).")
            % {"min": KEY_MIN_LENGTH, "max": KEY_MAX_LENGTH},
        )
    return key


def set_fal_key(*, user: User, key: str, request: HttpRequest | None = None) -> ProviderKey:
    """Store (or replace) the user's fal key, encrypted. AccountError (field "fal_key") on a malformed key."""
    refuse(user, "fal_key")
    key = clean_fal_key(key)
    with transaction.atomic():
        stored, created = ProviderKey.objects.update_or_create(
            user=user,
            provider=FAL,
            defaults={"encrypted_key": encrypt(key), "last4": key[-4:], "created_at": timezone.now()},
        )
        security_event(
            user=user,
            verb="fal_key_added" if created else "fal_key_replaced",
            request=request,
            data={"last4": stored.last4},
        )
    return stored


def remove_fal_key(*, user: User, request: HttpRequest | None = None) -> bool:
    """Forget the user's fal key. Their fal jobs still waiting or running at fal then fail (nothing charged)."""
    with transaction.atomic():
        stored = ProviderKey.objects.filter(user=user, provider=FAL).first()
        if stored is None:
            return False
        stored.delete()
        security_event(user=user, verb="fal_key_removed", request=request, data={"last4": stored.last4})
    return True


# -- selectors --------------------------------------------------------------------------------------


def fal_key_info(user: User) -> ProviderKey | None:
    """What a page may show about the user's fal key (`created_at`, `last4`); never decrypt for a page."""
    return ProviderKey.objects.filter(user=user, provider=FAL).only("id", "last4", "created_at", "user_id").first()


def has_fal_key(user_id: UUID | str) -> bool:
    return ProviderKey.objects.filter(user_id=user_id, provider=FAL).exists()


def fal_key_for(user_id: UUID | str) -> str:
    """The user's fal key in clear, for the worker only. OwnKeyUnavailable when removed or unreadable."""
    stored = ProviderKey.objects.filter(user_id=user_id, provider=FAL).values_list("encrypted_key", flat=True).first()
    if stored is None:
        raise OwnKeyUnavailable(_("You removed your fal.ai key."))
    try:
        return decrypt(stored)
    except InvalidToken:
        raise OwnKeyUnavailable(
            _("Your fal.ai key can no longer be read (the studio's encryption key changed): add it again.")
        ) from None
