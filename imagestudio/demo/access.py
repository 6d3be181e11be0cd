"""What a demo account may not do, asked in one way everywhere: `is_demo(user)` and `refuse(user, action)`.

The services that buy credits, create API keys, store a fal key, invite members, publish things or hand out
share links call `refuse(...)` first; generation refuses fal models for demo accounts. This module imports
nothing of the studio but the demo's own model, so any app may call it without an import loop.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_lazy

from imagestudio.demo.models import DemoAccount

_CACHE = "_is_demo_account"
EMAIL_DOMAIN = "demo.invalid"  # demo accounts' addresses (RFC 2606: never delivered)

# What the demo can't do (keys are what the services pass), each said in full for the translators.
ACTIONS = {
    "buy_credits": gettext_lazy("The demo account can't buy credits."),
    "api_keys": gettext_lazy("The demo account can't create API keys."),
    "fal_key": gettext_lazy("The demo account can't add a fal.ai key."),
    "email": gettext_lazy("The demo account can't change its email address."),
    "password": gettext_lazy("The demo account can't set a password."),
    "invite": gettext_lazy("The demo account can't invite members."),
    "publish": gettext_lazy("The demo account can't make things public."),
    "share": gettext_lazy("The demo account can't create share links."),
}


class DemoRestricted(PermissionDenied):
    """A demo account tried something only real accounts may do. The API answers 403 with the message;
    pages show it as a toast (demo.middleware)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_demo(user) -> bool:
    """True for a demo account (cached on the user object: a request asks several times).

    Every demo account has an address under EMAIL_DOMAIN, so other accounts are answered without a query;
    the DemoAccount row decides (someone may have signed up with such an address)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    if not str(getattr(user, "email", "")).lower().endswith("@" + EMAIL_DOMAIN):
        return False
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = DemoAccount.objects.filter(user_id=user.pk).exists()
        setattr(user, _CACHE, cached)
    return cached


def forget(user) -> None:
    """Drop the cached answer (after an account stops or starts being a demo)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def message(action: str) -> str:
    return f"{ACTIONS[action]} {gettext('Sign up to keep your work and use every feature.')}"


def refuse(user, action: str) -> None:
    """Raise DemoRestricted when `user` is a demo account; `action` is a key of ACTIONS."""
    if is_demo(user):
        raise DemoRestricted(message(action))


def fal_model_message(model_name: str) -> str:
    return gettext(
        "The demo account can only use the free offline models; %(model)s runs on fal.ai. "
        "Pick Studio Offline, or sign up to use every model."
    ) % {"model": model_name}
