"""Sign in with Google / GitHub: which providers are configured (client id and secret set, see settings)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

NAMES = {"google": "Google", "github": "GitHub"}


def configured_providers() -> list[dict]:
    """The providers offered on the login, signup and security pages, in a fixed order."""
    configured = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {})
    return [
        {"id": provider, "name": name, "login_url": reverse(f"{provider}_login")}
        for provider, name in NAMES.items()
        if configured.get(provider, {}).get("APPS")
    ]


def is_configured(provider: str) -> bool:
    return any(p["id"] == provider for p in configured_providers())
