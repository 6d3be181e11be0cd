"""Activity feeds read from the event stream: per workspace and per project, each event as a sentence in the
reader's language."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext, pgettext_lazy

from imagestudio.events.models import Event
from imagestudio.lib.pagination import Page, paginate_newest_first
from imagestudio.workspaces.models import Role

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


# Roles as a sentence names them ("joined as editor"; German capitalises the noun: "als Bearbeiter").
ROLE_WORDS: dict[str, object] = {
    Role.VIEWER: pgettext_lazy("role, inside a sentence", "viewer"),
    Role.EDITOR: pgettext_lazy("role, inside a sentence", "editor"),
    Role.ADMIN: pgettext_lazy("role, inside a sentence", "admin"),
}


def _role(value: object) -> str:
    """A role in the reader's language; an unknown value as it is."""
    word = ROLE_WORDS.get(str(value or ""))
    return str(word) if word is not None else str(value or "")


def actor_name(event: Event) -> str:
    """Who did it: a member, or the name a client reviewer (no account) gave on a review link."""
    if event.verb == "review.verdict":
        reviewer = (event.data or {}).get("reviewer") or gettext("A reviewer")
        return gettext("%(name)s (client review)") % {"name": reviewer}
    return event.actor.display_name if event.actor else gettext("Someone")


def feed_items(events) -> list[dict]:
    """What the activity pages show per event: the event, who did it, what they did."""
    return [{"event": event, "actor": actor_name(event), "text": describe(event)} for event in events]


# Each sentence follows the actor's name ("Maya generated 2 images: “a red kite”"), in the reader's language.
def describe(event: Event) -> str:
    """What happened, after the actor's name, in the active language."""
    data = event.data or {}
    count = int(data.get("count") or 0)
    project = data.get("project", "")
    match event.verb:
        case "project.created":
            return gettext("created the project “%(project)s”") % {"project": project}
        case "images.generated":
            return ngettext(
                "generated %(count)s image: “%(prompt)s”", "generated %(count)s images: “%(prompt)s”", count
            ) % {"count": count, "prompt": data.get("prompt", "")}
        case "images.added":
            return ngettext(
                "added %(count)s image to “%(project)s”", "added %(count)s images to “%(project)s”", count
            ) % {"count": count, "project": project}
        case "images.removed":
            if data.get("to"):
                return ngettext(
                    "moved %(count)s image out of “%(project)s” to “%(to)s”",
                    "moved %(count)s images out of “%(project)s” to “%(to)s”",
                    count,
                ) % {"count": count, "project": project, "to": data["to"]}
            return ngettext(
                "moved %(count)s image out of “%(project)s”", "moved %(count)s images out of “%(project)s”", count
            ) % {"count": count, "project": project}
        case "project.shared":
            if data.get("password"):
                return gettext("shared “%(project)s” with a password") % {"project": project}
            return gettext("shared “%(project)s”") % {"project": project}
        case "image.shared":
            return gettext("shared an image")
        case "comment.added":
            return gettext("commented: “%(excerpt)s”") % {"excerpt": data.get("excerpt", "")}
        case "member.invited":
            return gettext("invited %(email)s as %(role)s") % {
                "email": data.get("email", ""),
                "role": _role(data.get("role")),
            }
        case "member.joined":
            return gettext("joined as %(role)s") % {"role": _role(data.get("role"))}
        case "member.role_changed":
            return gettext("changed %(name)s’s role from %(from)s to %(role)s") % {
                "name": data.get("name", ""),
                "from": _role(data.get("from")),
                "role": _role(data.get("role")),
            }
        case "member.removed":
            if data.get("left"):
                return gettext("left the team")
            return gettext("removed %(name)s from the team") % {"name": data.get("name", "")}
        case "project.archived":
            return gettext("archived the project “%(project)s”") % {"project": project}
        case "project.unarchived":
            return gettext("brought back the project “%(project)s” from the archive") % {"project": project}
        case "project.deleted":
            if data.get("images") == "trash":
                return gettext("deleted the project “%(project)s” and its images went to the trash") % {
                    "project": project
                }
            return gettext("deleted the project “%(project)s”") % {"project": project}
        case "review.verdict":
            verdict = data.get("verdict")
            if verdict == "approve":
                return gettext("approved an image")
            if verdict == "reject":
                return gettext("rejected an image")
            return gettext("commented on an image")
        case "credits.transferred":
            amount = int(data.get("amount") or 0)
            return ngettext("added %(amount)s credit to the team", "added %(amount)s credits to the team", amount) % {
                "amount": amount
            }
    return event.verb
