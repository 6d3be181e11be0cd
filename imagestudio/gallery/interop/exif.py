"""A minimal EXIF block (TIFF structure) carrying `UserComment`, the way AUTOMATIC1111 stores its
`parameters` infotext in JPEG and WebP (`piexif.helper.UserComment.dump(text, encoding="unicode")`:
the 8-byte character code `UNICODE\\0` followed by UTF-16 big-endian text), plus reading it back.

TIFF facts used: header `MM\\0*` + offset of IFD0; an IFD is a 2-byte count, 12-byte entries
(tag, type, count, value-or-offset) and a 4-byte next-IFD offset. Tag 0x8769 in IFD0 points to the
Exif IFD, where 0x9286 is UserComment (type 7, UNDEFINED). 0x0131 is Software (ASCII).
"""

from __future__ import annotations

import io
import struct

from PIL import Image as PILImage

UNICODE_PREFIX = b"UNICODE\x00"
ASCII_PREFIX = b"ASCII\x00\x00\x00"
TAG_SOFTWARE = 0x0131
TAG_EXIF_IFD = 0x8769
TAG_USER_COMMENT = 0x9286
TAG_IMAGE_DESCRIPTION = 0x010E
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110


def user_comment_bytes(text: str) -> bytes:
    return UNICODE_PREFIX + text.encode("utf-16-be")


def decode_user_comment(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    prefix, body = raw[:8], raw[8:]
    if prefix == UNICODE_PREFIX:
        # A1111 (piexif) writes big-endian; some tools follow a little-endian TIFF's byte order.
        if len(body) >= 2 and body[0] != 0 and body[1] == 0:
            return body.decode("utf-16-le", errors="replace")
        return body.decode("utf-16-be", errors="replace")
    if prefix in (ASCII_PREFIX, b"\x00" * 8):
        return body.decode("utf-8", errors="replace").rstrip("\x00")
    return raw.decode("utf-8", errors="replace").rstrip("\x00")


def build_exif(user_comment: str, software: str = "") -> bytes:
    """Big-endian TIFF: IFD0 (Software, ExifIFD pointer) → Exif IFD (UserComment)."""
    comment = user_comment_bytes(user_comment)
    soft = software.encode("ascii", errors="replace") + b"\x00" if software else b""
    ifd0_entries = 2 if soft else 1
    ifd0_size = 2 + 12 * ifd0_entries + 4
    soft_offset = 8 + ifd0_size
    exif_ifd_offset = soft_offset + len(soft) + (len(soft) & 1)
    comment_offset = exif_ifd_offset + 2 + 12 + 4

    out = io.BytesIO()
    out.write(b"MM\x00\x2a" + struct.pack(">I", 8))
    out.write(struct.pack(">H", ifd0_entries))
    if soft:
        if len(soft) <= 4:
            out.write(struct.pack(">HHI", TAG_SOFTWARE, 2, len(soft)) + soft.ljust(4, b"\x00"))
        else:
            out.write(struct.pack(">HHII", TAG_SOFTWARE, 2, len(soft), soft_offset))
    out.write(struct.pack(">HHII", TAG_EXIF_IFD, 4, 1, exif_ifd_offset))
    out.write(struct.pack(">I", 0))
    if soft and len(soft) > 4:
        out.write(soft + (b"\x00" if len(soft) & 1 else b""))
    elif soft:
        out.write(b"\x00" * (len(soft) + (len(soft) & 1)))
    out.write(struct.pack(">H", 1))
    out.write(struct.pack(">HHII", TAG_USER_COMMENT, 7, len(comment), comment_offset))
    out.write(struct.pack(">I", 0))
    out.write(comment)
    return out.getvalue()


def read_exif(tiff: bytes) -> dict[str, str]:
    """Text fields of an EXIF block: `UserComment` (decoded), `ImageDescription`, `Make`, `Model`,
    `Software`. Malformed EXIF reads as empty."""
    exif = PILImage.Exif()
    try:
        exif.load(tiff if tiff.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + tiff)
        sub = exif.get_ifd(TAG_EXIF_IFD)
    except Exception:  # Pillow raises several types for malformed EXIF
        return {}
    out: dict[str, str] = {}
    if TAG_USER_COMMENT in sub:
        text = decode_user_comment(sub[TAG_USER_COMMENT])
        if text.strip():
            out["UserComment"] = text
    for tag, name in (
        (TAG_IMAGE_DESCRIPTION, "ImageDescription"),
        (TAG_MAKE, "Make"),
        (TAG_MODEL, "Model"),
        (TAG_SOFTWARE, "Software"),
    ):
        value = exif.get(tag)
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str) and value.strip("\x00 "):
            out[name] = value.rstrip("\x00")
    return out
