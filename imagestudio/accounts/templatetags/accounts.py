from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import gettext

from imagestudio.accounts import services

register = template.Library()


@register.simple_tag
def verify_email_message(user) -> str:
    """The "verify your email" banner's text: it says so when verifying is what brings the starting credits."""
    message = gettext("Please verify your email address — check your inbox for our link, or send a new one.")
    if services.starting_credits_pending(user):
        message = gettext(
            "Verify your email address to receive your %(credits)s starting credits — "
            "check your inbox for our link, or send a new one."
        ) % {"credits": settings.STARTING_CREDITS}
    return message


@register.simple_tag
def avatar_url(user) -> str:
    """The profile picture's address ("" when there is none); the stored name changes with the picture."""
    name = getattr(getattr(user, "avatar", None), "name", "")
    if not name:
        return ""
    from django.urls import reverse

    return reverse("user_avatar", args=[user.pk]) + "?v=" + name.rsplit("-", 1)[-1].split(".")[0]


@register.simple_tag
def oauth_providers() -> list[dict]:
    """Google / GitHub, when their client id and secret are configured."""
    from imagestudio.accounts.oauth import configured_providers

    return configured_providers()
