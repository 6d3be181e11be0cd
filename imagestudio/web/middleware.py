"""Cache safety for pages that answer HTMX requests with a partial."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
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
