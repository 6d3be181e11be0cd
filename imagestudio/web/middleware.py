"""HTMX and plain pages sharing URLs: cache safety, and signed-out fragments."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.cache import patch_vary_headers


class VaryOnHtmxMiddleware:
    """Add `Vary: HX-Request` to every response.

    A page may answer the same URL with the whole page or, to HTMX, a fragment of it; without this header
    a browser or proxy cache could serve the fragment as the page (for example on back navigation).
    Marking every response costs nothing and cannot be forgotten on a new view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        return response


class HtmxLoginRedirectMiddleware:
    """A signed-out HTMX request (a session that expired under a polling badge, say) is sent to the login page
    as a whole page, back to the page it came from, instead of having the login form swapped into a fragment.

    Views answer such requests with the usual redirect to LOGIN_URL; this turns it into HTMX's `HX-Redirect`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or response.status_code != 302:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login:
            return response
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = (current.path or "/") + (f"?{current.query}" if current.query else "")
        redirect = HttpResponse(status=204)
        redirect["HX-Redirect"] = f"{login}?{urlencode({'next': back})}"
        return redirect
