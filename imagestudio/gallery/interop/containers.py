"""PNG chunks, JPEG segments and WebP RIFF chunks, read and written as bytes: metadata goes in and out
without decoding (or re-encoding) a single pixel.

Facts used (from the formats' public specifications):
- PNG: 8-byte signature, then chunks `length(4, BE) type(4) data crc32(type+data)`; text in `tEXt`
  (keyword NUL Latin-1 text), `zTXt` (keyword NUL method zlib-data) and `iTXt` (keyword NUL flag method
  language NUL translated-keyword NUL UTF-8 text). Text chunks before the first IDAT are what Pillow (and
  so A1111, ComfyUI, image browsers) list in `Image.info` without decoding. The file ends at `IEND`.
  C2PA Content Credentials live in a `caBX` chunk.
- JPEG: `FFD8` (SOI), segments `FFxx length(2, BE, includes itself) payload` up to `FFDA` (SOS), entropy
  coded data (where `FF00` is a stuffed byte and `FFD0`–`FFD7` are restart markers), more segments for
  progressive scans, then `FFD9` (EOI). APP1 holds EXIF (`Exif\\0\\0` + TIFF) or XMP
  (`http://ns.adobe.com/xap/1.0/\\0` + packet); a segment holds at most 65,533 payload bytes (the 64 KB
  limit). C2PA manifests are JUMBF boxes in APP11 (`FFEB`) segments.
- WebP: `RIFF size(4, LE) WEBP`, then chunks `fourcc size(4, LE) data [pad to even]`. The simple formats
  hold one `VP8 ` or `VP8L` chunk; metadata needs the extended format: a `VP8X` chunk first (flags byte:
  ICC 0x20, alpha 0x10, EXIF 0x08, XMP 0x04, animation 0x02; 3 reserved bytes; canvas width-1 and
  height-1 as 24-bit LE), then ICCP, ANIM, the image data (ALPH + VP8/VP8L, or ANMF frames), then
  `EXIF` (TIFF data) and `XMP ` (the packet). C2PA uses a `C2PA` chunk.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_JPEG_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
EXIF_JPEG_HEADER = b"Exif\x00\x00"
JPEG_SEGMENT_MAX = 65533  # payload bytes of one marker segment (its 2-byte length field counts itself)
MAX_TEXT_BYTES = 8 * 1024 * 1024  # a decompressed zTXt/iTXt chunk larger than this is not metadata


class ContainerError(ValueError):
    """The bytes are not a well-formed PNG/JPEG/WebP (truncated, bad lengths)."""


def sniff(data: bytes) -> str | None:
    """The format ("PNG", "JPEG" or "WEBP") from the first bytes; None for anything else."""
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


# -- PNG --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PngChunk:
    type: bytes
    data: bytes
    start: int  # offset of the length field
    end: int  # offset just after the CRC


def png_chunks(data: bytes) -> list[PngChunk]:
    """Every chunk up to and including IEND; raises ContainerError on a malformed file."""
    if not data.startswith(PNG_SIGNATURE):
        raise ContainerError("Not a PNG file.")
    chunks: list[PngChunk] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise ContainerError("The PNG file is truncated (no IEND chunk).")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise ContainerError("The PNG file is truncated.")
        chunks.append(PngChunk(ctype, data[pos + 8 : pos + 8 + length], pos, end))
        pos = end
        if ctype == b"IEND":
            return chunks


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def png_text_chunk(keyword: str, text: str, *, force_itxt: bool = False) -> bytes:
    """tEXt when the text is Latin-1 (what Pillow's `add_text` does too), else iTXt (UTF-8)."""
    key = keyword.encode("latin-1")
    if not force_itxt:
        try:
            return png_chunk(b"tEXt", key + b"\x00" + text.encode("latin-1"))
        except UnicodeEncodeError:
            pass
    # flag 0 (uncompressed), method 0, empty language tag, empty translated keyword
    return png_chunk(b"iTXt", key + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8"))


def _inflate(blob: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(blob, MAX_TEXT_BYTES)
    if inflater.unconsumed_tail:
        raise ContainerError("A compressed text chunk is too large.")
    return out


def png_text(chunk: PngChunk) -> tuple[str, str] | None:
    """(keyword, text) of a tEXt/zTXt/iTXt chunk; None for other chunks or undecodable ones."""
    try:
        if chunk.type == b"tEXt":
            key, _, value = chunk.data.partition(b"\x00")
            return key.decode("latin-1"), value.decode("latin-1")
        if chunk.type == b"zTXt":
            key, _, rest = chunk.data.partition(b"\x00")
            return key.decode("latin-1"), _inflate(rest[1:]).decode("latin-1")
        if chunk.type == b"iTXt":
            key, _, rest = chunk.data.partition(b"\x00")
            compressed, _method = rest[0], rest[1]
            _language, _, rest = rest[2:].partition(b"\x00")
            _translated, _, value = rest.partition(b"\x00")
            raw = _inflate(value) if compressed else value
            return key.decode("latin-1"), raw.decode("utf-8", errors="replace")
    except (IndexError, zlib.error, ContainerError):
        return None
    return None


def png_texts(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in png_chunks(data):
        item = png_text(chunk)
        if item is not None and item[0] not in out:
            out[item[0]] = item[1]
    return out


def png_replace_text(data: bytes, texts: list[tuple[str, str]]) -> bytes:
    """The same PNG with text chunks of these keywords replaced by ours, placed before the first IDAT.
    Every other chunk (pixels included) is copied byte for byte."""
    keywords = {key for key, _ in texts}
    new_chunks = b"".join(png_text_chunk(key, text, force_itxt=key.startswith("XML:")) for key, text in texts)
    out = [data[: len(PNG_SIGNATURE)]]
    inserted = False
    for chunk in png_chunks(data):
        if chunk.type in (b"tEXt", b"zTXt", b"iTXt"):
            item = png_text(chunk)
            if item is not None and item[0] in keywords:
                continue
        if chunk.type == b"IDAT" and not inserted:
            out.append(new_chunks)
            inserted = True
        out.append(data[chunk.start : chunk.end])
    if not inserted:
        raise ContainerError("The PNG file has no image data.")
    return b"".join(out)


# -- JPEG -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JpegSegment:
    marker: int  # the byte after 0xFF
    payload: bytes  # without marker and length
    start: int
    end: int


_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length


def jpeg_segments(data: bytes) -> tuple[list[JpegSegment], int]:
    """Header segments before the first SOS, and the offset where the SOS segment starts."""
    if data[:2] != b"\xff\xd8":
        raise ContainerError("Not a JPEG file.")
    segments: list[JpegSegment] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ContainerError("The JPEG file has a malformed header.")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:
            return segments, pos
        if marker in _STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise ContainerError("The JPEG file is truncated.")
        segments.append(JpegSegment(marker, data[pos + 4 : end], pos, end))
        pos = end
    raise ContainerError("The JPEG file has no image data.")


def jpeg_end(data: bytes) -> int:
    """Offset just after the EOI marker, walking every segment and scan; raises if there is none."""
    _, pos = jpeg_segments(data)
    size = len(data)
    while pos + 1 < size:
        if data[pos] != 0xFF:
            raise ContainerError("The JPEG file has a malformed segment.")
        marker = data[pos + 1]
        if marker == 0xD9:
            return pos + 2
        if marker == 0xFF:
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        if pos + 4 > size:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
        if marker != 0xDA:
            continue
        # Entropy-coded data: runs until an 0xFF that is not stuffing (00) or a restart marker.
        while pos + 1 < size:
            nxt = data.find(b"\xff", pos)
            if nxt < 0 or nxt + 1 >= size:
                pos = size
                break
            follower = data[nxt + 1]
            if follower == 0x00 or 0xD0 <= follower <= 0xD7 or follower == 0xFF:
                pos = nxt + (1 if follower == 0xFF else 2)
                continue
            pos = nxt
            break
    raise ContainerError("The JPEG file is truncated (no end-of-image marker).")


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    if len(payload) > JPEG_SEGMENT_MAX:
        raise ContainerError("A JPEG segment holds at most 64 KB.")
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_app1(data: bytes) -> tuple[bytes | None, bytes | None]:
    """(EXIF TIFF bytes, XMP packet) from a JPEG's APP1 segments."""
    exif = xmp = None
    for seg in jpeg_segments(data)[0]:
        if seg.marker != 0xE1:
            continue
        if exif is None and seg.payload.startswith(EXIF_JPEG_HEADER):
            exif = seg.payload[len(EXIF_JPEG_HEADER) :]
        elif xmp is None and seg.payload.startswith(XMP_JPEG_HEADER):
            xmp = seg.payload[len(XMP_JPEG_HEADER) :]
    return exif, xmp


def jpeg_comment(data: bytes) -> bytes | None:
    return next((seg.payload for seg in jpeg_segments(data)[0] if seg.marker == 0xFE), None)


def jpeg_replace_app1(data: bytes, *, exif_tiff: bytes, xmp: bytes) -> bytes:
    """The same JPEG with its EXIF and XMP APP1 segments replaced by ours (after SOI and any JFIF APP0).
    Scan data and every other segment are copied byte for byte."""
    segments, sos = jpeg_segments(data)
    ours = jpeg_segment(0xE1, EXIF_JPEG_HEADER + exif_tiff) + jpeg_segment(0xE1, XMP_JPEG_HEADER + xmp)
    out = [b"\xff\xd8"]
    kept = []
    for seg in segments:
        if seg.marker == 0xE1 and seg.payload.startswith((EXIF_JPEG_HEADER, XMP_JPEG_HEADER, XMP_EXTENSION_HEADER)):
            continue
        kept.append(seg)
    # JFIF (APP0) must stay the first segment when present.
    lead = [seg for seg in kept[:1] if seg.marker == 0xE0]
    out.extend(data[seg.start : seg.end] for seg in lead)
    out.append(ours)
    out.extend(data[seg.start : seg.end] for seg in kept[len(lead) :])
    out.append(data[sos:])
    return b"".join(out)


# -- WebP -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiffChunk:
    fourcc: bytes
    data: bytes


def webp_chunks(data: bytes) -> list[RiffChunk]:
    if sniff(data) != "WEBP":
        raise ContainerError("Not a WebP file.")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data):
        raise ContainerError("The WebP file is truncated.")
    chunks = []
    pos = 12
    while pos + 8 <= end:
        fourcc, size = struct.unpack("<4sI", data[pos : pos + 8])
        if pos + 8 + size > end:
            raise ContainerError("The WebP file has a malformed chunk.")
        chunks.append(RiffChunk(fourcc, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return chunks


def webp_end(data: bytes) -> int:
    webp_chunks(data)
    return 8 + struct.unpack("<I", data[4:8])[0]


def _riff_chunk(fourcc: bytes, body: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def _canvas_of(chunk: RiffChunk) -> tuple[int, int, bool]:
    """(width, height, has_alpha) from a VP8 or VP8L bitstream header."""
    if chunk.fourcc == b"VP8L":
        if len(chunk.data) < 5 or chunk.data[0] != 0x2F:
            raise ContainerError("Malformed VP8L bitstream.")
        bits = int.from_bytes(chunk.data[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    if len(chunk.data) < 10 or chunk.data[3:6] != b"\x9d\x01\x2a":
        raise ContainerError("Malformed VP8 bitstream.")
    width, height = struct.unpack("<HH", chunk.data[6:10])
    return width & 0x3FFF, height & 0x3FFF, False


def webp_replace_metadata(data: bytes, *, exif_tiff: bytes, xmp: bytes) -> bytes:
    """The same WebP (simple formats are lifted to the extended one) with our EXIF and XMP chunks.
    Bitstream chunks are copied byte for byte."""
    chunks = [c for c in webp_chunks(data) if c.fourcc not in (b"EXIF", b"XMP ")]
    if chunks and chunks[0].fourcc == b"VP8X":
        header = bytearray(chunks[0].data)
        header[0] |= 0x08 | 0x04
        chunks[0] = RiffChunk(b"VP8X", bytes(header))
    else:
        image = next((c for c in chunks if c.fourcc in (b"VP8 ", b"VP8L")), None)
        if image is None:
            raise ContainerError("The WebP file has no image data.")
        width, height, alpha = _canvas_of(image)
        flags = 0x08 | 0x04 | (0x10 if alpha else 0)
        body = bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        chunks.insert(0, RiffChunk(b"VP8X", body))
    image_kinds = (b"VP8 ", b"VP8L", b"ALPH", b"ANMF")
    last_image = max(i for i, c in enumerate(chunks) if c.fourcc in image_kinds)
    ordered = [*chunks[: last_image + 1], RiffChunk(b"EXIF", exif_tiff), RiffChunk(b"XMP ", xmp)]
    ordered += chunks[last_image + 1 :]
    body = b"WEBP" + b"".join(_riff_chunk(c.fourcc, c.data) for c in ordered)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_metadata(data: bytes) -> tuple[bytes | None, bytes | None]:
    """(EXIF TIFF bytes, XMP packet) of a WebP."""
    exif = xmp = None
    for chunk in webp_chunks(data):
        if chunk.fourcc == b"EXIF" and exif is None:
            exif = chunk.data[6:] if chunk.data.startswith(EXIF_JPEG_HEADER) else chunk.data
        elif chunk.fourcc == b"XMP " and xmp is None:
            xmp = chunk.data
    return exif, xmp


# -- C2PA and file ends -----------------------------------------------------------------------------


def c2pa_container(data: bytes, fmt: str) -> str | None:
    """Where a C2PA manifest store sits ("caBX", "APP11", "C2PA"), or None. Presence only: validating
    the signature is for a C2PA reader (c2pa-python), not for us."""
    try:
        if fmt == "PNG":
            return "caBX" if any(c.type == b"caBX" for c in png_chunks(data)) else None
        if fmt == "JPEG":
            for seg in jpeg_segments(data)[0]:
                # APP11 JUMBF: common identifier "JP", box instance, sequence, then a `jumb` superbox
                # whose description box carries the label `c2pa`.
                if seg.marker == 0xEB and seg.payload[:2] == b"JP" and b"jumb" in seg.payload:
                    return "APP11"
            return None
        if fmt == "WEBP":
            return "C2PA" if any(c.fourcc == b"C2PA" for c in webp_chunks(data)) else None
    except ContainerError:
        return None
    return None


def file_end(data: bytes, fmt: str) -> int:
    """Offset where the image's own structure ends: bytes after it were appended (a polyglot)."""
    if fmt == "PNG":
        return png_chunks(data)[-1].end
    if fmt == "JPEG":
        return jpeg_end(data)
    if fmt == "WEBP":
        end = webp_end(data)
        return end + 1 if end < len(data) and (end & 1) and data[end] == 0 else end
    raise ContainerError(f"Unknown format {fmt}.")
