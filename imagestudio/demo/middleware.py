"""What a page shows when a demo account is refused something (demo.access.DemoRestricted).

The services raise it wherever a demo account reaches a forbidden action. The API answers it as any
PermissionDenied (403 with the message); pages get the message as a toast instead of a bare 403: an htmx
request through the HX-Trigger header (nothing swapped, status 200), a form post by going back where it came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from imagestudio.demo.access import DemoRestricted


class DemoRestrictedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DemoRestricted):
            return None
        if request.headers.get("HX-Request"):
            # 200 with nothing swapped: a 4xx would add htmx's generic "request failed" toast to ours.
            response = HttpResponse(status=200)
            response["HX-Trigger"] = json.dumps({"toast": {"message": exception.message, "level": "error"}})
            response["HX-Reswap"] = "none"
            return response
        back = request.headers.get("referer", "")
        if request.method == "POST" and url_has_allowed_host_and_scheme(
            back, {request.get_host()}, request.is_secure()
        ):
            messages.error(request, exception.message)
            return HttpResponseRedirect(back)
        return render(request, "demo/refused.html", {"message": exception.message}, status=403)
