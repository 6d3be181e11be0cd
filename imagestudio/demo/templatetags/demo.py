from __future__ import annotations

import math

from django import template

from imagestudio.demo import services
from imagestudio.demo.access import is_demo

register = template.Library()


@register.inclusion_tag("demo/partials/banner.html", takes_context=True)
def demo_banner(context) -> dict:
    """The banner's numbers, or nothing to draw for an ordinary account (layouts/app.html decides)."""
    left = services.remaining(context["request"].user)
    hours = math.ceil(left.total_seconds() / 3600) if left is not None else 0
    return {"hours": max(hours, 1)}


@register.filter
def demo_account(user) -> bool:
    return is_demo(user)
