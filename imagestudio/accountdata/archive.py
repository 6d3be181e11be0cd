"""The account archive: everything a user owns as one ZIP, and the manifest that describes it.

Layout (format version 1):
    manifest.json                 format, counts, settings, projects, collections, prompts, images, billing
    images/<image-id>.<ext>       each image's original, byte for byte as stored
    billing/ledger.csv            the personal credit ledger, oldest first (billing_records)
    billing/usage.csv             every job outcome (usage log), oldest first

Originals are copied from storage chunk by chunk with the project export's machinery
(`projects/export.py`: an unseekable sink drained after every write), straight into the file the caller
gives, so no image is ever held whole in memory. The manifest is written last, when it knows which
originals were missing from storage.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import datetime
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZIP_STORED, ZipFile

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from imagestudio.accountdata import billing_records
from imagestudio.collections.models import Collection, CollectionImage
from imagestudio.gallery.models import Image
from imagestudio.preferences.services import settings_for
from imagestudio.projects.export import _copy_original, _EndpointCache, _Sink, _zip_info
from imagestudio.projects.models import Project
from imagestudio.prompts.models import Prompt, PromptFavorite

FORMAT = "imagestudio-account"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
IMAGE_DIR = "images/"
CHUNK_SIZE = 64 * 1024
ITERATOR_CHUNK = 200


def owned_images(user) -> QuerySet[Image]:
    """The images an export carries: the user's own, not in the trash, oldest first."""
    return Image.objects.alive().filter(user=user).select_related("model").order_by("created_at", "id")


def owned_projects(user) -> QuerySet[Project]:
    return Project.objects.filter(user=user).order_by("created_at", "id")


def owned_collections(user) -> QuerySet[Collection]:
    return Collection.objects.filter(created_by=user).order_by("created_at", "id")


def owned_prompts(user) -> QuerySet[Prompt]:
    return Prompt.objects.filter(user=user, is_starter=False).order_by("created_at", "id")


def member_name(image: Image) -> str:
    """`images/<id>.<ext>`, the extension being the stored file's."""
    stored = image.file.name or ""
    extension = stored.rsplit(".", 1)[-1].lower() if "." in stored else ""
    extension = "".join(c for c in extension if c.isascii() and c.isalnum()) or "bin"
    return f"{IMAGE_DIR}{image.pk}.{extension}"


def write_archive(user, out: IO[bytes], *, on_progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write the user's archive into `out` (any writable file); returns the manifest's counts.
    `on_progress(n)` is called after each image with the number written so far."""
    exported_at = timezone.now()
    sink = _Sink(CHUNK_SIZE)
    endpoints = _EndpointCache()
    memberships = _collection_memberships(user)
    rows: list[dict[str, Any]] = []
    with ZipFile(sink, "w", compression=ZIP_STORED) as zf:
        for position, image in enumerate(owned_images(user).iterator(chunk_size=ITERATOR_CHUNK), start=1):
            row = image_row(image, endpoints, memberships.get(image.pk, []))
            copied = _drain(_copy_original(zf, sink, image, row["file"], CHUNK_SIZE), out)
            if not copied:
                row["file"], row["missing"] = None, True
            rows.append(row)
            if on_progress is not None:
                on_progress(position)
        billing_counts = {
            key: _write_csv(zf, sink, out, name, exported_at, columns, rows_of(user))
            for key, name, columns, rows_of in billing_records.TABLES
        }
        manifest = build_manifest(user, rows, exported_at)
        manifest["counts"].update(billing_counts)
        manifest["billing"] = billing_records.summary(user)
        with zf.open(_zip_info(MANIFEST, exported_at, ZIP_DEFLATED), "w", force_zip64=True) as member:
            member.write(json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode())
        _pour(sink.drain(), out)
    _pour(sink.drain(), out)  # the central directory
    return manifest["counts"]


def _write_csv(
    zf: ZipFile,
    sink: _Sink,
    out: IO[bytes],
    name: str,
    when: datetime,
    columns: tuple[str, ...],
    records: Iterable[tuple],
) -> int:
    """One CSV member, written and passed on a few hundred lines at a time; how many rows it holds."""
    counted = [0]

    def counting() -> Iterator[tuple]:
        for record in records:
            counted[0] += 1
            yield record

    with zf.open(_zip_info(name, when, ZIP_DEFLATED), "w", force_zip64=True) as member:
        for chunk in billing_records.csv_chunks(columns, counting()):
            member.write(chunk)
            _pour(sink.drain(), out)
    _pour(sink.drain(), out)  # the data descriptor
    return counted[0]


def _drain[T](steps: Generator[bytes, None, T], out: IO[bytes]) -> T:
    """Run one of the project export's generators, writing what it yields into `out`; its return value."""
    while True:
        try:
            out.write(next(steps))
        except StopIteration as stop:
            return stop.value


def _pour(chunks: Iterator[bytes], out: IO[bytes]) -> None:
    for chunk in chunks:
        out.write(chunk)


def _collection_memberships(user) -> dict[Any, list[str]]:
    """image id → ids of the user's collections holding it (one query)."""
    pairs = CollectionImage.objects.filter(collection__created_by=user, image__user=user).order_by(
        "collection__created_at", "position"
    )
    found: dict[Any, list[str]] = {}
    for image_id, collection_id in pairs.values_list("image_id", "collection_id"):
        found.setdefault(image_id, []).append(str(collection_id))
    return found


def image_row(image: Image, endpoints: _EndpointCache, collections: list[str]) -> dict[str, Any]:
    """One image as the manifest lists it: its place in the archive, its recipe and its gallery state."""
    return {
        "id": str(image.pk),
        "file": member_name(image),
        "sha256": (image.metadata or {}).get("sha256", ""),
        "prompt": image.prompt,
        "negative_prompt": image.negative_prompt,
        "model": endpoints(image),
        "seed": image.seed,
        "parameters": image.parameters,
        "width": image.width,
        "height": image.height,
        "format": image.format,
        "operation": image.operation,
        "created_at": _iso(image.created_at),
        "project": str(image.project_id) if image.project_id else None,
        "collections": collections,
        "tags": list(image.tags or []),
        "favourite": image.is_favorite,
        "rating": image.rating,
        "title": image.title,
        "notes": image.notes,
        "parent": str(image.parent_image_id) if image.parent_image_id else None,
        "missing": False,
    }


def build_manifest(user, images: list[dict[str, Any]], exported_at: datetime) -> dict[str, Any]:
    projects = [_project_row(p) for p in owned_projects(user)]
    collections = [_collection_row(c) for c in owned_collections(user).prefetch_related("entries")]
    prompts = _prompt_rows(user)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": exported_at.isoformat(),
        "account": {"email": user.email, "name": user.name, "created_at": _iso(user.created_at)},
        "counts": {
            "images": sum(1 for row in images if not row["missing"]),
            "missing_images": sum(1 for row in images if row["missing"]),
            "prompts": len(prompts),
            "projects": len(projects),
            "collections": len(collections),
        },
        "settings": settings_row(user),
        "projects": projects,
        "collections": collections,
        "prompts": prompts,
        "images": images,
    }


def settings_row(user) -> dict[str, Any]:
    row = settings_for(user)
    return {
        "default_model_id": row.default_model_id,
        "default_parameters": row.default_parameters,
        "theme": row.theme,
        "gallery_view_mode": row.gallery_view_mode,
        "notifications_enabled": row.notifications_enabled,
        "settings": row.settings,
    }


def _project_row(project: Project) -> dict[str, Any]:
    return {
        "id": str(project.pk),
        "name": project.name,
        "description": project.description,
        "notes": project.notes,
        "category": project.category,
        "tags": list(project.tags or []),
        "settings": project.settings,
        "is_archived": project.is_archived,
        "created_at": _iso(project.created_at),
    }


def _collection_row(collection: Collection) -> dict[str, Any]:
    entries = sorted(collection.entries.all(), key=lambda entry: (entry.position, str(entry.pk)))
    return {
        "id": str(collection.pk),
        "name": collection.name,
        "description": collection.description,
        "smart_filter": collection.filter_params,
        "images": [str(entry.image_id) for entry in entries],
        "created_at": _iso(collection.created_at),
    }


def _prompt_rows(user) -> list[dict[str, Any]]:
    favourites = set(PromptFavorite.objects.filter(user=user).values_list("prompt_id", flat=True))
    return [
        {
            "id": str(prompt.pk),
            "title": prompt.title,
            "prompt": prompt.prompt_text,
            "negative_prompt": prompt.negative_prompt,
            "category": prompt.category,
            "tags": list(prompt.tags or []),
            "favourite": prompt.pk in favourites,
            "created_at": _iso(prompt.created_at),
        }
        for prompt in owned_prompts(user)
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
