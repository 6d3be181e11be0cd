"""Input images for the emulated models: data URIs, http(s) URLs and the emulator's own output files.

Whatever cannot be fetched or decoded fails like fal: a 422 `image_load_error` naming the field.
URLs on the documentation-only example domains (example.com/.net/.org, RFC 2606) answer with a
generated placeholder picture: no real request could use them, and test fixtures can name an
image without serving one.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable, Iterable
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from PIL import Image, ImageOps

from .errors import image_load_error

FETCH_TIMEOUT = 20.0  # seconds for one download
MAX_BYTES = 50 * 1024 * 1024
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

FileLookup = Callable[[str], tuple[bytes, str] | None]  # the emulator's FileStore.get


class _LoadFailed(Exception):
    """Any reason an input is not a usable image; reported to the client only as image_load_error."""


def load_image(url: str, field: str, *, own_base: str, files: FileLookup) -> Image.Image:
    """The image at `url` (RGB, or RGBA when it has transparency); `own_base` is the emulator's https://host:port."""
    try:
        return _decode(_read(url, own_base, files))
    except _LoadFailed as exc:
        raise image_load_error(field) from exc


def _read(url: str, own_base: str, files: FileLookup) -> bytes:
    if url.startswith("data:"):
        return _data_uri(url)
    own = _own_file(url, own_base)
    if own is None:
        return _fetch(url)
    found = files(own)
    if found is None:  # evicted or never made: what a 404 from the CDN would mean
        raise _LoadFailed(f"no output file {own!r}")
    return found[0]


def _data_uri(url: str) -> bytes:
    header, comma, payload = url.removeprefix("data:").partition(",")
    if not comma:
        raise _LoadFailed("data URI without a comma")
    if not header.lower().endswith(";base64"):
        return unquote_to_bytes(payload)
    try:
        compact = "".join(unquote(payload).split())
        return base64.b64decode(compact + "=" * (-len(compact) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _LoadFailed("bad base64") from exc


def _own_file(url: str, own_base: str) -> str | None:
    """The output-file name when `url` points at this emulator's /files/ (read from memory: its TLS
    certificate is signed by a test CA the runner need not trust)."""
    parts, own = urlsplit(url), urlsplit(own_base)
    try:
        same_port = parts.port == own.port
    except ValueError:
        return None
    same_host = parts.hostname in {own.hostname, *_LOOPBACK}
    if parts.scheme != "https" or not (same_port and same_host) or not parts.path.startswith("/files/"):
        return None
    return unquote(parts.path.removeprefix("/files/"))


def _fetch(url: str) -> bytes:
    import httpx  # only image-input requests download anything

    try:
        with (
            httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise _LoadFailed(f"HTTP {response.status_code}")
            return _capped(response.iter_bytes(), response.headers.get("Content-Length"))
    except httpx.HTTPError as exc:  # DNS, refused, TLS, timeout, bad URL
        raise _LoadFailed(str(exc)) from exc


def _capped(chunks: Iterable[bytes], declared: str | None) -> bytes:
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise _LoadFailed("too large")
    data, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_BYTES:  # Content-Length may be absent or wrong
            raise _LoadFailed("too large")
        data.append(chunk)
    return b"".join(data)


def _decode(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)  # a phone photo's orientation, like diffusers' load_image
    except Exception as exc:  # any decoder failure (truncated, unknown format, bomb) means "not an image"
        raise _LoadFailed(f"{type(exc).__name__}: {exc}") from exc
    if image.mode in ("RGB", "RGBA"):
        return image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")
