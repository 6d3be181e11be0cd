"""Client IP and rate limits shared by pages and the API, counted in Django's cache.

The cache is shared (database table by default, Redis with REDIS_URL), so a limit holds across web
processes and restarts. Usage, in any view or ninja operation:

    limit(request, action="generate", rate=settings.GENERATE_RATE_LIMIT, key=user_or_ip(request))

raises `RateLimited(retry_after)`; the API's exception handler and `RateLimitMiddleware` answer it with
429 and a `Retry-After` header. `@rate_limit(...)` does the same as a decorator.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, ngettext

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
clock = time.time  # the limiter's clock; tests pin it so a window cannot roll over mid-test


class RateLimited(Exception):
    """Too many requests; `retry_after` is the whole number of seconds until one is allowed again."""

    def __init__(self, retry_after: int, detail: str = "") -> None:
        self.retry_after = max(1, int(retry_after))
        self.detail = detail or gettext("Too many requests. Try again in %(wait)s.") % {
            "wait": _duration(self.retry_after)
        }
        super().__init__(self.detail)


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int


def parse_rate(rate: str) -> Rate | None:
    """Parse "30/m", "5/10m", "100/h", "1000/d", "3/30s" into a Rate; "" or "0/…" is None (no limit)."""
    if not rate or not rate.strip():
        return None
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"Bad rate {rate!r}: use AMOUNT/[N]UNIT with UNIT one of s, m, h, d (e.g. 30/m, 5/10m).")
    amount, count, unit = int(match[1]), int(match[2] or 1), match[3]
    return Rate(amount, count * _UNIT_SECONDS[unit]) if amount > 0 else None


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or the X-Forwarded-For entry our TRUSTED_PROXY_COUNT proxies added.

    Entries further left are written by the client and never trusted. allauth's adapter calls this too,
    so its login limits and ours count the same address.
    """
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    candidate = None
    if trusted > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        # Fewer hops than proxies: the request skipped one of ours; take the farthest one we have.
        candidate = hops[-trusted] if len(hops) >= trusted else hops[0]
    for value in (candidate, request.META.get("REMOTE_ADDR")):
        address = _clean_ip(value)
        if address:
            return address
    return "unknown"


def _clean_ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def user_or_ip(request: HttpRequest) -> str:
    """A limit key: the signed-in user (API token or session), else the client IP."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def enabled() -> bool:
    return not settings.DISABLE_RATE_LIMITS


def limit(request: HttpRequest, *, action: str, rate: str, key: str | None = None) -> None:
    """Count one `action` for `key` (default: the client IP); raise RateLimited when over `rate`.

    Fixed windows counted with cache.add + cache.incr (atomic on Redis; on the database cache two
    simultaneous hits may both pass at the edge, which a limit meant to stop floods can afford).
    """
    parsed = parse_rate(rate)
    if parsed is None or not enabled():
        return
    now = clock()
    window = int(now // parsed.seconds)
    ident = hashlib.sha256((key or f"ip:{client_ip(request)}").encode()).hexdigest()[:32]
    cache_key = f"rl:{action}:{parsed.amount}/{parsed.seconds}:{ident}:{window}"
    cache.add(cache_key, 0, timeout=parsed.seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=parsed.seconds + 1)
        count = 1
    if count > parsed.amount:
        raise RateLimited(math.ceil((window + 1) * parsed.seconds - now))


def rate_limit(*, action: str, rate_setting: str, key: Callable[[HttpRequest], str] = user_or_ip) -> Callable:
    """Decorator for Django views and ninja operations: `limit()` before the view runs.

    The rate is read from settings at call time (`rate_setting`, e.g. "GENERATE_RATE_LIMIT"), so tests
    and operators can change it without re-importing.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            limit(request, action=action, rate=getattr(settings, rate_setting), key=key(request))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def too_many_requests(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """The 429 answer: JSON for the API and JSON callers, the error page otherwise; always Retry-After."""
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")
    if wants_json:
        response: HttpResponse = JsonResponse({"detail": exc.detail, "retry_after": exc.retry_after}, status=429)
    else:
        html = render_to_string("429.html", {"detail": exc.detail, "retry_after": exc.retry_after}, request=request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


class RateLimitMiddleware:
    """Turns a RateLimited raised by any page view into the 429 answer (ninja has its own handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception)
        return None


def _duration(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def handler429(request: HttpRequest) -> HttpResponse:
    """allauth's 429 (its own limits, no wait time known): our page, without Retry-After."""
    html = render_to_string("429.html", {}, request=request)
    return HttpResponse(html, status=429)
