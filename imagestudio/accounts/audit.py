"""Security events (the audit log a user sees under Settings → Security): logins, failed logins, password,
email and two-factor changes, API keys created and revoked. They are ordinary domain events (events app)
with verbs under "security." and the user as target, carrying the client's IP and user agent."""

from __future__ import annotations

from django.http import HttpRequest

from imagestudio.events.models import Event
from imagestudio.events.services import record
from imagestudio.lib.ratelimit import client_ip

SECURITY_PREFIX = "security."


def security_event(*, user, verb: str, request: HttpRequest | None = None, data: dict | None = None) -> Event:
    """Record `security.<verb>` about `user` (e.g. verb="login", "login_failed", "password_changed",
    "api_key_created", "api_key_revoked", "mfa_enabled"). `request`, when given, adds IP and user agent."""
    details = dict(data or {})
    if request is not None:
        details.setdefault("ip", client_ip(request))
        details.setdefault("user_agent", request.META.get("HTTP_USER_AGENT", "")[:300])
    actor = user if getattr(user, "pk", None) else None
    return record(actor=actor, verb=SECURITY_PREFIX + verb, target=user, data=details)


def security_events(user, *, limit: int = 50):
    """The user's latest security events, newest first."""
    return Event.objects.filter(target_type="user", target_id=str(user.pk), verb__startswith=SECURITY_PREFIX).order_by(
        "-created_at"
    )[:limit]
