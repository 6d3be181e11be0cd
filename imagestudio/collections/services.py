"""Commands on collections. Callers check access first (`workspaces.access`); these enforce the data rules.

Positions: an added image goes to the end (max + 1), computed inside a transaction that first locks the
collection's row, so two people adding at once never share a position. A reorder only permutes the
positions the listed images already hold, so it cannot collide with an add that ran meanwhile, and it is
one UPDATE whatever the number of images.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.collections.models import Collection, CollectionImage
from imagestudio.demo.access import refuse
from imagestudio.events.services import record
from imagestudio.gallery.models import Image
from imagestudio.workspaces.models import Workspace

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_ADD = 1000
MAX_REORDER = 5000
MAX_FILTER_KEYS = 30
# Paging is not part of what a smart collection is.
IGNORED_FILTER_KEYS = {"cursor", "limit", "page", "view"}


class CollectionError(ValueError):
    """Bad input for a collection, naming the field at fault (422 in the API, a form error on pages)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def clean_name(name: object) -> str:
    text = " ".join(str(name or "").split())
    if not text:
        raise CollectionError("name", gettext("Give the collection a name."))
    if len(text) > MAX_NAME:
        raise CollectionError("name", gettext("Names are at most %(max)s characters.") % {"max": MAX_NAME})
    return text


def clean_description(text: object) -> str:
    cleaned = str(text or "").strip()
    if len(cleaned) > MAX_DESCRIPTION:
        raise CollectionError(
            "description",
            gettext("Descriptions are at most %(max)s characters.") % {"max": format(MAX_DESCRIPTION, ",")},
        )
    return cleaned


def clean_filter(params: object) -> dict[str, str | list[str]]:
    """A smart collection's saved filter: the gallery's query parameters, checked by the gallery's own parser."""
    if not isinstance(params, Mapping):
        raise CollectionError(
            "filter", gettext("A smart collection's filter is an object of gallery query parameters.")
        )
    cleaned: dict[str, str | list[str]] = {}
    for key, value in params.items():
        if not isinstance(key, str) or key in IGNORED_FILTER_KEYS:
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        if isinstance(value, list | tuple):
            items = [str(item) for item in value if item not in (None, "")]
            if items:
                cleaned[key] = items
        elif value not in (None, ""):
            cleaned[key] = str(value)
    if len(cleaned) > MAX_FILTER_KEYS:
        raise CollectionError("filter", gettext("That filter has too many parameters."))
    from imagestudio.gallery.filters import parse_filters

    try:
        parse_filters(cleaned)
    except ValueError as exc:  # the gallery's FilterError(field, message)
        field = getattr(exc, "field", "") or ""
        raise CollectionError(f"filter.{field}" if field else "filter", getattr(exc, "message", str(exc))) from exc
    return cleaned


def create_collection(
    *,
    workspace: Workspace,
    user,
    name: object,
    description: object = "",
    is_public: bool = False,
    filter_params: object = None,
) -> Collection:
    """A new collection; with `filter_params` (even empty: every image) a smart one."""
    if is_public:
        refuse(user, "publish")
    fields = {
        "name": clean_name(name),
        "description": clean_description(description),
        "is_public": bool(is_public),
        "filter_params": None if filter_params is None else clean_filter(filter_params),
    }
    with transaction.atomic():
        collection = Collection.objects.create(workspace=workspace, created_by=user, **fields)
        record(
            actor=user,
            verb="collection.created",
            target=collection,
            workspace_id=workspace.pk,
            data={"collection": collection.name, "smart": collection.is_smart},
        )
    return collection


_UNSET = object()


def update_collection(
    collection: Collection,
    *,
    name: object = _UNSET,
    description: object = _UNSET,
    is_public: object = _UNSET,
    filter_params: object = _UNSET,
) -> Collection:
    """Change the fields given (all checked before any is saved)."""
    changed: dict = {}
    if name is not _UNSET:
        changed["name"] = clean_name(name)
    if description is not _UNSET:
        changed["description"] = clean_description(description)
    if is_public is not _UNSET:
        if is_public:
            refuse(collection.created_by, "publish")
        changed["is_public"] = bool(is_public)
    if filter_params is not _UNSET:
        if not collection.is_smart:
            raise CollectionError(
                "filter", gettext("Only a smart collection has a filter; this one holds chosen images.")
            )
        changed["filter_params"] = clean_filter(filter_params)
    for field, value in changed.items():
        setattr(collection, field, value)
    if changed:
        collection.save(update_fields=[*changed, "updated_at"])
    return collection


def set_cover(collection: Collection, image: Image | None) -> None:
    """`image` (one of the collection's, the caller checked) as the cover; None: back to the first image."""
    collection.cover_image = image
    collection.save(update_fields=["cover_image", "updated_at"])


@dataclass
class Added:
    added: int
    already: int


def _lock(collection: Collection) -> None:
    """Take the collection's row lock (PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers)."""
    list(Collection.objects.select_for_update().filter(pk=collection.pk).values_list("pk"))


def add_images(collection: Collection, images: Iterable[Image], *, by) -> Added:
    """Append `images` (already access-checked) at the end, in the order given; ones already in are skipped."""
    if collection.is_smart:
        raise CollectionError(
            "image_ids", gettext("A smart collection fills itself from its filter; images can't be added.")
        )
    ids = list(dict.fromkeys(image.pk for image in images))
    if len(ids) > MAX_ADD:
        raise CollectionError("image_ids", gettext("Add at most %(max)s images at once.") % {"max": MAX_ADD})
    with transaction.atomic():
        _lock(collection)
        entries = CollectionImage.objects.filter(collection=collection)
        present = set(entries.filter(image_id__in=ids).values_list("image_id", flat=True))
        top = entries.aggregate(top=Max("position"))["top"]
        start = 0 if top is None else top + 1
        new = [image_id for image_id in ids if image_id not in present]
        CollectionImage.objects.bulk_create(
            [
                CollectionImage(collection=collection, image_id=image_id, position=start + offset, added_by=by)
                for offset, image_id in enumerate(new)
            ],
            ignore_conflicts=True,  # belt and braces: the unique constraint keeps an image in once
        )
        if new:
            Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
            record(
                actor=by,
                verb="collection.images_added",
                target=collection,
                workspace_id=collection.workspace_id,
                data={"collection": collection.name, "count": len(new)},
            )
    return Added(added=len(new), already=len(ids) - len(new))


def remove_image(collection: Collection, image_id) -> bool:
    """Take an image out of the collection (the image itself stays). False when it was not in it."""
    with transaction.atomic():
        deleted, _ = CollectionImage.objects.filter(collection=collection, image_id=image_id).delete()
        if deleted:
            touched: dict = {"updated_at": timezone.now()}
            if collection.cover_image_id == image_id:
                touched["cover_image"] = None
                collection.cover_image = None
            Collection.objects.filter(pk=collection.pk).update(**touched)
    return bool(deleted)


def reorder(collection: Collection, image_ids: list) -> int:
    """Put the listed images in this order. They take the positions they held between them, so a page can
    send only the images it shows; the others keep their places. Returns how many moved."""
    if collection.is_smart:
        raise CollectionError("image_ids", gettext("A smart collection is ordered by its filter's sort."))
    ids = [str(image_id) for image_id in image_ids]
    if len(set(ids)) != len(ids):
        raise CollectionError("image_ids", gettext("Each image may appear only once in the new order."))
    if len(ids) > MAX_REORDER:
        raise CollectionError("image_ids", gettext("Reorder at most %(max)s images at once.") % {"max": MAX_REORDER})
    with transaction.atomic():
        _lock(collection)
        entries = {
            str(entry.image_id): entry
            for entry in CollectionImage.objects.filter(collection=collection, image_id__in=ids).only(
                "id", "image_id", "position"
            )
        }
        if len(entries) != len(ids):
            raise CollectionError(
                "image_ids",
                gettext("Some of those images are not in this collection (any more). Reload and try again."),
            )
        slots = sorted(entry.position for entry in entries.values())
        moved = []
        for slot, image_id in zip(slots, ids, strict=True):
            entry = entries[image_id]
            if entry.position != slot:
                entry.position = slot
                moved.append(entry)
        if moved:
            CollectionImage.objects.bulk_update(moved, ["position"], batch_size=MAX_REORDER)
            Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
    return len(moved)


def delete_collection(collection: Collection, *, by) -> None:
    """Delete the collection, its order and its share links; the images stay where they are."""
    with transaction.atomic():
        record(
            actor=by,
            verb="collection.deleted",
            target=collection,
            workspace_id=collection.workspace_id,
            data={"collection": collection.name},
        )
        collection.delete()
