"""Data retention: users who opted in (`settings["retention_days"]` = N) have their images older than N days
moved to the trash by the worker; the trash's own purge deletes them for good later.

Favourites are exempt, and so are images in team workspaces' projects (one member's preference must not
trash the team's work). Moving uses `gallery.trash.soft_delete`, the one delete, so a moved image can be
restored like any other. Runs are bounded (PER_RUN images) and idempotent: a trashed image no longer
matches.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from imagestudio.gallery.models import Image
from imagestudio.gallery.trash import soft_delete
from imagestudio.preferences.models import UserSettings
from imagestudio.workspaces.models import Workspace

log = logging.getLogger(__name__)
PER_RUN = 500  # images moved per run at most; a full run asks for the next one at once
USERS_PER_QUERY = 500  # user ids in one IN (...) list
RUN_EVERY = timedelta(minutes=15)

_next_run: datetime | None = None


def due_images(user_ids, days: int, now: datetime) -> QuerySet[Image]:
    """The images retention would move now for these users keeping images `days` days, oldest first."""
    own_space = Q(project__isnull=True) | Q(
        project__workspace__kind=Workspace.Kind.PERSONAL, project__workspace__owner_id=F("user_id")
    )
    return (
        Image.objects.filter(
            user_id__in=user_ids,
            deleted_at__isnull=True,
            is_favorite=False,
            created_at__lt=now - timedelta(days=days),
        )
        .filter(own_space)
        .order_by("created_at", "id")
    )


PREVIEW_CAP = 10_000  # the preview counts this far (a library of 100,000 images is not counted row by row)


def preview_count(user, days: int, now: datetime | None = None, cap: int | None = None) -> int:
    """How many of `user`'s images a retention of `days` days would move to the trash right now, counting at
    most `cap` + 1 (so more than `cap` reads as "more than cap")."""
    cap = PREVIEW_CAP if cap is None else cap
    return due_images([user.pk], days, now or timezone.now()).order_by()[: cap + 1].count()


def _opted_in() -> dict[int, list]:
    """days -> ids of the users keeping images that many days."""
    groups: dict[int, list] = defaultdict(list)
    rows = UserSettings.objects.filter(settings__has_key="retention_days").values_list("user_id", "settings")
    for user_id, blob in rows.order_by("user_id").iterator():
        days = (blob or {}).get("retention_days")
        if isinstance(days, int) and not isinstance(days, bool) and days >= 1:
            groups[days].append(user_id)
    return groups


def apply_retention(*, now: datetime | None = None, limit: int = PER_RUN) -> int:
    """Move up to `limit` due images of opted-in users to the trash. Returns how many moved."""
    now = now or timezone.now()
    moved = 0
    for days, user_ids in sorted(_opted_in().items()):
        for start in range(0, len(user_ids), USERS_PER_QUERY):
            if moved >= limit:
                return moved
            chunk = user_ids[start : start + USERS_PER_QUERY]
            images = list(due_images(chunk, days, now).only("id", "deleted_at")[: limit - moved])
            moved += len(soft_delete(images))
    return moved


def sweep(now: datetime | None = None) -> int:
    """The worker heartbeat's call: apply retention every RUN_EVERY, or at once again after a full run
    (a backlog drains PER_RUN images per heartbeat)."""
    global _next_run
    now = now or timezone.now()
    if _next_run is not None and now < _next_run:
        return 0
    moved = apply_retention(now=now, limit=PER_RUN)
    if moved:
        log.info("Retention moved %d images to the trash", moved)
    _next_run = now if moved >= PER_RUN else now + RUN_EVERY
    return moved
