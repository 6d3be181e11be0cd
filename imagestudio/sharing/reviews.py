"""Client review links: reviewers without an account approve, reject and comment on each image of a
project link; whoever can see the project reads the verdicts per image.

A module apart from `services` because it asks `workspaces.access`, which itself imports `services`.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext

from imagestudio.events.services import record
from imagestudio.gallery.models import Image
from imagestudio.sharing.models import ReviewVerdict, SharedProject, Verdict
from imagestudio.sharing.services import link_by_token, shared_images
from imagestudio.workspaces import access

REVIEW_RATE = "60/5m"  # verdict posts per client IP (settings.SHARE_REVIEW_RATE_LIMIT overrides)
MAX_NAME = 80
MAX_COMMENT = 2000
NOT_FOUND = "No such review link."


class ReviewError(ValueError):
    """A verdict the link cannot take (answered 400, with the field at fault)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def new_reviewer_key() -> str:
    return secrets.token_urlsafe(16)


def clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ReviewError("reviewer_name", gettext("Enter your name first, so the owner knows who reviewed."))
    if len(name) > MAX_NAME:
        raise ReviewError("reviewer_name", gettext("Names are at most %(max)s characters.") % {"max": MAX_NAME})
    return name


def _clean_verdict(verdict: str | None) -> str | None:
    if not verdict:
        return None  # keep whatever the reviewer said before
    if verdict not in Verdict.values:
        raise ReviewError("verdict", gettext("The verdict is approve or reject."))
    return verdict


def _clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None  # keep the earlier comment
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ReviewError(
            "comment", gettext("Comments are at most %(max)s characters.") % {"max": format(MAX_COMMENT, ",")}
        )
    return comment


def _image_in(link: SharedProject, image_id: UUID | str) -> Image:
    try:
        image = shared_images(link).filter(pk=image_id).first()
    except (ValidationError, ValueError):
        image = None
    if image is None:
        raise ReviewError("image_id", gettext("This image is not part of the shared project."))
    return image


def _excerpt(name: str, verdict: str, comment: str) -> str:
    said = {"approve": "approved", "reject": "rejected"}.get(verdict, "commented on")
    return f"{name} {said} this image" + (f": “{comment[:160]}”" if comment else "")


def submit_verdict(
    link: SharedProject,
    *,
    image_id: UUID | str,
    reviewer_key: str,
    reviewer_name: str,
    verdict: str | None = None,
    comment: str | None = None,
    actor=None,
) -> ReviewVerdict:
    """Set one reviewer's verdict and/or comment on an image; None leaves that part as it was.

    The caller has opened the link (live, password given). `actor` is the signed-in user, if any.
    """
    if not link.allow_review:
        raise ReviewError("link", gettext("This link is not a client review link."))
    name = clean_name(reviewer_name)
    new_verdict, new_comment = _clean_verdict(verdict), _clean_comment(comment)
    image = _image_in(link, image_id)
    with transaction.atomic():
        before = ReviewVerdict.objects.filter(link=link, image=image, reviewer_key=reviewer_key).first()
        final_verdict = new_verdict if new_verdict is not None else (before.verdict if before else "")
        final_comment = new_comment if new_comment is not None else (before.comment if before else "")
        if not final_verdict and not final_comment:
            raise ReviewError("verdict", gettext("Approve, reject or write a comment."))
        row, _ = ReviewVerdict.objects.update_or_create(
            link=link,
            image=image,
            reviewer_key=reviewer_key,
            defaults={"reviewer_name": name, "verdict": final_verdict, "comment": final_comment},
        )
        record(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            verb="review.verdict",
            target=image,
            workspace_id=link.project.workspace_id,
            project_id=link.project_id,
            data={
                "link": link.share_token,
                "reviewer": name,
                "verdict": final_verdict,
                "excerpt": _excerpt(name, final_verdict, final_comment),
            },
            notify=[(link.created_by, "review")],
        )
    return row


def rename_reviewer(reviewer_key: str, name: str) -> str:
    """A reviewer who changes their name keeps their verdicts, under the new name."""
    name = clean_name(name)
    ReviewVerdict.objects.filter(reviewer_key=reviewer_key).update(reviewer_name=name)
    return name


def verdicts_of(link: SharedProject, reviewer_key: str) -> dict[UUID, ReviewVerdict]:
    """One reviewer's verdicts on the link, by image id (the public page shows them their own only)."""
    if not reviewer_key:
        return {}
    return {row.image_id: row for row in ReviewVerdict.objects.filter(link=link, reviewer_key=reviewer_key)}


# -- the owner's side -------------------------------------------------------------------------------


def review_link_for(user, token: str) -> SharedProject:
    """A review link whose verdicts `user` may read: they made it, or they may view its project.

    Revoked and expired links stay readable here: the verdicts outlive the link. 404 for everyone else.
    """
    link = link_by_token(token)
    if not isinstance(link, SharedProject) or not link.allow_review or not getattr(user, "is_authenticated", False):
        raise Http404(NOT_FOUND)
    if link.created_by_id != user.pk:
        access.get_project_for(user, link.project_id, "view")
    return link


@dataclass
class ImageReview:
    image: Image
    verdicts: list[ReviewVerdict] = field(default_factory=list)

    @property
    def approvals(self) -> int:
        return sum(1 for row in self.verdicts if row.verdict == Verdict.APPROVE)

    @property
    def rejections(self) -> int:
        return sum(1 for row in self.verdicts if row.verdict == Verdict.REJECT)

    @property
    def comments(self) -> int:
        return sum(1 for row in self.verdicts if row.comment)


def review_summary(link: SharedProject, limit: int = 500) -> list[ImageReview]:
    """Each image the link shows, with every reviewer's verdict on it (latest first). Two queries."""
    images = list(shared_images(link)[:limit])
    by_image: dict[UUID, list[ReviewVerdict]] = defaultdict(list)
    rows = ReviewVerdict.objects.filter(link=link, image__in=[image.pk for image in images]).order_by("-updated_at")
    for row in rows:
        by_image[row.image_id].append(row)
    return [ImageReview(image=image, verdicts=by_image[image.pk]) for image in images]


def verdict_counts(links: list) -> dict[UUID, dict[str, int]]:
    """Approvals, rejections and reviewers per review link, for the link manager (one query)."""
    ids = [link.pk for link in links if isinstance(link, SharedProject) and link.allow_review]
    if not ids:
        return {}
    rows = (
        ReviewVerdict.objects.filter(link_id__in=ids)
        .values("link_id")
        .annotate(
            approvals=Count("pk", filter=Q(verdict=Verdict.APPROVE)),
            rejections=Count("pk", filter=Q(verdict=Verdict.REJECT)),
            reviewers=Count("reviewer_key", distinct=True),
        )
    )
    counts = {link_id: {"approvals": 0, "rejections": 0, "reviewers": 0} for link_id in ids}
    for row in rows:
        counts[row["link_id"]] = {key: row[key] for key in ("approvals", "rejections", "reviewers")}
    return counts
