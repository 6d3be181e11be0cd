"""Share links through the API: the seed's /api/share… paths plus the image and project aliases."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Header, Router, Schema, Status
from pydantic import Field

from imagestudio.lib.ratelimit import limit
from imagestudio.sharing import services
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


class ShareOut(Schema):
    token: str
    url: str
    kind: str = Field(description="project or image")
    target_id: UUID
    expires_at: datetime | None
    allow_download: bool
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


def share_out(request: HttpRequest, link: SharedProject | SharedImage) -> ShareOut:
    is_project = isinstance(link, SharedProject)
    return ShareOut(
        token=link.share_token,
        url=request.build_absolute_uri(reverse("share_page", args=[link.share_token])),
        kind="project" if is_project else "image",
        target_id=link.project_id if isinstance(link, SharedProject) else link.image_id,
        expires_at=link.expires_at,
        allow_download=link.allow_download,
        has_password=link.has_password,
        view_count=link.view_count,
        revoked=link.revoked_at is not None,
        created_at=link.created_at,
    )


def _options(payload: ShareIn | None) -> services.LinkOptions:
    payload = payload or ShareIn()
    return services.LinkOptions(
        expires_at=payload.expires_at, password=payload.password, allow_download=payload.allow_download
    )


def _share_project(request, project_id: UUID, payload: ShareIn | None):
    project = access.get_project_for(request.user, project_id, "manage")
    return Status(
        201, share_out(request, services.share_project(project, user=request.user, options=_options(payload)))
    )


def _share_image(request, image_id: UUID, payload: ShareIn | None):
    image = access.get_image_for(request.user, image_id, "manage")
    return Status(201, share_out(request, services.share_image(image, user=request.user, options=_options(payload))))


@router.post("/project/{uuid:project_id}", response={201: ShareOut, **ERRORS})
def share_project(request, project_id: UUID, payload: ShareIn | None = None):
    """A read-only link to a project (workspace admins)."""
    return _share_project(request, project_id, payload)


@projects_router.post("/{project_id}/share", response={201: ShareOut, **ERRORS})
def share_project_alias(request, project_id: UUID, payload: ShareIn | None = None):
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


def open_link(request: HttpRequest, token: str, password: str | None, kind: type) -> SharedProject | SharedImage:
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


def shared_view(link: SharedProject | SharedImage) -> SharedView:
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
    if isinstance(link, SharedProject):
        title, description = link.project.name, link.project.description
    else:
        title, description = (link.image.prompt[:80] or "Shared image"), ""
    kind = "project" if isinstance(link, SharedProject) else "image"
    return SharedView(
        kind=kind, title=title, description=description, allow_download=link.allow_download, images=images
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
