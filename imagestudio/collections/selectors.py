"""Reads for collections: lists and image pages (keyset-paginated, a constant number of queries per page)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, UUIDField
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from imagestudio.collections.models import Collection, CollectionImage
from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import BadCursor, Page, paginate_keyset
from imagestudio.workspaces.access import collections_visible_to, workspace_ids

PAGE_SIZE = 24
IMAGES_PER_PAGE = 60
SMART_LIMIT = 200  # a smart collection's page shows its first matches; the gallery link shows them all
ADD_TARGETS = 100


def _entries(collection: Collection) -> QuerySet[CollectionImage]:
    return CollectionImage.objects.filter(collection=collection, image__deleted_at__isnull=True)


def with_image_count(collections: QuerySet[Collection]) -> QuerySet[Collection]:
    """Annotate `image_count` (live images in manual collections) and `first_image_id` (the default cover)."""
    live = CollectionImage.objects.filter(collection=OuterRef("pk"), image__deleted_at__isnull=True).order_by()
    count = live.values("collection").annotate(n=Count("pk")).values("n")
    first = live.order_by("position", "id").values("image_id")[:1]
    return collections.annotate(
        image_count=Coalesce(Subquery(count, output_field=IntegerField()), 0),
        first_image_id=Subquery(first, output_field=UUIDField()),
    )


def attach_covers(collections: list[Collection]) -> list[Collection]:
    """Set `cover` on each: the chosen cover while it is alive, else its first image (one query for all)."""
    fallback_ids = [first for c in collections if (first := getattr(c, "first_image_id", None))]
    fallbacks = {image.pk: image for image in Image.objects.alive().filter(pk__in=fallback_ids)} if fallback_ids else {}
    for collection in collections:
        chosen = collection.cover_image
        if chosen is None or chosen.deleted_at is not None:
            chosen = fallbacks.get(getattr(collection, "first_image_id", None))  # type: ignore[arg-type]
        collection.cover = chosen  # type: ignore[attr-defined]
    return collections


def collections_of(user, *, workspace_id=None, q: str = "", editable: bool = False) -> QuerySet[Collection]:
    """Collections the user may see (or, `editable`, fill: manual ones where they are an editor), matching
    every word of `q` in the name or description."""
    collections = collections_visible_to(user, "edit" if editable else "view")
    if editable:
        collections = collections.filter(filter_params__isnull=True)
    if workspace_id is not None:
        collections = collections.filter(workspace_id=workspace_id)
    for word in q.split()[:8]:
        collections = collections.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return collections


def collections_page(
    user, *, workspace_id=None, q: str = "", editable: bool = False, cursor=None, limit: int = PAGE_SIZE
) -> Page:
    """Most recently changed first; every card's count and cover included (three queries per page)."""
    collections = collections_of(user, workspace_id=workspace_id, q=q, editable=editable)
    page = paginate_keyset(with_image_count(collections.select_related("cover_image")), cursor, limit, "-updated_at")
    attach_covers(page.items)
    return page


def add_targets(user, workspace_id) -> list[Collection]:
    """Manual collections of a workspace `user` may add images to, most recently changed first (one query):
    the choices of the gallery's "Add to collection"."""
    return list(
        Collection.objects.filter(
            workspace_id=workspace_id, workspace_id__in=workspace_ids(user, "edit"), filter_params__isnull=True
        )
        .only("id", "name", "workspace_id")
        .order_by("-updated_at", "-id")[:ADD_TARGETS]
    )


# -- the images of a collection ----------------------------------------------------------------------


def _encode(position: int, pk) -> str:
    return base64.urlsafe_b64encode(json.dumps([position, str(pk)]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, str]:
    try:
        position, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not isinstance(position, int) or isinstance(position, bool):
            raise ValueError("cursor position is not a number")
        return position, str(uuid.UUID(pk))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor(gettext("That page link is invalid or expired; start from the first page.")) from exc


def images_page(collection: Collection, cursor: str | None = None, limit: int = IMAGES_PER_PAGE) -> Page:
    """A manual collection's live images in their order, `limit` at a time (keyset on position, id).
    Each image carries its `position`."""
    entries = _entries(collection).select_related("image__model").order_by("position", "id")
    if cursor:
        position, pk = _decode(cursor)
        entries = entries.filter(Q(position__gt=position) | Q(position=position, id__gt=pk))
    rows = list(entries[: limit + 1])
    images = []
    for entry in rows[:limit]:
        entry.image.position = entry.position  # type: ignore[attr-defined]
        images.append(entry.image)
    next_cursor = _encode(rows[limit - 1].position, rows[limit - 1].pk) if len(rows) > limit else None
    return Page(items=images, next_cursor=next_cursor)


def ordered_images(collection: Collection) -> QuerySet[Image]:
    """A manual collection's live images as an Image queryset, in the collection's order (one join)."""
    return (
        Image.objects.alive()
        .filter(collection_entries__collection=collection)
        .order_by("collection_entries__position", "collection_entries__id")
        .select_related("model")
    )


def image_count(collection: Collection) -> int:
    """Live images in a manual collection."""
    return _entries(collection).count()


def in_collection(collection: Collection, image_id) -> bool:
    return _entries(collection).filter(image_id=image_id).exists()


def image_ids_in(collection_id) -> QuerySet:
    """Ids of the images in a manual collection (a subquery: use with `__in`). For the gallery's `collection`
    filter, which has already limited images to what the user may see. Unknown or bad ids: none."""
    try:
        collection_id = uuid.UUID(str(collection_id))
    except ValueError:
        return CollectionImage.objects.none().values("image_id")
    return CollectionImage.objects.filter(collection_id=collection_id).values("image_id")


# -- smart collections --------------------------------------------------------------------------------


def workspace_scope(collection: Collection) -> Q:
    """The images that belong to the collection's workspace: those in its projects, and for a personal
    workspace also its owner's images outside any project."""
    scope = Q(project__workspace_id=collection.workspace_id)
    workspace = collection.workspace
    if workspace.is_personal:
        scope |= Q(project__isnull=True, user_id=workspace.owner_id)
    return scope


def smart_images(collection: Collection, user) -> QuerySet[Image]:
    """What a smart collection's saved filter finds among its workspace's images that `user` may see, in the
    filter's sort."""
    from imagestudio.gallery.filters import filtered_images, parse_filters

    return filtered_images(user, parse_filters(collection.filter_params or {})).filter(workspace_scope(collection))


def collection_images(collection: Collection, user) -> QuerySet[Image]:
    """The images a collection shows to `user`: its own in order, or (smart) its filter's matches."""
    return smart_images(collection, user) if collection.is_smart else ordered_images(collection)


def shared_collection_images(collection: Collection, sharer) -> QuerySet[Image]:
    """What a share link (or the public page) of the collection shows: a smart one as `sharer` sees it."""
    return collection_images(collection, sharer)
