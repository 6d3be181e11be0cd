"""Session limits: an idle timeout and an absolute lifetime (SESSION_IDLE_TIMEOUT_MINUTES,
SESSION_ABSOLUTE_LIFETIME_HOURS), and the "last seen" of the session list under Settings → Security.

The session carries two timestamps: when the user logged in and when they were last active. "Last active"
is written at most once a minute, so a steady stream of requests costs no session or database writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LOGIN_AT = "_studio_login_at"
SEEN_AT = "_studio_seen_at"
TOUCH_SECONDS = 60


def clock() -> float:
    """Seconds since the epoch; tests move it."""
    return time.time()


def stamp_login(request: HttpRequest) -> None:
    """Start the session's clocks (called when the user logs in)."""
    now = clock()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def expiry_reason(session, now: float) -> str | None:
    """Why this session has run out, or None while it is still good."""
    idle = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
    lifetime = settings.SESSION_ABSOLUTE_LIFETIME_HOURS * 3600
    if lifetime and now - session.get(LOGIN_AT, now) > lifetime:
        return _("Your session has ended after %(hours)s hours. Please log in again.") % {
            "hours": settings.SESSION_ABSOLUTE_LIFETIME_HOURS
        }
    if idle and now - session.get(SEEN_AT, now) > idle:
        return _("You were logged out after %(minutes)s minutes without activity. Please log in again.") % {
            "minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES
        }
    return None


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # Bearer-token API calls carry no session; only signed-in browser sessions are limited here.
        if user is not None and user.is_authenticated and request.session.session_key:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = clock()
        reason = expiry_reason(session, now)
        if reason:
            from imagestudio.accounts.audit import security_event

            user = request.user
            request._studio_session_expired = True  # type: ignore[attr-defined]  # recorded below, not as a logout
            logout(request)
            security_event(user=user, verb="session_expired", request=request)
            messages.info(request, reason)
            return
        if LOGIN_AT not in session:  # sessions from before these limits, or tests' force_login
            session[LOGIN_AT] = now
        if now - session.get(SEEN_AT, 0) >= TOUCH_SECONDS:
            session[SEEN_AT] = now
            _touch_user_session(request)


def _touch_user_session(request: HttpRequest) -> None:
    """Record this session in allauth's list (IP, user agent, last seen)."""
    from allauth.usersessions.models import UserSession

    UserSession.objects.create_from_request(request)
