"""A project's images as one ZIP, produced as a stream of bytes.

The archive is built with the standard library's `zipfile` writing into a write-only sink that is
drained after every write, so a view can hand the generator to `StreamingHttpResponse` and an export of
thousands of images never sits in memory: originals are copied from storage chunk by chunk, and the
metadata rows are spooled to temporary files (on disk past a small size) until the text members are
written at the end. What does grow with the image count is small and inherent to the format:
`zipfile` keeps one entry per member for the central directory written last, and `prompts.txt`
remembers a 16-byte digest per distinct prompt line to de-duplicate them.

Layout:
    images/<NNNN>-<short-id>.<ext>   originals as stored (ZIP_STORED: they are already compressed)
    metadata.json                    the project, exported_at and one object per image
    metadata.csv                     the same rows, parameters and tags as JSON strings
    prompts.txt                      distinct prompts in first-seen order
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import tempfile
from collections.abc import Generator, Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZIP_STORED, ZipFile, ZipInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import slugify

from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project

logger = logging.getLogger(__name__)

# Column order of metadata.csv, and key order of each image object in metadata.json.
FIELDS = [
    "id",
    "file_name",
    "prompt",
    "negative_prompt",
    "model",
    "seed",
    "width",
    "height",
    "format",
    "parameters",
    "cost_credits",
    "generation_time",
    "created_at",
    "parent_image_id",
    "tags",
    "rating",
    "is_favorite",
    "missing",
]
_JSON_COLUMNS = ("parameters", "tags")  # objects in metadata.json, JSON text in metadata.csv
_SPOOL_MAX = 1024 * 1024  # metadata kept in memory up to this size, then on disk
_NAME_MAX = 80  # slug length in the download name


def project_zip_name(project: Project, *, today: date | None = None) -> str:
    """The download name, e.g. `my-project-2026-12-02.zip`: ASCII only, so it is safe in any
    Content-Disposition header and file system; `today` defaults to the local date."""
    slug = slugify(project.name)[:_NAME_MAX].strip("-_") or "project"
    return f"{slug}-{(today or timezone.localdate()).isoformat()}.zip"


def metadata_rows(images: Iterable[Image]) -> Iterator[dict[str, Any]]:
    """One flat dict per image, in the order given, keyed by `FIELDS`: the recipe and gallery state a
    person needs to find, re-run or re-import an image outside the studio. `file_name` is the image's
    path inside the archive; `missing` is False here (only the export knows whether storage had it).

    Lazy, and one query per distinct model at most, so `queryset.iterator()` stays cheap."""
    endpoints = _EndpointCache()
    for position, image in enumerate(images, start=1):
        yield _row(position, image, endpoints)


def stream_project_zip(project: Project, images: Iterable[Image], *, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The project's ZIP as successive byte strings, none much larger than `chunk_size`.

    `images` is consumed once and lazily (pass `queryset.iterator(chunk_size=200)`). An image whose
    file cannot be read from storage is left out of `images/` but keeps its metadata row, with
    `missing: true` and no `file_name`, so one lost file never breaks the whole export. A storage
    error in the middle of copying a file does propagate: the member is half written and the
    download must fail rather than carry a silently truncated image."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    exported_at = timezone.now()
    sink = _Sink(chunk_size)
    endpoints = _EndpointCache()
    seen_prompts: set[bytes] = set()
    count = 0
    with (
        _spool() as json_rows,
        _spool() as csv_rows,
        _spool() as prompt_lines,
        ZipFile(sink, "w", compression=ZIP_STORED) as zf,
    ):
        csv_rows.write(_csv_line(FIELDS))
        for position, image in enumerate(images, start=1):
            row = _row(position, image, endpoints)
            copied = yield from _copy_original(zf, sink, image, row["file_name"], chunk_size)
            if not copied:
                row["missing"] = True
                row["file_name"] = None
            json_rows.write(b",\n    " if count else b"\n    ")
            json_rows.write(_json(row).encode())
            csv_rows.write(_csv_line(_csv_values(row)))
            line = _prompt_line(image).encode()
            digest = hashlib.blake2b(line, digest_size=16).digest()
            if line and digest not in seen_prompts:
                seen_prompts.add(digest)
                prompt_lines.write(line + b"\n")
            count += 1

        json_rows.write(b"\n  ]\n}\n" if count else b"]\n}\n")
        json_head = _metadata_head(project, exported_at, count)
        yield from _write_text(zf, sink, "metadata.json", exported_at, chunk_size, json_head, json_rows)
        yield from _write_text(zf, sink, "metadata.csv", exported_at, chunk_size, b"", csv_rows)
        yield from _write_text(zf, sink, "prompts.txt", exported_at, chunk_size, b"", prompt_lines)
    yield from sink.drain()  # the central directory, written when the archive closed


class _Sink:
    """A write-only, unseekable file for `ZipFile`: it holds only what was written since the last drain.

    Without `seek`/`tell`, zipfile writes sizes in data descriptors after each member instead of
    seeking back to patch the local headers, which is what makes the archive streamable."""

    def __init__(self, piece_size: int) -> None:
        self._pieces: list[bytes] = []
        self._piece_size = piece_size

    def write(self, data: bytes) -> int:
        if data:
            self._pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # ZipFile never closes a file object it was given; this only completes the file protocol

    def drain(self) -> Iterator[bytes]:
        """What was written since the last drain, in pieces of at most the chunk size."""
        if not self._pieces:
            return
        data = b"".join(self._pieces)
        self._pieces.clear()
        for start in range(0, len(data), self._piece_size):
            yield data[start : start + self._piece_size]


class _EndpointCache:
    """A model's endpoint id without a query per image: uses a `select_related` model when the caller
    loaded one, otherwise looks each distinct model up once."""

    def __init__(self) -> None:
        self._known: dict[Any, str] = {}

    def __call__(self, image: Image) -> str:
        if image.model_id is None:
            return ""
        if "model" in image._state.fields_cache:
            return image.model.endpoint_id if image.model is not None else ""
        if image.model_id not in self._known:
            endpoint = AIModel.objects.filter(pk=image.model_id).values_list("endpoint_id", flat=True).first()
            self._known[image.model_id] = endpoint or ""
        return self._known[image.model_id]


def _row(position: int, image: Image, endpoints: _EndpointCache) -> dict[str, Any]:
    return {
        "id": str(image.pk),
        "file_name": _member_name(position, image),
        "prompt": image.prompt,
        "negative_prompt": image.negative_prompt,
        "model": endpoints(image),
        "seed": image.seed,
        "width": image.width,
        "height": image.height,
        "format": image.format,
        "parameters": image.parameters,
        "cost_credits": image.cost_credits,
        "generation_time": image.generation_time,
        "created_at": image.created_at.isoformat() if image.created_at else None,
        "parent_image_id": str(image.parent_image_id) if image.parent_image_id else None,
        "tags": image.tags,
        "rating": image.rating,
        "is_favorite": image.is_favorite,
        "missing": False,
    }


def _member_name(position: int, image: Image) -> str:
    """`images/0001-1a2b3c4d.png`: the position keeps the caller's order when sorted by name, the
    short id ties the file to its row; the extension is the stored file's (as downloads use it)."""
    stored = image.file.name or ""
    extension = stored.rsplit(".", 1)[-1].lower() if "." in stored else ""
    extension = "".join(c for c in extension if c.isascii() and c.isalnum()) or slugify(image.format) or "bin"
    return f"images/{position:04d}-{str(image.pk)[:8]}.{extension}"


def _copy_original(zf: ZipFile, sink: _Sink, image: Image, name: str, chunk_size: int) -> Generator[bytes, None, bool]:
    """Copy one original into `images/`, yielding the archive's bytes; returns whether it was there."""
    source = _open_original(image)
    if source is None:
        return False
    try:
        try:
            # Read before writing the member header: a storage that fails lazily leaves nothing behind.
            chunk = source.read(chunk_size)
        except Exception:
            logger.exception("Export of image %s: cannot read %r, listed as missing.", image.pk, image.file.name)
            return False
        with zf.open(_zip_info(name, image.created_at, ZIP_STORED), "w", force_zip64=True) as member:
            while chunk:
                member.write(chunk)
                yield from sink.drain()
                chunk = source.read(chunk_size)
        yield from sink.drain()  # the data descriptor
        return True
    finally:
        source.close()


def _open_original(image: Image) -> FieldFile | None:
    """The stored original, open for reading, or None when storage does not have it."""
    if not image.file.name:
        return None
    try:
        return image.file.open("rb")
    except FileNotFoundError:
        logger.warning("Export of image %s: %r is missing from storage.", image.pk, image.file.name)
    except Exception:  # any storage backend error: the rest of the export still goes through
        logger.exception("Export of image %s: cannot open %r, listed as missing.", image.pk, image.file.name)
    return None


def _write_text(
    zf: ZipFile, sink: _Sink, name: str, when: datetime, chunk_size: int, head: bytes, body: IO[bytes]
) -> Iterator[bytes]:
    body.seek(0)
    with zf.open(_zip_info(name, when, ZIP_DEFLATED), "w", force_zip64=True) as member:
        if head:
            member.write(head)
            yield from sink.drain()
        while chunk := body.read(chunk_size):
            member.write(chunk)
            yield from sink.drain()
    yield from sink.drain()


def _zip_info(name: str, when: datetime | None, compression: int) -> ZipInfo:
    stamp = timezone.localtime(when) if when else timezone.localtime()
    info = ZipInfo(name, date_time=(max(stamp.year, 1980), *stamp.timetuple()[1:6]))  # ZIP dates start in 1980
    info.compress_type = compression
    info.external_attr = 0o644 << 16  # rw-r--r-- when unpacked on Unix
    return info


def _metadata_head(project: Project, exported_at: datetime, count: int) -> bytes:
    """metadata.json up to the opening of its `images` list; the rows follow, already serialised."""
    head = {
        "project": {
            "id": str(project.pk),
            "name": project.name,
            "description": project.description,
            "tags": project.tags,
            "settings": project.settings,
        },
        "exported_at": exported_at.isoformat(),
        "image_count": count,
    }
    text = json.dumps(head, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return (text[: text.rindex("}")].rstrip() + ',\n  "images": [').encode()


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=False)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as a formula (OWASP CSV injection)


def _csv_values(row: dict[str, Any]) -> list[Any]:
    values = []
    for field in FIELDS:
        value = row[field]
        if field in _JSON_COLUMNS:
            value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, str) and value.startswith(_FORMULA_STARTS):
            value = "'" + value  # a teammate's prompt must not run as a spreadsheet formula
        values.append(value)  # None becomes an empty cell
    return values


def _csv_line(values: list[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue().encode()


def _prompt_line(image: Image) -> str:
    """`prompt | negative: negative prompt` on one line ("" for an image without a prompt)."""
    prompt = _one_line(image.prompt)
    if not prompt:
        return ""
    negative = _one_line(image.negative_prompt)
    return f"{prompt} | negative: {negative}" if negative else prompt


def _one_line(text: str) -> str:
    return " ".join(text.splitlines()).strip()


def _spool() -> tempfile.SpooledTemporaryFile[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX, mode="w+b")
