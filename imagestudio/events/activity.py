"""Activity feeds read from the event stream: per workspace and per project, each event as a sentence."""

from __future__ import annotations

from django.db.models import QuerySet

from imagestudio.events.models import Event
from imagestudio.lib.pagination import Page, paginate_newest_first

FEED_VERBS = (
    "project.created",
    "images.generated",
    "images.added",
    "images.removed",
    "project.shared",
    "image.shared",
    "comment.added",
    "member.invited",
    "member.joined",
    "member.role_changed",
    "member.removed",
    "credits.transferred",
    "project.archived",
    "project.unarchived",
    "project.deleted",
    "review.verdict",
)


def _feed(events: QuerySet[Event], cursor: str | None, limit: int) -> Page:
    return paginate_newest_first(events.filter(verb__in=FEED_VERBS).select_related("actor"), cursor, limit)


def workspace_activity(workspace_id, cursor: str | None = None, limit: int = 30) -> Page:
    return _feed(Event.objects.filter(workspace_id=workspace_id), cursor, limit)


def project_activity(project_id, cursor: str | None = None, limit: int = 30) -> Page:
    return _feed(Event.objects.filter(project_id=project_id), cursor, limit)


def _images(count: int) -> str:
    return f"{count} image{'s' if count != 1 else ''}"


def actor_name(event: Event) -> str:
    """Who did it: a member, or the name a client reviewer (no account) gave on a review link."""
    if event.verb == "review.verdict":
        return f"{(event.data or {}).get('reviewer') or 'A reviewer'} (client review)"
    return event.actor.display_name if event.actor else "Someone"


def feed_items(events) -> list[dict]:
    """What the activity pages show per event: the event, who did it, what they did."""
    return [{"event": event, "actor": actor_name(event), "text": describe(event)} for event in events]


def describe(event: Event) -> str:
    """What happened, after the actor's name ("Maya generated 2 images: “a red kite”")."""
    data = event.data or {}
    count = int(data.get("count") or 0)
    match event.verb:
        case "project.created":
            return f"created the project “{data.get('project', '')}”"
        case "images.generated":
            return f"generated {_images(count)}: “{data.get('prompt', '')}”"
        case "images.added":
            return f"added {_images(count)} to “{data.get('project', '')}”"
        case "images.removed":
            where = f" to “{data['to']}”" if data.get("to") else ""
            return f"moved {_images(count)} out of “{data.get('project', '')}”{where}"
        case "project.shared":
            return f"shared “{data.get('project', '')}”{' with a password' if data.get('password') else ''}"
        case "image.shared":
            return "shared an image"
        case "comment.added":
            return f"commented: “{data.get('excerpt', '')}”"
        case "member.invited":
            return f"invited {data.get('email', '')} as {data.get('role', '')}"
        case "member.joined":
            return f"joined as {data.get('role', '')}"
        case "member.role_changed":
            return f"changed {data.get('name', '')}’s role from {data.get('from', '')} to {data.get('role', '')}"
        case "member.removed":
            return "left the team" if data.get("left") else f"removed {data.get('name', '')} from the team"
        case "project.archived":
            return f"archived the project “{data.get('project', '')}”"
        case "project.unarchived":
            return f"brought back the project “{data.get('project', '')}” from the archive"
        case "project.deleted":
            trashed = " and its images went to the trash" if data.get("images") == "trash" else ""
            return f"deleted the project “{data.get('project', '')}”{trashed}"
        case "review.verdict":
            did = {"approve": "approved", "reject": "rejected"}.get(data.get("verdict") or "", "commented on")
            return f"{did} an image"
        case "credits.transferred":
            amount = int(data.get("amount") or 0)
            return f"added {amount} credit{'s' if amount != 1 else ''} to the team"
    return event.verb
