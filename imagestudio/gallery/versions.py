"""Versions: images sharing a lineage root are one image's versions (the root itself included).

An original's `lineage_root` is NULL or itself; a derived image points at the first image of its lineage.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet

from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import Page, paginate_keyset
from imagestudio.workspaces.access import images_visible_to

STRIP_LIMIT = 12
PAGE_LIMIT = 50
LINEAGE_LIMIT = 2000  # images of one lineage read for its tree; beyond that the answer says `truncated`


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


@dataclass(frozen=True)
class LineageNode:
    image: Image
    distance: int  # steps from the image asked about: 1 = its parent or its child

    @property
    def parent_id(self) -> UUID | None:
        return self.image.parent_image_id

    @property
    def created_at(self) -> datetime:
        return self.image.created_at


@dataclass(frozen=True)
class Lineage:
    root_id: UUID
    ancestors: list[LineageNode]  # the root first, the parent last
    descendants: list[LineageNode]  # breadth first: children, then grandchildren, …
    truncated: bool  # the lineage is larger than LINEAGE_LIMIT: some far relatives are left out


def lineage(user, image: Image) -> Lineage:
    """`image`'s ancestors and descendants among the images `user` may see: one query over its lineage.

    A relative the user may not see (or in the trash) ends its branch: what lies beyond is not shown."""
    rows = list(
        versions_of(user, image)
        .select_related(None)
        .only("id", "parent_image_id", "job_id", "operation", "parameters", "created_at", "width", "height", "prompt")[
            : LINEAGE_LIMIT + 1
        ]
    )
    truncated = len(rows) > LINEAGE_LIMIT
    by_id = {row.pk: row for row in rows[:LINEAGE_LIMIT]}
    ancestors: list[LineageNode] = []
    parent_id = image.parent_image_id
    while parent_id in by_id and len(ancestors) < LINEAGE_LIMIT:
        ancestors.append(LineageNode(by_id[parent_id], len(ancestors) + 1))
        parent_id = by_id[parent_id].parent_image_id
    children: dict[UUID, list[Image]] = {}
    for row in by_id.values():
        if row.parent_image_id is not None:
            children.setdefault(row.parent_image_id, []).append(row)
    descendants: list[LineageNode] = []
    waiting = deque([(image.pk, 0)])
    seen = {image.pk}
    while waiting:
        image_id, distance = waiting.popleft()
        for child in children.get(image_id, []):
            if child.pk not in seen:
                seen.add(child.pk)
                descendants.append(LineageNode(child, distance + 1))
                waiting.append((child.pk, distance + 1))
    return Lineage(root_id(image), ancestors[::-1], descendants, truncated)


@dataclass(frozen=True)
class TreeRow:
    image: Image
    depth: int  # indentation: the root is 0
    current: bool  # the image the page is about


def tree_rows(tree: Lineage, image: Image) -> list[TreeRow]:
    """The lineage as an indented list: ancestors root first, the image, then its descendants depth first
    (each child right under its parent, siblings oldest first)."""
    rows = [TreeRow(node.image, depth, False) for depth, node in enumerate(tree.ancestors)]
    base = len(rows)
    rows.append(TreeRow(image, base, True))
    children: dict[UUID, list[Image]] = {}
    for node in tree.descendants:
        children.setdefault(node.image.parent_image_id, []).append(node.image)  # type: ignore[arg-type]
    stack = [(child, base + 1) for child in reversed(children.get(image.pk, []))]
    while stack:
        child, depth = stack.pop()
        rows.append(TreeRow(child, depth, False))
        stack.extend((grandchild, depth + 1) for grandchild in reversed(children.get(child.pk, [])))
    return rows


OPERATION_LABELS = {"generate": "Generated", "variation": "Variation", "import": "Imported", "upscale": "Upscaled"}


def operation_label(operation: str) -> str:
    return OPERATION_LABELS.get(operation, operation.replace("-", " ").replace("_", " ").capitalize())
