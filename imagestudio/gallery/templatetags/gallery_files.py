"""Template helpers for image files.

{% load gallery_files %}
{{ image|srcset:"avif" }}                 "url 256w, url 512w, …" ("" when the image has no renditions)
{{ image|image_url:"image_thumb" }}        reverse("image_thumb", args=[image.pk]), without resolving per tile
{% image_versions image request.user as versions %}   the versions strip's data (see versions.strip)
{% image_lineage image request.user as lineage %}     the lineage tree's rows (see versions.tree_rows)
{{ bytes|filesize }}                      1.4 MB
{% image_tiles page.items justified=True link_testid="gallery-image" seed="hover" show_prompt=True eager_first=True selectable=True %}
{% image_tile image eager_first=True %}   one tile (same options)
{% image_rows page.items %}               the list view's rows
Tiles and rows are Jinja2 templates (components/image_tiles.jinja, image_rows.jinja; see web/jinja.py):
a page draws up to a hundred of them.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from django import template
from django.template import engines
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

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


def iterate_url(image, operation: str = "image-to-image") -> str:
    """The page of one iteration tool for this image (the tools live in generation; only the URL is here)."""
    return url_with_id("image_iterate", image.pk, operation)


def _rendition_url(pk, width: int, fmt: str) -> str:
    return url_with_id("image_rendition", pk, width, fmt)


@register.filter
def srcset(image, fmt: str) -> str:
    return renditions.srcset(image, fmt, _rendition_url)


TILE_OPTIONS = frozenset(
    (
        "justified",
        "link_testid",
        "img_testid",
        "seed",
        "show_prompt",
        "eager_first",
        "class",
        "vary",
        "vary_htmx",
        "iterate",
        "selectable",
    )
)


def render_jinja(name: str, context: dict) -> SafeString:
    template_ = engines["jinja2"].env.get_template(name)  # type: ignore[attr-defined]
    return mark_safe(template_.render(context))  # noqa: S308 - autoescaped Jinja2 output


@register.simple_tag(takes_context=True)
def image_tiles(context, images, **options) -> SafeString:
    unknown = set(options) - TILE_OPTIONS
    if unknown:
        raise template.TemplateSyntaxError(f"image_tiles: unknown options {sorted(unknown)}")
    if options.get("vary"):
        options["csrf_token"] = str(context.get("csrf_token", ""))
    return render_jinja("components/image_tiles.jinja", {"images": images, **options})


@register.simple_tag(takes_context=True)
def image_tile(context, image, **options) -> SafeString:
    return image_tiles(context, [image], **options)


@register.simple_tag
def image_rows(images) -> SafeString:
    return render_jinja("components/image_rows.jinja", {"images": images})


@register.simple_tag
def image_versions(image, user) -> dict:
    return versions.strip(user, image)


@register.simple_tag
def image_lineage(image, user) -> dict:
    """The lineage card's data: indented rows (see versions.tree_rows) and whether far relatives were cut."""
    tree = versions.lineage(user, image)
    return {"rows": versions.tree_rows(tree, image), "truncated": tree.truncated}


@register.filter
def operation_label(operation: str) -> str:
    return versions.operation_label(operation)


@register.filter
def filesize(value) -> str:
    return storage_usage.human_bytes(int(value or 0))


@register.filter
def similarity_percent(distance) -> int:
    return round(100 * (64 - int(distance)) / 64)
