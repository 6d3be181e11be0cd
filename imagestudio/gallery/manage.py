"""Commands that manage images: favourite, rating, tags, title and notes, one image or many at once.

Callers check access first: `editable_image` / `editable_images` below ask `workspaces.access` (editing an
image needs its creator, outside projects, or an editor of its project's workspace). These functions then
enforce the data rules. Tags live twice: `Image.tags` (the display copy, in the user's order) and one
`ImageTag` row per tag (what filters and autocomplete read, through the (user, name) index); every writer
goes through `set_tags` or the bulk helpers here, which keep both in step.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.gallery.models import Image, ImageTag
from imagestudio.lib import tags as tags_rules
from imagestudio.workspaces.access import get_image_for, images_visible_to

MAX_TAGS = tags_rules.MAX_TAGS
MAX_TAG = tags_rules.MAX_TAG
MAX_TITLE = 200
MAX_NOTES = 10_000
MAX_BULK = 500
MAX_SUGGESTIONS = 20


class ManageError(ValueError):
    """Bad input, naming the field at fault (422 in the API, a form error on pages)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class Changed:
    """What a bulk action changed: the ids of the images it altered (those already so are left out)."""

    image_ids: list

    @property
    def count(self) -> int:
        return len(self.image_ids)


# -- access -----------------------------------------------------------------------------------------


def editable_image(user, image_id) -> Image:
    """The image if `user` may edit it; 404 for strangers, 403 for a workspace member whose role is too weak."""
    return get_image_for(user, image_id, "edit")


def clean_ids(ids: Iterable) -> list[uuid.UUID]:
    """Distinct image ids in the order given; 1 to MAX_BULK of them. Text that is no id at all is a 404."""
    unique: dict[uuid.UUID, None] = {}
    for value in ids:
        try:
            unique[value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))] = None
        except ValueError:
            raise Http404("No such image.") from None
        if len(unique) > MAX_BULK:
            raise ManageError("image_ids", gettext("At most %(max_bulk)s images at once.") % {"max_bulk": MAX_BULK})
    if not unique:
        raise ManageError("image_ids", gettext("Choose at least one image."))
    return list(unique)


def editable_images(user, ids: Iterable) -> list[Image]:
    """All of these images, in the order given, if `user` may edit every one; otherwise nothing changes and
    the first one out of reach answers: 404 when the user cannot see it at all, 403 when their role is too weak."""
    unique = clean_ids(ids)
    found = {image.pk: image for image in images_visible_to(user, "edit").filter(pk__in=unique)}
    missing = [image_id for image_id in unique if image_id not in found]
    if missing:
        get_image_for(user, missing[0], "edit")  # raises the 404 or 403 this id deserves
        raise Http404("No such image.")  # pragma: no cover - get_image_for raised
    return [found[image_id] for image_id in unique]


# -- favourite and rating ---------------------------------------------------------------------------


def set_favorite(image: Image, value: bool, *, by=None) -> Image:
    if image.is_favorite != value:
        image.is_favorite = bool(value)
        image.save(update_fields=["is_favorite", "updated_at"])
    return image


def toggle_favorite(image: Image, *, by=None) -> Image:
    return set_favorite(image, not image.is_favorite, by=by)


def clean_rating(value: object) -> int | None:
    """1 to 5 stars, or None (0, "" and null clear the rating)."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, bool):
        raise ManageError("rating", gettext("A rating is a whole number from 1 to 5, or null to clear it."))
    try:
        rating = int(str(value).strip())
    except ValueError:
        raise ManageError("rating", gettext("A rating is a whole number from 1 to 5, or null to clear it.")) from None
    if rating == 0:
        return None
    if not 1 <= rating <= 5:
        raise ManageError("rating", gettext("A rating is from 1 to 5 stars (0 or null clears it)."))
    return rating


def set_rating(image: Image, value: object, *, by=None) -> Image:
    rating = clean_rating(value)
    if image.rating != rating:
        image.rating = rating
        image.save(update_fields=["rating", "updated_at"])
    return image


def bulk_favorite(images: Sequence[Image], value: bool, *, by=None) -> Changed:
    ids = [image.pk for image in images if image.is_favorite != value]
    if ids:
        Image.objects.filter(pk__in=ids).update(is_favorite=value, updated_at=timezone.now())
    return Changed(image_ids=ids)


# -- title and notes --------------------------------------------------------------------------------


def clean_title(value: object) -> str:
    text = " ".join(str(value or "").split())
    _refuse_nul("title", text)
    if len(text) > MAX_TITLE:
        raise ManageError("title", gettext("A title is at most %(max_title)s characters.") % {"max_title": MAX_TITLE})
    return text


def clean_notes(value: object) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    _refuse_nul("notes", text)
    if len(text) > MAX_NOTES:
        raise ManageError("notes", gettext("Notes are at most %(max)s characters.") % {"max": format(MAX_NOTES, ",")})
    return text


def _refuse_nul(field: str, text: str) -> None:
    if "\x00" in text:
        raise ManageError(field, gettext("Text must not contain NUL characters."))


def update_details(image: Image, *, title: object = None, notes: object = None, by=None) -> Image:
    """Set the title and/or notes (None leaves a field as it is; "" clears it)."""
    changed = []
    if title is not None:
        image.title = clean_title(title)
        changed.append("title")
    if notes is not None:
        image.notes = clean_notes(notes)
        changed.append("notes")
    if changed:
        image.save(update_fields=[*changed, "updated_at"])
    return image


# -- tags -------------------------------------------------------------------------------------------


def clean_tag(value: object) -> str:
    """One tag by the shared rules (imagestudio.lib.tags), as a ManageError on the field `tags`."""
    try:
        return tags_rules.clean_tag(value)
    except tags_rules.TagError as exc:
        raise ManageError("tags", exc.message) from None


def clean_tags(names: object) -> list[str]:
    """Tags by the shared rules (imagestudio.lib.tags), as a ManageError on the field `tags`."""
    try:
        return tags_rules.clean_tags(names)
    except tags_rules.TagError as exc:
        raise ManageError("tags", exc.message) from None


def set_tags(image: Image, names: object, by=None) -> Image:
    """Replace the image's tags: `Image.tags` and its `ImageTag` rows change together, in one transaction."""
    tags = clean_tags(names)
    with transaction.atomic():
        _write_tags({image.pk: (image, tags)})
    image.tags = tags
    return image


def add_tags(images: Sequence[Image], names: object, *, by=None) -> Changed:
    """Add tags to every image (those it already has are kept); refused whole if any image would pass MAX_TAGS."""
    new = clean_tags(names)
    if not new:
        raise ManageError("tags", gettext("Name at least one tag."))
    plans = {}
    for image in images:
        current = list(image.tags or [])
        merged = current + [name for name in new if name not in current]
        if len(merged) > MAX_TAGS:
            raise ManageError(
                "tags",
                gettext("An image has at most %(max_tags)s tags; one of these would have %(count)s.")
                % {"max_tags": MAX_TAGS, "count": len(merged)},
            )
        if merged != current:
            plans[image.pk] = (image, merged)
    with transaction.atomic():
        _write_tags(plans)
    return Changed(image_ids=list(plans))


def remove_tags(images: Sequence[Image], names: object, *, by=None) -> Changed:
    gone = clean_tags(names)
    if not gone:
        raise ManageError("tags", gettext("Name at least one tag."))
    plans = {}
    for image in images:
        current = list(image.tags or [])
        kept = [name for name in current if name not in gone]
        if kept != current:
            plans[image.pk] = (image, kept)
    with transaction.atomic():
        _write_tags(plans)
    return Changed(image_ids=list(plans))


def _write_tags(plans: dict) -> None:
    """Write `{pk: (image, tags)}`: the display copies, then the rows (deleted where gone, created where new)."""
    if not plans:
        return
    now = timezone.now()
    images = []
    for image, tags in plans.values():
        image.tags, image.updated_at = tags, now
        images.append(image)
    Image.objects.bulk_update(images, ["tags", "updated_at"], batch_size=500)
    existing: dict = {}
    for image_id, name in ImageTag.objects.filter(image_id__in=list(plans)).values_list("image_id", "name"):
        existing.setdefault(image_id, set()).add(name)
    stale: list[tuple] = []
    fresh: list[ImageTag] = []
    for pk, (image, tags) in plans.items():
        have = existing.get(pk, set())
        stale.extend((pk, name) for name in have - set(tags))
        fresh.extend(ImageTag(image_id=pk, user_id=image.user_id, name=name) for name in tags if name not in have)
    for pk, name in stale:  # few per call: a bulk removal names few tags
        ImageTag.objects.filter(image_id=pk, name=name).delete()
    ImageTag.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)


def suggest_tags(user, prefix: str = "", limit: int = 10) -> list[dict]:
    """The user's most used tags starting with `prefix` (most used first, then by name).

    A range on `name` (prefix ≤ name < prefix + U+10FFFF) lets both databases read the (user, name) index;
    the `startswith` beside it keeps the answer exact whatever the collation.
    """
    prefix = " ".join(str(prefix or "").split()).lower()[:MAX_TAG]
    limit = max(1, min(limit, MAX_SUGGESTIONS))
    rows = ImageTag.objects.filter(user=user)
    if prefix:
        rows = rows.filter(name__gte=prefix, name__lt=prefix + "\U0010ffff", name__startswith=prefix)
    counted = rows.values("name").annotate(count=Count("id")).order_by("-count", "name")[:limit]
    return [{"name": row["name"], "count": row["count"]} for row in counted]
