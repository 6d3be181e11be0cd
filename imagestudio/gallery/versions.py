"""Versions: images sharing a lineage root are one image's versions (the root itself included).

An original's `lineage_root` is NULL or itself; a derived image points at the first image of its lineage.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import Page, paginate_keyset
from imagestudio.workspaces.access import images_visible_to

STRIP_LIMIT = 12
PAGE_LIMIT = 50


def root_id(image: Image):
    """The id of the image's lineage root (its own id for an original)."""
    return image.lineage_root_id or image.pk


def versions_of(user, image: Image) -> QuerySet[Image]:
    """Live versions of `image` that `user` may see, oldest first (the root, then each later version).

    One indexed query: `lineage_root_id = root` or `id = root` (the root whose own column is NULL)."""
    root = root_id(image)
    return (
        images_visible_to(user)
        .filter(Q(lineage_root_id=root) | Q(pk=root))
        .select_related("model")
        .order_by("created_at", "id")
    )


def versions_page(user, image: Image, cursor: str | None = None, limit: int = PAGE_LIMIT) -> Page:
    """Keyset pages of `versions_of`, oldest first."""
    return paginate_keyset(versions_of(user, image), cursor, limit, "created_at")


def strip(user, image: Image, limit: int = STRIP_LIMIT) -> dict:
    """What the versions strip shows: up to `limit` versions around `image` (always included), oldest
    first, with the total and `image`'s position. Three small keyset queries whatever the lineage size."""
    queryset = versions_of(user, image)
    total = queryset.count()
    earlier = Q(created_at__lt=image.created_at) | Q(created_at=image.created_at, id__lt=image.pk)
    n_before = queryset.filter(earlier).count() if total > 1 else 0
    before = list(queryset.filter(earlier).order_by("-created_at", "-id")[: limit // 2])[::-1] if total > 1 else []
    after = list(queryset.exclude(earlier)[: limit - len(before)]) if total > 1 else []
    return {
        "items": before + after,
        "total": total,
        "position": n_before + 1,
        "root_id": root_id(image),
    }
