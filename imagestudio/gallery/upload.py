"""Validating uploaded images before anything is stored, then re-encoding them.

Every check answers a clear message and an HTTP status: 413 (too large), 415 (not a PNG/JPEG/WebP,
SVG included — it can carry scripts), 422 (damaged, polyglot, decompression bomb, too many pixels,
animated, no files, too many files, flagged by the malware scanner) or 503 (the malware scanner, when
configured with CLAMAV_SOCKET or CLAMAV_HOST, cannot be reached and CLAMAV_FAIL_OPEN is off). The type is sniffed from the bytes; the name and the declared
content type are never trusted. A file whose own structure ends before the bytes do (a PNG with a ZIP
or HTML after IEND, a JPEG with data after EOI beyond a little padding) is a polyglot and refused, and
so is one with HTML/script markup inside. Accepted files are decoded within the pixel limit and
re-encoded, so nothing but pixels (and the metadata we write) survives.

Limits (settings, with these defaults): IMPORT_MAX_FILE_BYTES (30 MB), IMPORT_MAX_PIXELS (50 MP),
IMPORT_MAX_SIDE (16383 px, WebP's limit), IMPORT_MAX_FILES (20 per request).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext
from PIL import Image as PILImage
from PIL import ImageOps

from imagestudio.accounts.audit import security_event
from imagestudio.gallery.interop import containers
from imagestudio.lib import clamav

JPEG_TRAILING_SLACK = 64  # padding some encoders leave after EOI
_PADDING = frozenset(b"\x00\xff\r\n\t ")
_MARKUP = (b"<script", b"<html", b"<!doctype", b"<?php", b"<svg", b"<iframe", b"<body", b"javascript:")
_OTHER_TYPES = (
    (b"GIF87a", "a GIF"),
    (b"GIF89a", "a GIF"),
    (b"BM", "a BMP"),
    (b"II*\x00", "a TIFF"),
    (b"MM\x00*", "a TIFF"),
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
)


class UploadError(ValueError):
    def __init__(self, message: str, *, status: int = 422, field: str = "files", filename: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
        self.filename = filename


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int
    max_side: int
    max_files: int


def limits() -> Limits:
    return Limits(
        max_bytes=getattr(settings, "IMPORT_MAX_FILE_BYTES", 30 * 1024 * 1024),
        max_pixels=getattr(settings, "IMPORT_MAX_PIXELS", 50_000_000),
        max_side=getattr(settings, "IMPORT_MAX_SIDE", 16383),
        max_files=getattr(settings, "IMPORT_MAX_FILES", 20),
    )


@dataclass(frozen=True)
class CleanUpload:
    name: str
    fmt: str  # "PNG" | "JPEG" | "WEBP"
    original: bytes  # as uploaded: read for metadata only, never stored
    data: bytes  # re-encoded, no metadata
    image: PILImage.Image  # the re-encoded file, decoded


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_count(count: int) -> None:
    if count == 0:
        raise UploadError(gettext("Choose at least one image file (field `files`)."))
    if count > limits().max_files:
        raise UploadError(
            gettext("At most %(max_files)s files per upload; you sent %(count)s. Upload them in batches.")
            % {"max_files": limits().max_files, "count": count}
        )


def _is_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<svg") or (text.startswith((b"<?xml", b"<!doctype svg", b"<!--")) and b"<svg" in text)


def _describe(data: bytes) -> str:
    for magic, name in _OTHER_TYPES:
        if data.startswith(magic):
            return name
    if data[4:8] == b"ftyp":
        return "an AVIF/HEIC file"
    if data.lstrip()[:1] == b"<":
        return "an HTML/XML document"
    return "not an image we can read"


def _check_structure(name: str, data: bytes, fmt: str) -> None:
    try:
        end = containers.file_end(data, fmt)
    except containers.ContainerError as exc:
        raise UploadError(f"{name}: the file is damaged ({exc})", filename=name) from exc
    trailing = data[end:]
    allowed = fmt == "JPEG" and len(trailing) <= JPEG_TRAILING_SLACK and set(trailing) <= _PADDING
    if trailing and not allowed:
        raise UploadError(
            f"{name}: {len(trailing)} bytes follow the end of the {fmt} image (a polyglot file, e.g. an image "
            "with an archive or web page appended). Export the image again from an image editor.",
            filename=name,
        )
    lowered = data.lower()
    if any(marker in lowered for marker in _MARKUP) or b"PK\x05\x06" in data[-65557:]:
        raise UploadError(
            f"{name}: the file contains web markup or an archive next to the image (a polyglot file). "
            "Export the image again from an image editor.",
            filename=name,
        )


def _open(name: str, data: bytes, fmt: str) -> PILImage.Image:
    limit = limits()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limit.max_pixels:
                raise UploadError(
                    f"{name}: {width}×{height} is {width * height / 1e6:.0f} megapixels; the limit is "
                    f"{limit.max_pixels / 1e6:.0f}. Files this small that decode this large are decompression bombs."
                    if len(data) * 64 < width * height
                    else f"{name}: {width}×{height} is {width * height / 1e6:.0f} megapixels; the limit is "
                    f"{limit.max_pixels / 1e6:.0f}. Scale it down before importing.",
                    filename=name,
                )
            if max(width, height) > limit.max_side:
                raise UploadError(
                    f"{name}: {max(width, height)} px on a side; the limit is {limit.max_side}.", filename=name
                )
            if getattr(image, "n_frames", 1) > 1:
                raise UploadError(f"{name}: animated images are not supported; import a single frame.", filename=name)
            image.load()
    except UploadError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise UploadError(f"{name}: refused as a decompression bomb ({exc})", filename=name) from exc
    except Exception as exc:  # Pillow raises many types for bad input
        raise UploadError(f"{name}: the image cannot be decoded ({exc}).", filename=name) from exc
    if image.format != fmt:
        raise UploadError(f"{name}: the file's structure does not match its {fmt} signature.", filename=name)
    return image


def _reencode(image: PILImage.Image, fmt: str, lossless: bool) -> bytes:
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=95, icc_profile=icc)
    elif fmt == "WEBP":
        upright.save(out, "WEBP", lossless=lossless, quality=100 if lossless else 95, icc_profile=icc)
    else:
        upright.save(out, "PNG", compress_level=6, icc_profile=icc)
    return out.getvalue()


def scanner_address() -> clamav.Address:
    return clamav.Address(
        unix_path=getattr(settings, "CLAMAV_SOCKET", ""),
        host=getattr(settings, "CLAMAV_HOST", ""),
        port=getattr(settings, "CLAMAV_PORT", 3310),
    )


def scan(name: str, data: bytes, *, user=None) -> None:
    """Ask clamd (when configured) about the bytes as uploaded; refuse what it flags (422, and a security
    event for the user) and, unless CLAMAV_FAIL_OPEN, everything while it cannot be asked (503)."""
    address = scanner_address()
    if not address.configured:
        return
    try:
        verdict = clamav.scan_bytes(data, address, timeout=getattr(settings, "CLAMAV_TIMEOUT_SECONDS", 30.0))
    except clamav.ScannerUnavailable as exc:
        if getattr(settings, "CLAMAV_FAIL_OPEN", False):
            return
        raise UploadError(
            gettext(
                "%(name)s: uploads cannot be checked for malware right now, so none are accepted. Try again in a "
                "few minutes."
            )
            % {"name": name},
            status=503,
            filename=name,
        ) from exc
    if verdict.clean:
        return
    if user is not None and getattr(user, "pk", None):
        security_event(user=user, verb="upload_blocked", data={"filename": name, "signature": verdict.signature})
    raise UploadError(
        gettext("%(name)s: the malware scanner flagged this file (%(signature)s), so it was not stored.")
        % {"name": name, "signature": verdict.signature},
        status=422,
        filename=name,
    )


def validate(name: str, data: bytes, *, user=None) -> CleanUpload:
    """A checked, re-encoded upload; raises UploadError with what is wrong and what to do. `user`, when
    known, is who a malware finding is logged against."""
    name = (name or "upload").rsplit("/", 1)[-1][:120]
    limit = limits()
    if len(data) > limit.max_bytes:
        raise UploadError(
            f"{name}: {_mb(len(data))} is over the {_mb(limit.max_bytes)} limit per file.", status=413, filename=name
        )
    if not data:
        raise UploadError(f"{name}: the file is empty.", filename=name)
    scan(name, data, user=user)
    if _is_svg(data[:4096]):
        raise UploadError(
            f"{name}: SVG images are not accepted (they can carry scripts). Export a PNG instead.",
            status=415,
            filename=name,
        )
    fmt = containers.sniff(data)
    if fmt is None:
        raise UploadError(f"{name}: {_describe(data)}; import PNG, JPEG or WebP images.", status=415, filename=name)
    _check_structure(name, data, fmt)
    image = _open(name, data, fmt)
    lossless = fmt == "WEBP" and any(c.fourcc == b"VP8L" for c in containers.webp_chunks(data))
    clean = _reencode(image, fmt, lossless)
    decoded = PILImage.open(io.BytesIO(clean))
    decoded.load()
    return CleanUpload(name=name, fmt=fmt, original=data, data=clean, image=decoded)
