"""Bulk export of gallery images: a streamed ZIP of originals with metadata, or the metadata alone as JSON
or CSV — constant memory whatever the number of images.

A selection is chosen ids, a gallery filter (E's `filters.parse_filters` parameters), or everything the
gallery shows. Ids are checked before the first byte: any id the user may not see makes the whole
request a 404 and nothing is streamed.

The ZIP reuses the project export's machinery (`projects/export.py`): the unseekable sink drained after
every write, per-member copying in chunks, spooled metadata members and the same row shape and CSV
formula neutralising (the spools here roll over to disk at 128 KB rather than 1 MB). One thing more here: the archive's central directory (one `ZipInfo` per member,
which `zipfile` keeps in memory until the end) is spooled to a temporary file too, so memory stays flat
from 500 to 100,000 images.

Layout:
    images/<NNNN>-<short-id>.<ext>   originals as stored
    metadata.json                    exported_at, selection, image_count and one object per image
    metadata.csv                     the same rows, parameters and tags as JSON strings
"""

from __future__ import annotations

import json
import pickle
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zipfile import ZIP_STORED, ZipFile

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from imagestudio.gallery.models import Image
from imagestudio.projects.export import (
    _FORMULA_STARTS,
    FIELDS,
    _copy_original,
    _csv_line,
    _csv_values,
    _EndpointCache,
    _json,
    _row,
    _Sink,
    _write_text,
)
from imagestudio.workspaces.access import images_visible_to

EXTRA_FIELDS = ["title", "notes", "project_id"]
EXPORT_FIELDS = [*FIELDS, *EXTRA_FIELDS]
_ZIP_ONLY = ("file_name", "missing")  # meaningful inside the archive only
METADATA_FIELDS = [f for f in EXPORT_FIELDS if f not in _ZIP_ONLY]
MAX_IDS = 20_000
_ID_BATCH = 500
ITERATOR_CHUNK = 200
CHUNK_SIZE = 64 * 1024
_SPOOL_MAX = 128 * 1024  # spooled members and the central directory: in memory up to this, then on disk


def _spool() -> tempfile.SpooledTemporaryFile[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX, mode="w+b")


class ExportError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass
class Selection:
    """What to export: `ids` (in that order), else `filters` (raw gallery parameters), else everything."""

    ids: list[uuid.UUID] | None = None
    filters: dict[str, Any] | None = None
    everything: bool = False
    description: dict[str, Any] = field(default_factory=dict)


def parse_selection(ids: list[Any] | None, filters: Mapping[str, Any] | None, everything: bool) -> Selection:
    chosen = sum(1 for x in (ids is not None, filters is not None, everything) if x)
    if chosen != 1:
        raise ExportError("Choose exactly one of ids, filter or all.", "ids")
    if ids is not None:
        if not ids:
            raise ExportError("Select at least one image.", "ids")
        if len(ids) > MAX_IDS:
            raise ExportError(f"At most {MAX_IDS} ids at once; export by filter for more.", "ids")
        clean: list[uuid.UUID] = []
        seen: set[uuid.UUID] = set()
        for raw in ids:
            try:
                value = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
            except ValueError:
                raise ExportError(f"Not an image id: {str(raw)[:60]!r}.", "ids") from None
            if value not in seen:
                seen.add(value)
                clean.append(value)
        return Selection(ids=clean, description={"ids": len(clean)})
    if filters is not None:
        if not isinstance(filters, Mapping):
            raise ExportError("The filter must be an object of gallery parameters.", "filter")
        return Selection(filters=dict(filters), description={"filter": dict(filters)})
    return Selection(everything=True, description={"all": True})


def resolve(user, selection: Selection) -> Iterable[Image]:
    """The images to export, lazily. Raises Http404 (before anything streams) when any chosen id is not
    one the user may see, and ExportError for a bad filter."""
    if selection.ids is not None:
        visible = images_visible_to(user)
        ids = selection.ids
        for start in range(0, len(ids), _ID_BATCH):  # every id checked up front, in bounded batches
            batch = ids[start : start + _ID_BATCH]
            if visible.filter(pk__in=batch).count() != len(batch):
                raise Http404("No such image.")
        return _in_order(visible, ids)
    return _filtered(user, selection.filters or {}).select_related("model").iterator(chunk_size=ITERATOR_CHUNK)


def _filtered(user, params: Mapping[str, Any]) -> QuerySet[Image]:
    from imagestudio.gallery.filters import FilterError, filtered_images, parse_filters

    try:
        return filtered_images(user, parse_filters(params))
    except FilterError as exc:
        raise ExportError(exc.message, exc.field) from exc


def _in_order(visible: QuerySet[Image], ids: list[uuid.UUID]) -> Iterator[Image]:
    for start in range(0, len(ids), _ID_BATCH):
        batch = ids[start : start + _ID_BATCH]
        found = visible.select_related("model").in_bulk(batch)
        for pk in batch:
            if pk in found:  # deleted between the check and now: skip it
                yield found[pk]


def export_row(position: int, image: Image, endpoints: _EndpointCache) -> dict[str, Any]:
    row = _row(position, image, endpoints)
    row["title"] = image.title
    row["notes"] = image.notes
    row["project_id"] = str(image.project_id) if image.project_id else None
    return row


def csv_values(row: dict[str, Any]) -> list[Any]:
    values = _csv_values(row)  # the project export's columns, formulas already neutralised
    for name in EXTRA_FIELDS:
        value = row[name]
        if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
            value = "'" + value
        values.append(value)
    return values


def zip_name(now: datetime | None = None) -> str:
    return f"images-{timezone.localtime(now or timezone.now()).strftime('%Y-%m-%d-%H%M')}.zip"


def metadata_name(fmt: str, now: datetime | None = None) -> str:
    return f"images-metadata-{timezone.localtime(now or timezone.now()).strftime('%Y-%m-%d-%H%M')}.{fmt}"


# -- the ZIP ----------------------------------------------------------------------------------------


class _SpooledInfos:
    """`ZipFile.filelist` kept in a temporary file: members are appended as they close and read back
    once, in order, when the central directory is written. Memory: one ZipInfo at a time."""

    def __init__(self) -> None:
        self._file = _spool()
        self._count = 0

    def append(self, info) -> None:
        self._file.seek(0, 2)
        pickle.dump(info, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)  # noqa: S301 - our own ZipInfo objects, written just above

    def close(self) -> None:
        self._file.close()


class _NoNames(dict):
    """`ZipFile.NameToInfo` that remembers nothing: member names here are unique by construction."""

    def __setitem__(self, key, value) -> None:
        pass


def stream_zip(
    images: Iterable[Image], description: dict[str, Any], *, chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """The archive as successive byte strings of at most about `chunk_size` bytes."""
    exported_at = timezone.now()
    sink = _Sink(chunk_size)
    endpoints = _EndpointCache()
    infos = _SpooledInfos()
    count = 0
    try:
        with _spool() as json_rows, _spool() as csv_rows, ZipFile(sink, "w", compression=ZIP_STORED) as zf:
            zf.filelist = infos  # type: ignore[assignment]
            zf.NameToInfo = _NoNames()
            csv_rows.write(_csv_line(EXPORT_FIELDS))
            for position, image in enumerate(images, start=1):
                row = export_row(position, image, endpoints)
                copied = yield from _copy_original(zf, sink, image, row["file_name"], chunk_size)
                if not copied:
                    row["missing"] = True
                    row["file_name"] = None
                json_rows.write(b",\n    " if count else b"\n    ")
                json_rows.write(_json(row).encode())
                csv_rows.write(_csv_line(csv_values(row)))
                count += 1
            json_rows.write(b"\n  ]\n}\n" if count else b"]\n}\n")
            head = _json_head(exported_at, description, count)
            yield from _write_text(zf, sink, "metadata.json", exported_at, chunk_size, head, json_rows)
            yield from _write_text(zf, sink, "metadata.csv", exported_at, chunk_size, b"", csv_rows)
        yield from sink.drain()  # the central directory
    finally:
        infos.close()


def _json_head(exported_at: datetime, description: dict[str, Any], count: int | None) -> bytes:
    head: dict[str, Any] = {"exported_at": exported_at.isoformat(), "selection": description}
    if count is not None:
        head["image_count"] = count
    text = json.dumps(head, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return (text[: text.rindex("}")].rstrip() + ',\n  "images": [').encode()


# -- metadata alone ---------------------------------------------------------------------------------


def stream_json(images: Iterable[Image], description: dict[str, Any]) -> Iterator[bytes]:
    """`{"exported_at", "selection", "images": [...], "image_count"}` written row by row."""
    endpoints = _EndpointCache()
    yield _json_head(timezone.now(), description, None)
    count = 0
    for position, image in enumerate(images, start=1):
        row = export_row(position, image, endpoints)
        for name in _ZIP_ONLY:
            row.pop(name, None)
        yield ((",\n    " if count else "\n    ") + _json(row)).encode()
        count += 1
    yield (("\n  ]," if count else "],") + f'\n  "image_count": {count}\n}}\n').encode()


def stream_csv(images: Iterable[Image]) -> Iterator[bytes]:
    """A header line, then one line per image (UTF-8 with a BOM so spreadsheets read accents right)."""
    endpoints = _EndpointCache()
    yield b"\xef\xbb\xbf" + _csv_line(METADATA_FIELDS)
    for position, image in enumerate(images, start=1):
        values = csv_values(export_row(position, image, endpoints))
        yield _csv_line([v for name, v in zip(EXPORT_FIELDS, values, strict=True) if name not in _ZIP_ONLY])
