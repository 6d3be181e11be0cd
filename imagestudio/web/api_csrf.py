"""CSRF for the JSON API, in one place: an unsafe call (POST, PUT, PATCH, DELETE) that a browser session
would authenticate must carry the CSRF token, whatever the route.

ninja already checks CSRF when its session auth is what lets a call in, but routes open to everyone
(`auth=None`, e.g. a share link's review form) still see `request.user` from the session cookie and may act
as that user; and a future route could be marked csrf_exempt. This middleware refuses those calls before
any route runs. Calls with an `Authorization` header are not cookie-authenticated (a cross-site page
cannot add that header without the API allowing it by CORS) and need no token; neither do calls without
a signed-in session.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext

API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _no_view(request: HttpRequest) -> HttpResponseBase:  # CsrfViewMiddleware.process_view wants a view
    raise AssertionError("only checked, never called")


def csrf_refusal(request: HttpRequest) -> HttpResponseBase | None:
    """Django's own CSRF check (token, Origin and Referer rules) for this request, or None when it passes."""
    check = CsrfViewMiddleware(lambda _: JsonResponse({}))
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    check.process_request(request)
    return check.process_view(request, _no_view, (), {})


class ApiCsrfMiddleware:
    """After AuthenticationMiddleware: refuses session-authenticated unsafe /api/ calls without a CSRF token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.path.startswith(API_PREFIX)
            and request.method not in SAFE_METHODS
            and "authorization" not in request.headers
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and csrf_refusal(request) is not None
        ):
            return JsonResponse(
                {
                    "detail": gettext(
                        "CSRF check failed: a call made with a browser session must send the X-CSRFToken header "
                        "(or use an API token: Authorization: Bearer …)."
                    )
                },
                status=403,
            )
        return self.get_response(request)
