"""Renditions of a stored original, and conversions for download.

`make_renditions` is pure (no Django): the WebP thumbnail, a tiny blur-up placeholder, and the sized
WebP + AVIF renditions templates offer in `srcset` (widths in `SRCSET_WIDTHS` narrower than the original).
`store_renditions` writes the sized ones to storage and records them on the row (`metadata["renditions"]`,
`renditions_size`); `srcset` builds the attribute value from that record; `delete_renditions` removes the
files (trash purge). `convert` turns an original into another format and/or size for download with
memory bounded by the pixels of one decoded image plus a spooled output file.
"""

from __future__ import annotations

import base64
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from PIL import Image as PILImage

THUMB_MAX_SIDE = 640
PLACEHOLDER_SIDE = 16
SRCSET_WIDTHS = (256, 512, 1024)
SRCSET_FORMATS = ("avif", "webp")  # the order <source> elements take: the browser picks the first it supports
_ENCODE = {
    "webp": ("WEBP", {"quality": 80, "method": 4}),
    "avif": ("AVIF", {"quality": 55, "speed": 8}),
}
RECORD_KEY = "renditions"  # in Image.metadata: {"v": 1, "files": {"avif": {"256": name, …}, "webp": {…}}}

# Download conversions.
DOWNLOAD_FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP", "avif": "AVIF"}
DOWNLOAD_CONTENT_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "avif": "image/avif",
}
DOWNLOAD_EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp", "avif": "avif"}
MIN_DOWNLOAD_SIZE = 16
MAX_DOWNLOAD_SIZE = 8192
_SPOOL_MAX = 4 * 1024 * 1024  # conversion output kept in memory up to this size, then on disk


@dataclass(frozen=True)
class SizedRendition:
    format: str  # "avif" | "webp"
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Renditions:
    thumbnail_webp: bytes
    placeholder_data_uri: str
    sized: tuple[SizedRendition, ...] = field(default=())

    @property
    def total_size(self) -> int:
        """Bytes of every rendition (thumbnail and sized ones; the placeholder lives in the row)."""
        return len(self.thumbnail_webp) + sum(len(s.data) for s in self.sized)


def make_renditions(image: PILImage.Image) -> Renditions:
    rgb = _flat_rgb(image)
    thumb = rgb.copy()
    thumb.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE), PILImage.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=82, method=4)

    tiny = rgb.copy()
    tiny.thumbnail((PLACEHOLDER_SIDE, PLACEHOLDER_SIDE), PILImage.Resampling.BILINEAR)
    tiny_out = io.BytesIO()
    tiny.save(tiny_out, "WEBP", quality=40)
    data_uri = "data:image/webp;base64," + base64.b64encode(tiny_out.getvalue()).decode()
    return Renditions(thumbnail_webp=out.getvalue(), placeholder_data_uri=data_uri, sized=tuple(sized_renditions(rgb)))


def srcset_widths(width: int) -> list[int]:
    """The srcset widths an original `width` pixels wide gets: only downscales."""
    return [w for w in SRCSET_WIDTHS if w < width]


def sized_renditions(image: PILImage.Image) -> list[SizedRendition]:
    """WebP and AVIF copies at each srcset width narrower than the image, largest first (each resized
    from the previous one, so one pass over the full-size pixels)."""
    source = _flat_rgb(image)
    full_width, full_height = source.size
    out: list[SizedRendition] = []
    for width in sorted(srcset_widths(full_width), reverse=True):
        height = max(1, round(full_height * width / full_width))
        source = source.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
        for fmt in SRCSET_FORMATS:
            pil_format, options = _ENCODE[fmt]
            buffer = io.BytesIO()
            source.save(buffer, pil_format, **options)
            out.append(SizedRendition(format=fmt, width=width, height=height, data=buffer.getvalue()))
    return out


def _flat_rgb(image: PILImage.Image) -> PILImage.Image:
    """RGB, or RGBA when the image really is transparent somewhere (a cut-out keeps its transparency in its
    thumbnails: WebP and AVIF carry alpha)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return rgba if rgba.getchannel("A").getextrema() != (255, 255) else rgba.convert("RGB")
    return image.convert("RGB")


def _on_white(image: PILImage.Image) -> PILImage.Image:
    """Opaque RGB for JPEG: transparent pixels become white (not whatever colour hid under them)."""
    flat = _flat_rgb(image)
    if flat.mode != "RGBA":
        return flat
    white = PILImage.new("RGB", flat.size, (255, 255, 255))
    white.paste(flat, mask=flat.getchannel("A"))
    return white


# -- storing and reading the record (Django side) ----------------------------------------------------


def rendition_name(original_name: str, fmt: str, width: int) -> str:
    """`originals/2026/05/ab12.png` → `renditions/2026/05/ab12-512.avif`."""
    path = original_name.split("/", 1)[1] if original_name.startswith("originals/") else original_name
    stem = path.rsplit(".", 1)[0]
    return f"renditions/{stem}-{width}.{fmt}"


def store_renditions(row, renditions: Renditions) -> None:
    """Write the sized renditions of `row` (whose `file` is already named) to storage, record their names
    in `row.metadata["renditions"]` and set `row.renditions_size`. Does not save the row."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    files: dict[str, dict[str, str]] = {}
    for sized in renditions.sized:
        name = default_storage.save(rendition_name(row.file.name, sized.format, sized.width), ContentFile(sized.data))
        files.setdefault(sized.format, {})[str(sized.width)] = name
    metadata = dict(row.metadata or {})
    metadata[RECORD_KEY] = {"v": 1, "files": files}
    row.metadata = metadata
    row.renditions_size = renditions.total_size


def rendition_files(row) -> dict[str, dict[str, str]]:
    record = (row.metadata or {}).get(RECORD_KEY) or {}
    files = record.get("files") if isinstance(record, dict) else None
    return files if isinstance(files, dict) else {}


def rendition_names(row) -> list[str]:
    """Every stored sized-rendition name of `row` (what a purge deletes with the original)."""
    return [
        name
        for by_width in rendition_files(row).values()
        for name in by_width.values()
        if isinstance(name, str) and name
    ]


def rendition_file_name(row, fmt: str, width: int) -> str | None:
    name = rendition_files(row).get(fmt, {}).get(str(width))
    return name if isinstance(name, str) and name else None


def srcset(row, fmt: str, url_for: Callable[[Any, int, str], str]) -> str:
    """`url 256w, url 512w, …` for the recorded renditions of one format ("" when there are none)."""
    widths = sorted(int(w) for w in rendition_files(row).get(fmt, {}) if str(w).isdigit())
    return ", ".join(f"{url_for(row.pk, w, fmt)} {w}w" for w in widths)


def delete_renditions(row) -> int:
    """Delete the sized rendition files of `row` from storage (thumbnail and original are not touched).
    Returns how many names were deleted; missing files are fine."""
    from django.core.files.storage import default_storage

    names = rendition_names(row)
    for name in names:
        default_storage.delete(name)
    return len(names)


def regenerate(row) -> bool:
    """(Re)build the sized renditions of an existing image from its original; saves the row. False when
    the original cannot be read."""
    try:
        with row.file.open("rb") as fh:
            pil = PILImage.open(fh)
            pil.load()
    except Exception:
        return False
    delete_renditions(row)
    renditions = make_renditions(pil)
    store_renditions(row, renditions)
    row.save(update_fields=["metadata", "renditions_size"])
    return True


# -- download conversions ---------------------------------------------------------------------------


class ConversionError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def parse_download_format(value: str | None) -> str | None:
    """ "png"|"jpeg"|"webp"|"avif" (jpg → jpeg), None when not asked for; ConversionError otherwise."""
    if value is None or value == "":
        return None
    key = value.strip().lower()
    if key not in DOWNLOAD_FORMATS:
        raise ConversionError("Format must be one of png, jpeg, webp or avif.", "format")
    return "jpeg" if key == "jpg" else key


def parse_download_size(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise ConversionError("Size must be a whole number of pixels (the longest edge).", "size") from None
    if not MIN_DOWNLOAD_SIZE <= size <= MAX_DOWNLOAD_SIZE:
        raise ConversionError(f"Size must be between {MIN_DOWNLOAD_SIZE} and {MAX_DOWNLOAD_SIZE} pixels.", "size")
    return size


def convert(source: IO[bytes], fmt: str, size: int | None) -> tuple[IO[bytes], int, int]:
    """Re-encode the image in `source` as `fmt`, its longest edge at most `size` (never upscaled).

    Returns (a file positioned at 0, width, height). JPEG sources are decoded at reduced scale when a
    small size is asked for (`draft`), and downscaling reduces before resampling, so the pixels held at
    once never exceed one decoded original; the encoded output spools to disk past a few megabytes.
    """
    image: PILImage.Image = PILImage.open(source)
    if size is not None and image.format == "JPEG":
        image.draft("RGB", (size, size))
    image.load()
    if size is not None and max(image.size) > size:
        image.thumbnail((size, size), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    pil_format = DOWNLOAD_FORMATS[fmt]
    if pil_format == "JPEG":
        image = _on_white(image)
        options: dict[str, Any] = {"quality": 90, "optimize": True}
    elif pil_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        options = {"compress_level": 6}
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
        options = dict(_ENCODE[fmt][1])
        options["quality"] = 85 if fmt == "webp" else 70
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX, mode="w+b")  # noqa: SIM115 - the caller streams and closes it
    image.save(out, pil_format, **options)
    out.seek(0)
    return out, image.width, image.height
