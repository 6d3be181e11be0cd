"""Template helpers for image files.

{% load gallery_files %}
{{ image|srcset:"avif" }}                 "url 256w, url 512w, …" ("" when the image has no renditions)
{{ image|image_url:"image_thumb" }}        reverse("image_thumb", args=[image.pk]), without resolving per tile
{% image_versions image request.user as versions %}   the versions strip's data (see versions.strip)
{{ bytes|filesize }}                      1.4 MB
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

from imagestudio.gallery import renditions, storage_usage, versions

register = template.Library()


_SENTINEL = uuid.UUID(int=0)


@lru_cache(maxsize=256)
def _around_id(name: str, prefix: str, *args) -> tuple[str, str]:
    """The parts of a URL before and after its image id: a gallery page builds hundreds of these URLs, and
    `reverse` walks the resolver each time. `prefix` (the script prefix) is part of the key."""
    head, tail = reverse(name, args=[_SENTINEL, *args]).split(str(_SENTINEL))
    return head, tail


def url_with_id(name: str, pk, *args) -> str:
    head, tail = _around_id(name, get_script_prefix(), *args)
    return f"{head}{pk}{tail}"


@register.filter
def image_url(image, name: str) -> str:
    return url_with_id(name, image.pk)


def _rendition_url(pk, width: int, fmt: str) -> str:
    return url_with_id("image_rendition", pk, width, fmt)


@register.filter
def srcset(image, fmt: str) -> str:
    return renditions.srcset(image, fmt, _rendition_url)


@register.simple_tag
def image_versions(image, user) -> dict:
    return versions.strip(user, image)


@register.filter
def filesize(value) -> str:
    return storage_usage.human_bytes(int(value or 0))


@register.filter
def similarity_percent(distance) -> int:
    return round(100 * (64 - int(distance)) / 64)
