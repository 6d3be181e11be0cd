"""A locked account (deletion scheduled) reaches only the "Keep my account" page and signing out.

The flag lives in the session (set at login by `deletion.mark_session_on_login`), so requests of other
accounts cost no query."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from imagestudio.accountdata.deletion import SESSION_FLAG

ALLOWED_URL_NAMES = ("settings_danger", "settings_danger_keep", "account_logout")


class PendingDeletionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is None or not session.get(SESSION_FLAG) or self._allowed(request.path):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            detail = _("This account is scheduled for deletion. Sign in on the website and keep it to use the API.")
            return JsonResponse({"detail": detail, "field": None}, status=403)
        if request.headers.get("HX-Request"):  # a fragment request: send the whole page there instead
            return HttpResponse(status=204, headers={"HX-Redirect": reverse("settings_danger")})
        return redirect("settings_danger")

    @staticmethod
    def _allowed(path: str) -> bool:
        return path.startswith("/static/") or path in {reverse(name) for name in ALLOWED_URL_NAMES}
