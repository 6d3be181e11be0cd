"""Your notifications (read from the event stream) and the activity feeds' schemas.

GET /api/notifications (cursor, ?unread=true, ?type=), GET /unread-count, POST /{id}/read, POST /read-all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema

from imagestudio.events import services
from imagestudio.events.activity import actor_name, describe
from imagestudio.events.models import Event, Notification
from imagestudio.events.notices import Notice, present
from imagestudio.lib.pagination import paginate_newest_first

router = Router(tags=["notifications"])


class NotificationErrorOut(Schema):
    detail: str


class NotificationCursorErrorOut(Schema):
    detail: str
    field: str


# 401: no session and no usable bearer token; 403: an API key without the scope (read for GET, manage for
# POST); 404: no such notification of yours (someone else's looks the same); 400: a tampered cursor; 422: a
# parameter of the wrong shape (ninja's validation detail).
AUTH_ERRORS: dict[int, Any] = {401: NotificationErrorOut, 403: NotificationErrorOut}
LIST_ERRORS: dict[int, Any] = {**AUTH_ERRORS, 400: NotificationCursorErrorOut, 422: dict}
ONE_ERRORS: dict[int, Any] = {**AUTH_ERRORS, 404: NotificationErrorOut, 422: dict}


def _notice(n: Notification) -> Notice:
    """What the notification says, worked out once per row for the three fields that show it."""
    if not hasattr(n, "_notice"):
        n._notice = present(n)  # type: ignore[attr-defined]
    return n._notice  # type: ignore[attr-defined]


class NotificationOut(Schema):
    id: UUID
    type: str = Field(description="The notification type (as in Settings › Notifications), e.g. job_finished")
    reason: str = Field(description="Why you were told, e.g. mention, owner (a comment on your image), credits")
    verb: str = Field(description="What happened, e.g. job.finished, comment.added, credits.alert")
    text: str = Field(description="What happened as one sentence, in your language")
    excerpt: str = Field(description="What was said or what went wrong; may be empty")
    url: str | None = Field(description="The page it is about (a path on this site); null when there is none")
    target_type: str
    target_id: str
    actor_name: str | None
    data: dict
    read: bool
    read_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_type(n: Notification) -> str:
        return services.REASON_TYPES.get(n.reason, n.reason)

    @staticmethod
    def resolve_verb(n: Notification) -> str:
        return n.event.verb

    @staticmethod
    def resolve_text(n: Notification) -> str:
        return _notice(n).text

    @staticmethod
    def resolve_excerpt(n: Notification) -> str:
        return _notice(n).excerpt

    @staticmethod
    def resolve_url(n: Notification) -> str | None:
        return _notice(n).url or None

    @staticmethod
    def resolve_target_type(n: Notification) -> str:
        return n.event.target_type

    @staticmethod
    def resolve_target_id(n: Notification) -> str:
        return n.event.target_id

    @staticmethod
    def resolve_actor_name(n: Notification) -> str | None:
        return n.event.actor.display_name if n.event.actor else None

    @staticmethod
    def resolve_data(n: Notification) -> dict:
        return n.event.data

    @staticmethod
    def resolve_read(n: Notification) -> bool:
        return n.read_at is not None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last")
    unread: int = Field(description="How many of all your notifications are unread")


class NotificationUnreadOut(Schema):
    unread: int


class NotificationsMarkedOut(Schema):
    marked: int = Field(description="How many notifications were unread and are now read")


NotificationType = Literal[
    "job_finished", "job_failed", "batch_done", "comment", "mention", "share", "invitation", "credits"
]


@router.get("", response={200: NotificationPageOut, **LIST_ERRORS})
def list_notifications(
    request,
    cursor: str | None = None,
    limit: int = Query(30, ge=1, le=100),
    unread: bool = Query(False, description="Only unread ones"),
    type: NotificationType | None = Query(None, description="Only this type"),
):
    """Your notifications, newest first, `limit` at a time (keyset cursor). `unread` in the answer counts all
    your unread ones, whatever the filters."""
    rows = services.notifications_for(request.user, kind=type or "", unread=unread)
    page = paginate_newest_first(rows, cursor, limit)
    return {"items": page.items, "next_cursor": page.next_cursor, "unread": services.unread_count(request.user)}


@router.get("/unread-count", response={200: NotificationUnreadOut, **AUTH_ERRORS})
def unread_count(request):
    """How many of your notifications are unread (what the bell shows)."""
    return {"unread": services.unread_count(request.user)}


@router.post("/read-all", response={200: NotificationsMarkedOut, **AUTH_ERRORS})
def read_all(request):
    """Mark every notification of yours read."""
    return {"marked": services.mark_all_read(request.user)}


@router.post("/{notification_id}/read", response={200: NotificationOut, **ONE_ERRORS})
def read_one(request, notification_id: UUID):
    """Mark one of your notifications read (again: no change). 404 when it is not yours or does not exist."""
    return services.mark_read(services.get_notification_for(request.user, notification_id))


class ActivityOut(Schema):
    id: UUID
    verb: str
    actor_name: str | None
    text: str
    target_type: str
    target_id: str
    project_id: UUID | None
    data: dict
    created_at: datetime

    @staticmethod
    def resolve_actor_name(event: Event) -> str | None:
        return actor_name(event)

    @staticmethod
    def resolve_text(event: Event) -> str:
        return describe(event)


class ActivityPageOut(Schema):
    items: list[ActivityOut]
    next_cursor: str | None
