"""The trash: deleting an image is soft (`deleted_at`), it can be restored, and after TRASH_RETENTION_DAYS it
is purged for good — the row, and its original, thumbnail and renditions in storage.

`soft_delete` is the one delete. Files are shared between image rows when a project was duplicated with its
images, so a purge removes a file only when no remaining row refers to it, and only after the rows' deletion
has committed (a rolled-back purge never loses a file).

Who may do what, asked of `workspaces.access`: trashing and restoring need edit rights (the creator outside
projects, an editor of the project's workspace); deleting for good needs the creator outside projects, or an
admin of the workspace — the same rule as deleting a project.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from imagestudio.gallery import renditions
from imagestudio.gallery.manage import clean_ids
from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import Page, paginate_keyset_parts
from imagestudio.projects.models import Project
from imagestudio.workspaces.access import Action, Forbidden, allows, role_in, workspace_ids

log = logging.getLogger(__name__)
PURGE_BATCH = 500
DEFAULT_RETENTION_DAYS = 30


def retention_days() -> int:
    return int(getattr(settings, "TRASH_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_after(image: Image) -> datetime | None:
    """When the automatic purge will delete this trashed image for good."""
    return image.deleted_at + timedelta(days=retention_days()) if image.deleted_at else None


def days_left(image: Image, now: datetime | None = None) -> int:
    """Days until the purge, counting a part day as one (1 on its last day, 0 once it is due)."""
    when = purge_after(image)
    if when is None:
        return retention_days()
    return max(0, math.ceil((when - (now or timezone.now())).total_seconds() / 86_400))


# -- access to trashed images (workspaces.access answers for live ones) ----------------------------


def trashed_for(user, action: Action = "edit") -> QuerySet[Image]:
    """Trashed images the user may act on: their own outside projects, and those in projects of workspaces
    where their role allows `action` (the same reach as `access.images_visible_to`)."""
    if not getattr(user, "is_authenticated", False):
        return Image.objects.none()
    reach = Q(project__isnull=True, user=user) | Q(project__workspace_id__in=workspace_ids(user, action))
    return Image.objects.filter(deleted_at__isnull=False).filter(reach)


def trashed_parts(user, action: Action = "edit") -> list[QuerySet[Image]]:
    """`trashed_for` as two disjoint parts, each read through an index of its own (no OR across a join, which
    at a million rows cost ~10 ms a query): the user's own outside projects (`images_user_trashed`), and
    those in projects of the workspaces `action` reaches (`images_project_trashed`)."""
    if not getattr(user, "is_authenticated", False):
        return []
    trashed = Image.objects.filter(deleted_at__isnull=False)
    projects = Project.objects.filter(workspace_id__in=workspace_ids(user, action)).values("id")
    return [trashed.filter(user=user, project__isnull=True), trashed.filter(project_id__in=projects)]


def trashed_count(user, action: Action = "edit") -> int:
    return sum(part.count() for part in trashed_parts(user, action))


def get_trashed_for(user, image_id, action: Action = "edit") -> Image:
    """A trashed image `user` may act on; 404 for strangers (and for live images), 403 for a weak role."""
    missing = "No such image in the trash."
    if not getattr(user, "is_authenticated", False):
        raise Http404(missing)
    try:
        image = Image.objects.select_related("project").get(pk=image_id, deleted_at__isnull=False)
    except (Image.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404(missing) from None
    if image.project is None:
        if image.user_id != user.pk:
            raise Http404(missing)
        return image
    role = role_in(user, image.project.workspace_id)
    if role is None:
        raise Http404(missing)
    if not allows(role, action):
        raise Forbidden(action, role)
    return image


def trashed_images_for(user, ids: Iterable, action: Action = "edit") -> list[Image]:
    """All of these trashed images if the user may act on every one (else the first out of reach answers)."""
    unique = clean_ids(ids)
    found = {image.pk: image for image in trashed_for(user, action).filter(pk__in=unique)}
    for image_id in unique:
        if image_id not in found:
            get_trashed_for(user, image_id, action)  # raises 404 or 403
            raise Http404("No such image in the trash.")  # pragma: no cover - it raised
    return [found[image_id] for image_id in unique]


def trash_page(user, cursor: str | None = None, limit: int = 40) -> Page:
    """The user's trash, most recently trashed first (keyset on deleted_at, id)."""
    rows = Image.objects.select_related("model")
    return paginate_keyset_parts(rows, trashed_parts(user, "edit"), cursor, limit, "-deleted_at")


# -- commands ---------------------------------------------------------------------------------------


def soft_delete(images: Sequence[Image], by=None) -> list:
    """Move live images to the trash. Returns the ids trashed (those already there are left alone)."""
    ids = [image.pk for image in images if image.deleted_at is None]
    if not ids:
        return []
    now = timezone.now()
    Image.objects.filter(pk__in=ids, deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
    for image in images:
        if image.pk in ids:
            image.deleted_at = now
    return ids


def restore(images: Sequence[Image], by=None) -> list:
    """Bring trashed images back to the gallery (and their projects, if those still exist)."""
    ids = [image.pk for image in images if image.deleted_at is not None]
    if ids:
        Image.objects.filter(pk__in=ids).update(deleted_at=None, updated_at=timezone.now())
        for image in images:
            image.deleted_at = None
    return ids


def delete_forever(images: Sequence[Image], by=None) -> int:
    """Delete trashed images for good: rows now, files once that has committed. Live images are refused."""
    if any(image.deleted_at is None for image in images):
        raise ValueError("Only images in the trash can be deleted for good.")
    return _purge([image.pk for image in images])


def empty_trash(user) -> int:
    """Delete for good everything in the user's trash they may delete (their own, and teams' they manage)."""
    deleted = 0
    queryset = trashed_for(user, "manage")
    while ids := list(queryset.values_list("pk", flat=True)[:PURGE_BATCH]):
        deleted += _purge(ids)
    return deleted


def purge_expired(now: datetime | None = None) -> int:
    """The periodic task (run daily by the worker): purge every image trashed more than TRASH_RETENTION_DAYS
    ago, with its files. Works in batches, so any backlog size runs in bounded memory."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    queryset = Image.objects.filter(deleted_at__lt=cutoff).order_by("deleted_at")
    purged = 0
    while ids := list(queryset.values_list("pk", flat=True)[:PURGE_BATCH]):
        purged += _purge(ids)
    if purged:
        log.info("Purged %d images trashed before %s", purged, cutoff.isoformat())
    return purged


# -- files ------------------------------------------------------------------------------------------


def _stored_names(image: Image) -> tuple[list[str], list[str]]:
    """(names other rows may share — original and thumbnail —, renditions that follow the original)."""
    shared = [name for name in (image.file.name, image.thumbnail.name) if name]
    extra = getattr(renditions, "rendition_names", None)  # srcset renditions, when the module names them
    derived = [name for name in (extra(image) if callable(extra) else []) if name and name not in shared]
    return shared, derived


def _purge(ids: list) -> int:
    """Delete these image rows, then (after commit) every file of theirs that no remaining row refers to."""
    images = list(Image.objects.filter(pk__in=ids).only("pk", "file", "thumbnail", "user_id", "metadata"))
    if not images:
        return 0
    names = {image.pk: _stored_names(image) for image in images}
    with transaction.atomic():
        Image.objects.filter(pk__in=[image.pk for image in images]).delete()
    candidates = {name for shared, _ in names.values() for name in shared}
    still_used = set(Image.objects.filter(file__in=candidates).values_list("file", flat=True))
    still_used |= set(Image.objects.filter(thumbnail__in=candidates).values_list("thumbnail", flat=True))
    doomed: list[str] = []
    for image in images:
        shared, derived = names[image.pk]
        doomed.extend(name for name in shared if name not in still_used)
        if image.file.name not in still_used:  # renditions live as long as their original
            doomed.extend(derived)
    transaction.on_commit(lambda: _delete_files(sorted(set(doomed))))
    return len(images)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # OSError on disk, ClientError on S3: one failure must not stop the rest
            log.warning("Could not delete %s from storage", name, exc_info=True)
