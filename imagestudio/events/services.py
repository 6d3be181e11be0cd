"""Recording events and telling the people they concern."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model
from django.utils import timezone

from imagestudio.events.models import Event, Notification
from imagestudio.preferences.services import muted

# Why someone is told -> the notification type they can turn off in Settings › Notifications.
REASON_TYPES = {"mention": "mention", "owner": "comment", "review": "comment", "joined": "invitation"}


def record(
    *,
    actor,
    verb: str,
    target: Model,
    workspace_id=None,
    project_id=None,
    data: dict | None = None,
    notify: Iterable = (),
) -> Event:
    """Write the event (inside the caller's transaction) and a notification per (user, reason) in `notify`.

    `notify` holds (user, reason) pairs; the actor is never notified of their own act, nor anyone who turned
    that reason's type off for the in-app channel (one query for all of them).
    """
    event = Event.objects.create(
        actor=actor,
        verb=verb,
        target_type=target._meta.model_name or "",
        target_id=str(target.pk),
        workspace_id=workspace_id,
        project_id=project_id,
        data=data or {},
    )
    pairs = [(user, reason) for user, reason in notify if user.pk != getattr(actor, "pk", None)]
    typed = {(user.pk, REASON_TYPES[reason]) for user, reason in pairs if reason in REASON_TYPES}
    unwanted = muted(typed, "in_app") if typed else set()
    seen = set()
    rows = []
    for user, reason in pairs:  # one per user: the first reason they still want (a muted mention falls back)
        if user.pk in seen or (user.pk, REASON_TYPES.get(reason)) in unwanted:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, event=event, reason=reason))
    Notification.objects.bulk_create(rows)
    return event


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
