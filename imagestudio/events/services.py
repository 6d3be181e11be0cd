"""Recording events and telling the people they concern."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model
from django.utils import timezone

from imagestudio.events.models import Event, Notification


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

    `notify` holds (user, reason) pairs; the actor is never notified of their own act.
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
    seen = set()
    rows = []
    for user, reason in notify:
        if user.pk == getattr(actor, "pk", None) or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, event=event, reason=reason))
    Notification.objects.bulk_create(rows)
    return event


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
