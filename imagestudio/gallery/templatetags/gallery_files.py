"""Template helpers for image files.

{% load gallery_files %}
{{ image|srcset:"avif" }}                 "url 256w, url 512w, …" ("" when the image has no renditions)
{% image_versions image request.user as versions %}   the versions strip's data (see versions.strip)
{{ bytes|filesize }}                      1.4 MB
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from imagestudio.gallery import renditions, storage_usage, versions

register = template.Library()


def _rendition_url(pk, width: int, fmt: str) -> str:
    return reverse("image_rendition", args=[pk, width, fmt])


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
