"""Comments on images, with @mentions of the people who can see the image. Callers check access first."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext

from imagestudio.events.services import record
from imagestudio.gallery.models import Image, ImageComment
from imagestudio.workspaces.access import get_image_for
from imagestudio.workspaces.models import Membership

MAX_COMMENT = 4000
MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


class CommentError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.field, self.message = "comment_text", message


def _workspace_id(image: Image):
    return image.project.workspace_id if image.project is not None else None


def audience(image: Image) -> list:
    """Who can see the image: its project's workspace members, or only its creator."""
    workspace_id = _workspace_id(image)
    if workspace_id is None:
        return [image.user]
    user_ids = Membership.objects.filter(workspace_id=workspace_id).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids))


def mentioned(text: str, people: list) -> list:
    """The people `@email`, `@local-part` or `@name` (no spaces) names, among `people`."""
    handles = {match.lower() for match in MENTION.findall(text)}
    found = []
    for person in people:
        email = person.email.lower()
        keys = {email, email.split("@")[0], (person.name or "").replace(" ", "").lower()}
        if handles & (keys - {""}):
            found.append(person)
    return found


def add_comment(image: Image, *, user, text: str) -> ImageComment:
    text = (text or "").strip()
    if not text:
        raise CommentError(gettext("Write something first."))
    if len(text) > MAX_COMMENT:
        raise CommentError(gettext("Comments are at most %(max)s characters.") % {"max": format(MAX_COMMENT, ",")})
    people = mentioned(text, audience(image))
    with transaction.atomic():
        comment = ImageComment.objects.create(
            image=image, user=user, comment_text=text, mentions=[str(p.pk) for p in people]
        )
        record(
            actor=user,
            verb="comment.added",
            target=image,
            workspace_id=_workspace_id(image),
            project_id=image.project_id,
            data={"comment_id": str(comment.pk), "excerpt": text[:200]},
            notify=[*((p, "mention") for p in people), (image.user, "owner")],
        )
    return comment


def delete_comment(image: Image, comment_id, *, user) -> None:
    """Delete a comment on `image` (which the user may see): their own, or any if they manage the image."""
    comment = image.comments.filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    if comment.user_id != user.pk:
        get_image_for(user, image.pk, "manage")  # 403 unless an admin of its workspace
    comment.delete()
