"""Your notifications (read from the event stream)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Query, Router, Schema

from imagestudio.events import services
from imagestudio.events.activity import actor_name, describe
from imagestudio.events.models import Event, Notification
from imagestudio.lib.pagination import paginate_newest_first

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: UUID
    reason: str
    verb: str
    target_type: str
    target_id: str
    actor_name: str | None
    data: dict
    read: bool
    created_at: datetime

    @staticmethod
    def resolve_verb(n: Notification) -> str:
        return n.event.verb

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
    next_cursor: str | None
    unread: int


@router.get("", response=NotificationPageOut)
def list_notifications(request, cursor: str | None = None, limit: int = Query(30, ge=1, le=100)):
    """Newest first; `unread` counts them all."""
    rows = Notification.objects.filter(user=request.user).select_related("event", "event__actor")
    page = paginate_newest_first(rows, cursor, limit)
    return {"items": page.items, "next_cursor": page.next_cursor, "unread": services.unread_count(request.user)}


@router.post("/read-all", response={200: dict})
def read_all(request):
    return {"marked": services.mark_all_read(request.user)}


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
