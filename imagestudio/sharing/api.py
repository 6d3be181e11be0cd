"""Share links through the API: the seed's /api/share… paths plus the image and project aliases."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Header, Router, Schema, Status
from pydantic import Field

from imagestudio.lib.ratelimit import limit
from imagestudio.sharing import reviews, services
from imagestudio.sharing.models import SharedImage, SharedProject
from imagestudio.workspaces import access

router = Router(tags=["sharing"])
projects_router = Router(tags=["sharing"])
images_router = Router(tags=["sharing"])
ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 422: dict, 429: dict}
GUESS_RATE = "10/5m"  # per client IP and link: guessing a password takes forever


class ShareIn(Schema):
    expires_at: datetime | None = Field(default=None, description="No expiry when empty")
    password: str = Field(default="", max_length=200, description="Viewers must give it (X-Share-Password)")
    allow_download: bool = Field(default=False, description="Viewers may download the originals")


class ProjectShareIn(ShareIn):
    allow_review: bool = Field(
        default=False, description="A client review link: viewers approve, reject and comment on each image"
    )


class ShareOut(Schema):
    token: str
    url: str
    kind: str = Field(description="project, image or collection")
    target_id: UUID
    expires_at: datetime | None
    allow_download: bool
    allow_review: bool = Field(description="A client review link (project links only)")
    has_password: bool
    view_count: int
    revoked: bool
    created_at: datetime


class SharedImageOut(Schema):
    id: UUID
    prompt: str
    width: int
    height: int
    model: str | None
    seed: int | None
    thumbnail_url: str
    file_url: str | None = Field(description="The original; only when the link allows downloads")


class SharedView(Schema):
    kind: str
    title: str
    description: str
    allow_download: bool
    images: list[SharedImageOut]


def link_kind(link) -> str:
    """Which kind of link this is: "project", "image" or "collection"."""
    if isinstance(link, SharedProject):
        return "project"
    return "collection" if hasattr(link, "collection_id") else "image"


def share_out(request: HttpRequest, link: services.Link) -> ShareOut:
    kind = link_kind(link)
    return ShareOut(
        token=link.share_token,
        url=request.build_absolute_uri(reverse("share_page", args=[link.share_token])),
        kind=kind,
        target_id=getattr(link, f"{kind}_id"),
        expires_at=link.expires_at,
        allow_download=link.allow_download,
        allow_review=isinstance(link, SharedProject) and link.allow_review,
        has_password=link.has_password,
        view_count=link.view_count,
        revoked=link.revoked_at is not None,
        created_at=link.created_at,
    )


def _options(payload: ShareIn | None) -> services.LinkOptions:
    payload = payload or ShareIn()
    return services.LinkOptions(
        expires_at=payload.expires_at,
        password=payload.password,
        allow_download=payload.allow_download,
        allow_review=isinstance(payload, ProjectShareIn) and payload.allow_review,
    )


def _share_project(request, project_id: UUID, payload: ProjectShareIn | None):
    project = access.get_project_for(request.user, project_id, "manage")
    return Status(
        201, share_out(request, services.share_project(project, user=request.user, options=_options(payload)))
    )


def _share_image(request, image_id: UUID, payload: ShareIn | None):
    image = access.get_image_for(request.user, image_id, "manage")
    return Status(201, share_out(request, services.share_image(image, user=request.user, options=_options(payload))))


@router.post("/project/{uuid:project_id}", response={201: ShareOut, **ERRORS})
def share_project(request, project_id: UUID, payload: ProjectShareIn | None = None):
    """A read-only link to a project (workspace admins); `allow_review` makes it a client review link."""
    return _share_project(request, project_id, payload)


@projects_router.post("/{project_id}/share", response={201: ShareOut, **ERRORS})
def share_project_alias(request, project_id: UUID, payload: ProjectShareIn | None = None):
    """Same as POST /api/share/project/{id}."""
    return _share_project(request, project_id, payload)


@router.post("/image/{uuid:image_id}", response={201: ShareOut, **ERRORS})
def share_image(request, image_id: UUID, payload: ShareIn | None = None):
    """A read-only link to one image (its creator, or a workspace admin for images in a project)."""
    return _share_image(request, image_id, payload)


@images_router.post("/{image_id}/share", response={201: ShareOut, **ERRORS})
def share_image_alias(request, image_id: UUID, payload: ShareIn | None = None):
    """Same as POST /api/share/image/{id}."""
    return _share_image(request, image_id, payload)


@router.get("", response=list[ShareOut])
def my_links(request):
    """Every link you created, newest first (revoked ones too, marked)."""
    return [share_out(request, link) for link in services.links_of(request.user)]


@router.delete("/{token}", response={204: None, **ERRORS})
def revoke(request, token: str):
    """Revoke a link at once: it answers 404 from then on."""
    services.revoke(access.get_link_for(request.user, token))
    return Status(204, None)


def open_link(request: HttpRequest, token: str, password: str | None, kind: type) -> services.Link:
    """The live link of `kind` behind `token`, after its password (wrong guesses are rate-limited)."""
    link = services.find_link(token)
    if not isinstance(link, kind):
        raise Http404("This link does not exist, was revoked or has expired.")
    try:
        services.check_link_password(link, password)
    except services.PasswordRequired as exc:
        if exc.wrong:
            limit(request, action=f"share-password:{link.share_token}", rate=GUESS_RATE)
        raise
    return link


def link_title(link: services.Link) -> tuple[str, str]:
    """A link's title and description, as its public page shows them."""
    if isinstance(link, SharedProject):
        return link.project.name, link.project.description
    if isinstance(link, SharedImage):
        return (link.image.prompt[:80] or "Shared image"), ""
    return link.collection.name, link.collection.description


def shared_view(link: services.Link) -> SharedView:
    token = link.share_token
    images = [
        SharedImageOut(
            id=image.pk,
            prompt=image.prompt,
            width=image.width,
            height=image.height,
            model=image.model.display_name if image.model else None,
            seed=image.seed,
            thumbnail_url=reverse("share_thumb", args=[token, image.pk]),
            file_url=reverse("share_file", args=[token, image.pk]) if link.allow_download else None,
        )
        for image in services.shared_images(link)[:500]
    ]
    title, description = link_title(link)
    return SharedView(
        kind=link_kind(link), title=title, description=description, allow_download=link.allow_download, images=images
    )


@router.get("/project/{token}", auth=None, response={200: SharedView, **ERRORS})
def view_shared_project(request, token: str, x_share_password: str | None = Header(default=None)):
    """What a project link shows, without an account. Password links need `X-Share-Password`."""
    link = open_link(request, token, x_share_password, SharedProject)
    services.count_view(link)
    return shared_view(link)


@router.get("/image/{token}", auth=None, response={200: SharedView, **ERRORS})
def view_shared_image(request, token: str, x_share_password: str | None = Header(default=None)):
    """What an image link shows, without an account. Password links need `X-Share-Password`."""
    link = open_link(request, token, x_share_password, SharedImage)
    services.count_view(link)
    return shared_view(link)


@router.get("/collection/{token}", auth=None, response={200: SharedView, **ERRORS})
def view_shared_collection(request, token: str, x_share_password: str | None = Header(default=None)):
    """What a collection link shows (its images in the collection's order), without an account."""
    link_model = services.collection_links()
    if link_model is None:
        raise Http404("This link does not exist, was revoked or has expired.")
    link = open_link(request, token, x_share_password, link_model)
    services.count_view(link)
    return shared_view(link)


# -- client review links ------------------------------------------------------------------------------


class ReviewIn(Schema):
    image_id: UUID = Field(description="An image of the shared project")
    reviewer_name: str = Field(max_length=200, description="Who reviews (at most 80 characters once trimmed)")
    verdict: Literal["approve", "reject"] | None = Field(
        default=None, description="approve or reject; leave out to only comment"
    )
    comment: str | None = Field(
        default=None, max_length=reviews.MAX_COMMENT, description="Leave out to keep the earlier comment"
    )
    reviewer_key: str | None = Field(
        default=None,
        max_length=64,
        description="The key an earlier answer returned: send it back to change that verdict instead of adding one",
    )


class ReviewerVerdictOut(Schema):
    image_id: UUID
    reviewer_name: str
    reviewer_key: str = Field(description="Keep it to change this verdict later")
    verdict: str | None
    comment: str
    updated_at: datetime


class VerdictOut(Schema):
    reviewer_name: str
    verdict: str | None = Field(description="approve, reject, or null for a comment only")
    comment: str
    created_at: datetime
    updated_at: datetime


class ImageReviewOut(Schema):
    image_id: UUID
    prompt: str
    thumbnail_url: str
    approvals: int
    rejections: int
    comments: int
    verdicts: list[VerdictOut]


class ReviewSummaryOut(Schema):
    token: str
    project_id: UUID
    title: str
    live: bool
    images: list[ImageReviewOut]


def _review_error(exc: reviews.ReviewError) -> Status:
    return Status(400, {"detail": exc.message, "field": exc.field})


def review_rate() -> str:
    return getattr(settings, "SHARE_REVIEW_RATE_LIMIT", reviews.REVIEW_RATE)


@router.post("/project/{token}/reviews", auth=None, response={200: ReviewerVerdictOut, **ERRORS})
def post_review(request, token: str, payload: ReviewIn, x_share_password: str | None = Header(default=None)):
    """Approve, reject or comment on an image of a client review link, without an account.

    Password links need `X-Share-Password`. 400 when the link is not a review link or the image is not in
    it; 429 past the per-IP rate.
    """
    link = open_link(request, token, x_share_password, SharedProject)
    assert isinstance(link, SharedProject)
    limit(request, action="share-review", rate=review_rate())
    key = payload.reviewer_key or reviews.new_reviewer_key()
    try:
        row = reviews.submit_verdict(
            link,
            image_id=payload.image_id,
            reviewer_key=key,
            reviewer_name=payload.reviewer_name,
            verdict=payload.verdict,
            comment=payload.comment,
            actor=request.user,
        )
    except reviews.ReviewError as exc:
        return _review_error(exc)
    return ReviewerVerdictOut(
        image_id=row.image_id,
        reviewer_name=row.reviewer_name,
        reviewer_key=row.reviewer_key,
        verdict=row.verdict or None,
        comment=row.comment,
        updated_at=row.updated_at,
    )


@router.get("/{token}/reviews", response={200: ReviewSummaryOut, **ERRORS})
def link_reviews(request, token: str):
    """The verdicts of a client review link per image, for whoever can view its project (404 otherwise)."""
    link = reviews.review_link_for(request.user, token)
    images = [
        ImageReviewOut(
            image_id=item.image.pk,
            prompt=item.image.prompt,
            thumbnail_url=reverse("image_thumb", args=[item.image.pk]),
            approvals=item.approvals,
            rejections=item.rejections,
            comments=item.comments,
            verdicts=[
                VerdictOut(
                    reviewer_name=row.reviewer_name,
                    verdict=row.verdict or None,
                    comment=row.comment,
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                )
                for row in item.verdicts
            ],
        )
        for item in reviews.review_summary(link)
    ]
    return ReviewSummaryOut(
        token=link.share_token, project_id=link.project_id, title=link.project.name, live=link.is_live, images=images
    )
