"""Rendering the curated showcase into storage (`manage.py seed` calls `sync_showcase`).

Idempotent: an entry whose recipe hash is unchanged and whose original is still in storage is left alone,
so running the seed again renders nothing. Files go through `default_storage`, so the same code writes to
the local disk or to S3.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PILImage

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.styles import apply_style
from imagestudio.engine import RenderRequest, render
from imagestudio.showcase import curated
from imagestudio.showcase.curated import Curated
from imagestudio.showcase.models import ShowcaseImage

log = logging.getLogger(__name__)
PREFIX = "showcase/"
WIDTHS = (256, 512)  # WebP renditions offered in srcset (capped at the original's width)
WEBP_OPTIONS = {"quality": 80, "method": 4}


@dataclass(frozen=True)
class SyncReport:
    rendered: int
    kept: int
    removed: int


def render_png(entry: Curated) -> bytes:
    """The entry drawn exactly as a studio job would draw it: the style's words join the prompt, and the
    engine gets the style too (generation.services._prepare does the same)."""
    prompt, negative = apply_style(entry.prompt, entry.negative_prompt, entry.style)
    request = RenderRequest(
        prompt=prompt,
        negative_prompt=negative,
        width=entry.width,
        height=entry.height,
        seed=entry.seed,
        steps=entry.steps,
        guidance=entry.guidance,
        style=entry.style or None,
    )
    out = io.BytesIO()
    render(request).save(out, "PNG", compress_level=6)
    return out.getvalue()


def _webp(picture: PILImage.Image, width: int) -> bytes:
    if picture.width != width:
        height = max(1, round(picture.height * width / picture.width))
        picture = picture.resize((width, height), PILImage.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "WEBP", **WEBP_OPTIONS)
    return out.getvalue()


def _placeholder(picture: PILImage.Image) -> str:
    tiny = picture.copy()
    tiny.thumbnail((16, 16), PILImage.Resampling.BILINEAR)
    out = io.BytesIO()
    tiny.save(out, "WEBP", quality=40)
    return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode()


def _save(name: str, data: bytes) -> str:
    if default_storage.exists(name):  # same recipe, same bytes: a rerun after a crash reuses the file
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def _files_of(row: ShowcaseImage) -> list[str]:
    return [name for name in (row.original, *row.variants.values()) if name]


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file already gone is no reason to stop
            log.warning("Could not delete showcase file %s", name, exc_info=True)


def render_entry(entry: Curated, sort_order: int) -> ShowcaseImage:
    """Render one entry, store its files and create or update its row (old files are deleted after)."""
    png = render_png(entry)
    picture = PILImage.open(io.BytesIO(png)).convert("RGB")
    stem = f"{PREFIX}{entry.key}-{entry.recipe_hash[:12]}"
    widths = sorted({min(width, entry.width) for width in WIDTHS})
    original = _save(f"{stem}.png", png)
    variants = {str(width): _save(f"{stem}-{width}.webp", _webp(picture, width)) for width in widths}
    parameters = {"num_inference_steps": entry.steps, "guidance_scale": entry.guidance, "style": entry.style or "none"}
    fields = {
        "group": entry.group,
        "sort_order": sort_order,
        "title": entry.title,
        "prompt": entry.prompt,
        "negative_prompt": entry.negative_prompt,
        "style": entry.style,
        "model_endpoint": entry.model_endpoint,
        "model": AIModel.objects.filter(endpoint_id=entry.model_endpoint).first(),
        "seed": entry.seed,
        "parameters": parameters,
        "width": entry.width,
        "height": entry.height,
        "recipe_hash": entry.recipe_hash,
        "source": "offline",
        "original": original,
        "variants": variants,
        "placeholder": _placeholder(picture),
    }
    previous = ShowcaseImage.objects.filter(key=entry.key).first()
    stale = [name for name in _files_of(previous) if name not in (original, *variants.values())] if previous else []
    with transaction.atomic():
        row, _created = ShowcaseImage.objects.update_or_create(key=entry.key, defaults=fields)
    _delete_files(stale)
    return row


def _current(row: ShowcaseImage | None, entry: Curated) -> bool:
    return (
        row is not None
        and row.recipe_hash == entry.recipe_hash
        and bool(row.variants)
        and default_storage.exists(row.original)
    )


def sync_showcase(entries: tuple[Curated, ...] | None = None) -> SyncReport:
    """Make storage and the table match `entries` (the curated set by default): render what is new or
    changed, drop what was removed."""
    if entries is None:
        entries = curated.CURATED
    rows = {row.key: row for row in ShowcaseImage.objects.all()}
    rendered = kept = 0
    for order, entry in enumerate(entries):
        row = rows.get(entry.key)
        if _current(row, entry):
            kept += 1
            if row is not None and (row.sort_order, row.title, row.group) != (order, entry.title, entry.group):
                ShowcaseImage.objects.filter(pk=row.pk).update(sort_order=order, title=entry.title, group=entry.group)
            continue
        render_entry(entry, order)
        rendered += 1
    wanted = {entry.key for entry in entries}
    removed = [row for key, row in rows.items() if key not in wanted]
    for row in removed:
        _delete_files(_files_of(row))
        row.delete()
    return SyncReport(rendered=rendered, kept=kept, removed=len(removed))


def original_bytes(row: ShowcaseImage) -> bytes:
    with default_storage.open(row.original, "rb") as handle:
        return handle.read()
