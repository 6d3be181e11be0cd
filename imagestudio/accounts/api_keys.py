"""API keys: long-lived bearer tokens for scripts, each limited to scopes, and which scope each API call needs.

A key is an `ApiToken` of kind KEY (same `Authorization: Bearer` header as login tokens, only its hash stored).
Login tokens and browser sessions hold every scope; a key holds the ones chosen when it was made:

  read      GET / HEAD / OPTIONS, and the few POSTs that only read (`READ_POSTS`)
  generate  writes that start or steer work (`GENERATE_WRITES`)
  manage    every other write, key management included

`required_scope` decides from the method and the path under /api/ alone, in one table below, and
`api.TokenAuth` applies it to every route: no route checks scopes itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imagestudio.accounts.audit import security_event
from imagestudio.accounts.models import ApiToken, User
from imagestudio.accounts.services import AccountError
from imagestudio.demo.access import refuse
from imagestudio.lib import locks

Scope = ApiToken.Scope
SCOPES: tuple[str, ...] = tuple(Scope.values)
SCOPE_HELP = {
    Scope.READ: gettext_lazy("See your images, projects, collections, jobs and settings."),
    Scope.GENERATE: gettext_lazy("Start generations, iterations, batches and prompt refinements; steer your queue."),
    Scope.MANAGE: gettext_lazy("Change and delete things: images, projects, collections, sharing, teams, API keys."),
}
EXPIRY_DAYS_CHOICES = (30, 90, 365)  # the settings page offers these and "never"; the API takes any 1..MAX
MAX_EXPIRY_DAYS = 3650
NAME_MAX_LENGTH = 100

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Paths under /api/ (regular expressions matching the whole path) of writes that start or steer work.
GENERATE_WRITES = (
    r"generate/.*",  # text-to-image, image-to-image, compare, batches, and the queue (order, pause, cancel, retry)
    r"images/generate",
    r"images/[^/]+/(variation|upscale|remix|inpaint|outpaint|remove-background|style-transfer|edit)",
    r"prompts/(refine|variations)",
)
# POSTs that change nothing: they take a body (a selection, a long prompt) and only read.
READ_POSTS = (
    r"images/export/(zip|metadata)",
    r"projects/[^/]+/export",
    r"prompts/analyze",
)
# Any key may end itself (logout revokes the token the request carries).
ANY_SCOPE = (r"auth/logout",)


def _matcher(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


_GENERATE, _READ_POSTS, _ANY = _matcher(GENERATE_WRITES), _matcher(READ_POSTS), _matcher(ANY_SCOPE)


def required_scope(method: str, api_path: str) -> str | None:
    """The scope a call needs: `api_path` is the path after /api/ (no leading slash), e.g. "images/<id>".
    None: any key may make it."""
    path = api_path.strip("/")
    if _ANY.fullmatch(path):
        return None
    method = method.upper()
    if method in READ_METHODS or (method == "POST" and _READ_POSTS.fullmatch(path)):
        return Scope.READ
    if _GENERATE.fullmatch(path):
        return Scope.GENERATE
    return Scope.MANAGE


def missing_scope_message(scope: str) -> str:
    return f"This key lacks the '{scope}' scope."


# -- commands ---------------------------------------------------------------------------------------


def clean_scopes(scopes: Sequence[str]) -> list[str]:
    """The scopes in their canonical order; AccountError on an unknown one or none."""
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise AccountError(
            "scopes", _("Unknown scope %(scope)r: choose from read, generate and manage.") % {"scope": unknown[0]}
        )
    if not scopes:
        raise AccountError("scopes", _("Choose at least one scope."))
    return [scope for scope in SCOPES if scope in scopes]


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AccountError("name", _("Give the key a name, e.g. the script or machine that uses it."))
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(
            "name",
            _("The name is too long (%(count)d characters; at most %(max)d).")
            % {"count": len(name), "max": NAME_MAX_LENGTH},
        )
    return name


def _expiry(expires_in_days: int | None):
    if expires_in_days is None:
        return None
    if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise AccountError(
            "expires_in_days", _("A key lasts 1 to %(max)d days, or never expires (null).") % {"max": MAX_EXPIRY_DAYS}
        )
    return timezone.now() + timedelta(days=expires_in_days)


def live_keys(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.usable().filter(user=user, kind=ApiToken.Kind.KEY)


def create_key(
    *,
    user: User,
    name: str,
    scopes: Sequence[str],
    expires_in_days: int | None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Make a key; returns it with its raw value (shown once, never stored). AccountError names the bad field;
    more than API_MAX_KEYS live keys is refused."""
    refuse(user, "api_keys")
    name = _clean_name(name)
    scopes = clean_scopes(scopes)
    expires_at = _expiry(expires_in_days)
    with transaction.atomic():
        locks.hold("api_keys", user.pk)  # two creates at once cannot both take the last place
        if live_keys(user).count() >= settings.API_MAX_KEYS:
            raise AccountError(
                "name",
                _("You already have %(max)d active keys, the most allowed. Revoke one you no longer use first.")
                % {"max": settings.API_MAX_KEYS},
            )
        token, raw = ApiToken.issue(user, name=name, kind=ApiToken.Kind.KEY, expires_at=expires_at, scopes=scopes)
        security_event(user=user, verb="api_key_created", request=request, data={"name": name, "prefix": token.hint})
    return token, raw


def revoke_key(*, user: User, key_id: UUID | str, request: HttpRequest | None = None) -> ApiToken | None:
    """Revoke one of the user's keys at once. None when they have no such key (another user's included)."""
    key = user_key(user, key_id)
    if key is None:
        return None
    if ApiToken.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        security_event(user=user, verb="api_key_revoked", request=request, data={"name": key.name, "prefix": key.hint})
    key.refresh_from_db()
    return key


# -- selectors --------------------------------------------------------------------------------------

LIST_LIMIT = 200


def user_keys(user: User) -> list[ApiToken]:
    """The user's API keys, newest first: live ones, then expired and revoked ones (at most LIST_LIMIT)."""
    keys = list(ApiToken.objects.filter(user=user, kind=ApiToken.Kind.KEY).order_by("-created_at", "-pk")[:LIST_LIMIT])
    return sorted(keys, key=lambda key: not key.is_usable())  # stable: newest first within each group


def user_key(user: User, key_id: UUID | str) -> ApiToken | None:
    try:
        key_id = UUID(str(key_id))
    except ValueError:
        return None
    return ApiToken.objects.filter(pk=key_id, user=user, kind=ApiToken.Kind.KEY).first()


def key_status(key: ApiToken) -> str:
    """ "active", "expired" or "revoked"."""
    if key.revoked_at is not None:
        return "revoked"
    return "active" if key.is_usable() else "expired"
