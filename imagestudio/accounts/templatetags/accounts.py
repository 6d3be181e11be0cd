from __future__ import annotations

from django import template
from django.conf import settings

from imagestudio.accounts import services

register = template.Library()


@register.simple_tag
def verify_email_message(user) -> str:
    """The "verify your email" banner's text: it says so when verifying is what brings the starting credits."""
    message = "Please verify your email address — check your inbox for our link, or send a new one."
    if services.starting_credits_pending(user):
        message = (
            f"Verify your email address to receive your {settings.STARTING_CREDITS} starting credits — "
            "check your inbox for our link, or send a new one."
        )
    return message
