"""A signed-in user's language and time zone, applied to each of their requests."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone, translation

from imagestudio.preferences import services
from imagestudio.preferences.models import UserSettings


def settings_of(request: HttpRequest) -> UserSettings | None:
    """The signed-in user's settings row, read once per request (None for visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(request, "_user_settings"):
        request._user_settings = services.settings_for(user)  # type: ignore[attr-defined]
    return request._user_settings  # type: ignore[attr-defined]


class UserPreferencesMiddleware:
    """After AuthenticationMiddleware (and so after LocaleMiddleware): a signed-in user's saved language wins
    over the browser's, and dates render in their time zone. Visitors keep the browser's choice. The language
    cookie follows the saved language, so pages after signing out stay in it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        row = settings_of(request)
        language = services.value(row, "language") if row else ""
        zone = services.value(row, "timezone") if row else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response


def set_language_cookie(response: HttpResponseBase, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
