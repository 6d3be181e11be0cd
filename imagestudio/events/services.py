"""Recording events and telling the people they concern: in the app (Notification rows) and by email (an
outbox of EmailDelivery rows the worker sends after the commit)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone

from imagestudio.events.emails import send_event_emails_task
from imagestudio.events.models import EmailDelivery, Event, Notification
from imagestudio.preferences.services import NOTIFICATION_TYPES, muted_by_channel

# Why someone is told -> the notification type they can turn off in Settings › Notifications.
REASON_TYPES = {
    "mention": "mention",
    "owner": "comment",  # a comment on your image
    "review": "comment",  # a client's verdict on your review link
    "joined": "invitation",  # someone accepted your invitation
    "invited": "invitation",  # someone invited you to a team
    "shared": "share",  # someone made a share link for your project, image or collection
    "job_finished": "job_finished",
    "job_failed": "job_failed",
    "batch_done": "batch_done",
    "credits": "credits",
}
# Reasons whose service sends its own email (the invitation, with its secret link): no second email for them.
EMAILED_ELSEWHERE = frozenset({"invited"})


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
    """Write the event (inside the caller's transaction), a notification per (user, reason) in `notify`, and
    the emails owed for them (sent by the worker once the caller's transaction commits).

    `notify` holds (user, reason) pairs; the actor is never notified of their own act. Each person gets at
    most one notification and one email per event: the first of their reasons whose type they still want on
    that channel (a muted mention falls back to the comment on their image). One query reads everyone's wishes.
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
    if not pairs:
        return event
    typed = {(user.pk, REASON_TYPES[reason]) for user, reason in pairs if reason in REASON_TYPES}
    unwanted = muted_by_channel(typed) if typed else {"in_app": set(), "email": set()}
    in_app = _first_wanted(pairs, unwanted["in_app"])
    rows = Notification.objects.bulk_create(Notification(user=user, event=event, reason=r) for user, r in in_app)
    by_user = {row.user_id: row for row in rows}
    emailable = [(user, reason) for user, reason in pairs if reason in REASON_TYPES and reason not in EMAILED_ELSEWHERE]
    emails = _first_wanted(emailable, unwanted["email"])
    if emails:
        EmailDelivery.objects.bulk_create(
            EmailDelivery(user=user, event=event, reason=reason, notification=by_user.get(user.pk))
            for user, reason in emails
        )
        # robust: the event is committed by now; a queue hiccup is logged, never turned into an error page.
        transaction.on_commit(lambda: send_event_emails_task.enqueue(str(event.pk)), robust=True)
    return event


def _first_wanted(pairs: list, unwanted: set) -> list:
    """One (user, reason) per user: the first reason whose type they did not turn off (a reason without a
    type, none today, is always shown in the app; only typed reasons are emailed)."""
    seen, chosen = set(), []
    for user, reason in pairs:
        if user.pk in seen or (user.pk, REASON_TYPES.get(reason)) in unwanted:
            continue
        seen.add(user.pk)
        chosen.append((user, reason))
    return chosen


# -- reading and marking -----------------------------------------------------------------------------


def reasons_of(kind: str) -> list[str]:
    """The reasons a notification type covers ("comment" -> owner, review)."""
    return [reason for reason, mapped in REASON_TYPES.items() if mapped == kind]


def notifications_for(user, *, kind: str = "", unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications with what presenting them needs, optionally of one type or unread only."""
    rows = Notification.objects.filter(user=user).select_related("event", "event__actor")
    if kind in NOTIFICATION_TYPES:
        rows = rows.filter(reason__in=reasons_of(kind))
    if unread:
        rows = rows.filter(read_at=None)
    return rows


def get_notification_for(user, notification_id) -> Notification:
    """The user's own notification; anyone else's is a 404, as if it did not exist."""
    found = notifications_for(user).filter(pk=notification_id).first()
    if found is None:
        raise Http404("No such notification.")
    return found


def mark_read(notification: Notification) -> Notification:
    """Mark it read (once: the first read time is kept)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=now)
        notification.read_at = now
    return notification


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
