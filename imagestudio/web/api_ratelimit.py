"""One rate limit over the whole JSON API (/api/…), before any route runs.

Counted per caller: a bearer token counts against itself (one API key cannot use up another's share) and
against its user (many keys do not multiply the user's share); a session counts against its user; a call
with neither, or with a bearer token that is not valid, counts against the client IP at the (lower)
anonymous rate, so guessing tokens is slowed down too. Beyond the limit: JSON 429 with Retry-After.

Settings: API_RATE_LIMIT (per user and per key, default 600/m), API_ANON_RATE_LIMIT (per IP, 60/m).
Route-specific limits (GENERATE_RATE_LIMIT, …) still apply on top.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from imagestudio.accounts.models import ApiToken, hash_token
from imagestudio.lib import ratelimit

API_PREFIX = "/api/"


def _bearer(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def caller_keys(request: HttpRequest) -> tuple[list[str], str]:
    """The limit keys this call counts against, and the rate setting that applies to them."""
    if token := _bearer(request):
        found = ApiToken.objects.usable().filter(token_hash=hash_token(token), user__is_active=True)
        row = found.values_list("pk", "user_id").first()
        if row is not None:
            return [f"key:{row[0]}", f"user:{row[1]}"], "API_RATE_LIMIT"
        return [f"ip:{ratelimit.client_ip(request)}"], "API_ANON_RATE_LIMIT"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return [f"user:{user.pk}"], "API_RATE_LIMIT"
    return [f"ip:{ratelimit.client_ip(request)}"], "API_ANON_RATE_LIMIT"


WEBHOOKS_PREFIX = "/api/webhooks/"


class ApiRateLimitMiddleware:
    """Counts every /api/ request (after AuthenticationMiddleware, so sessions are known)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Providers' webhooks (fal, Stripe) are signed and retried by the sender: refusing them only delays money
        # and results, so they are not counted.
        counted = request.path.startswith(API_PREFIX) and not request.path.startswith(WEBHOOKS_PREFIX)
        if counted and ratelimit.enabled():
            keys, rate_setting = caller_keys(request)
            rate = getattr(settings, rate_setting, "")
            try:
                for key in keys:
                    ratelimit.limit(request, action="api", rate=rate, key=key)
            except ratelimit.RateLimited as exc:
                return ratelimit.too_many_requests(request, exc)
        return self.get_response(request)
