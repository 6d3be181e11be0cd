"""Renditions of a stored original: WebP thumbnail and a tiny blur-up placeholder. Pure: no Django."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image as PILImage

THUMB_MAX_SIDE = 640
PLACEHOLDER_SIDE = 16


@dataclass(frozen=True)
class Renditions:
    thumbnail_webp: bytes
    placeholder_data_uri: str


def make_renditions(image: PILImage.Image) -> Renditions:
    rgb = image.convert("RGB")
    thumb = rgb.copy()
    thumb.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE), PILImage.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=82, method=4)

    tiny = rgb.copy()
    tiny.thumbnail((PLACEHOLDER_SIDE, PLACEHOLDER_SIDE), PILImage.Resampling.BILINEAR)
    tiny_out = io.BytesIO()
    tiny.save(tiny_out, "WEBP", quality=40)
    data_uri = "data:image/webp;base64," + base64.b64encode(tiny_out.getvalue()).decode()
    return Renditions(thumbnail_webp=out.getvalue(), placeholder_data_uri=data_uri)
