from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.gallery import comments, files, public
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.comments import MAX_COMMENT
from imagestudio.gallery.models import Image, ImageComment
from imagestudio.gallery.selectors import images_page

router = Router(tags=["images"])
public_router = Router(tags=["gallery"])


class ImageOut(Schema):
    id: UUID
    file_url: str
    thumbnail_url: str
    width: int
    height: int
    file_size: int
    format: str
    prompt: str
    negative_prompt: str
    model_id: str | None
    parameters: dict
    seed: int | None
    generation_time: float | None
    cost_credits: int
    parent_image_id: UUID | None
    job_id: UUID | None
    project_id: UUID | None
    is_favorite: bool
    is_public: bool
    rating: int | None
    tags: list[str]
    created_at: datetime

    @staticmethod
    def resolve_file_url(image: Image) -> str:
        return reverse("api:image_download", args=[image.pk])

    @staticmethod
    def resolve_thumbnail_url(image: Image) -> str:
        return reverse("api:image_thumbnail", args=[image.pk])

    @staticmethod
    def resolve_model_id(image: Image) -> str | None:
        return image.model.endpoint_id if image.model else None


class ImagePageOut(Schema):
    items: list[ImageOut]
    next_cursor: str | None


@router.get("", response=ImagePageOut)
def list_images(request, cursor: str | None = None, limit: int = 40, q: str = ""):
    """Your images, newest first (`q`: words the prompt contains). Pass `next_cursor` back as `cursor`."""
    return images_page(request.user, cursor, max(1, min(limit, 100)), q=q.strip()[:200])


@router.get("/download/{image_id}", url_name="image_download")
def download_image(request, image_id: UUID):
    image = get_image_for(request.user, image_id)
    return files.serve(image.file, download_name=files.download_name(image))


@router.get("/{image_id}/thumbnail", url_name="image_thumbnail")
def image_thumbnail(request, image_id: UUID):
    image = get_image_for(request.user, image_id)
    return files.serve(image.thumbnail or image.file)


@router.get("/{image_id}", response=ImageOut)
def get_image(request, image_id: UUID):
    return get_image_for(request.user, image_id)


class CommentIn(Schema):
    comment_text: str = Field(max_length=MAX_COMMENT)


class CommentOut(Schema):
    id: UUID
    user_id: UUID
    user_name: str
    comment_text: str
    mentions: list[UUID]
    created_at: datetime

    @staticmethod
    def resolve_user_name(comment: ImageComment) -> str:
        return comment.user.display_name


@router.get("/{image_id}/comments", response={200: list[CommentOut], 401: dict, 404: dict})
def list_comments(request, image_id: UUID):
    """Comments on an image, oldest first (anyone who can see the image)."""
    image = get_image_for(request.user, image_id)
    return image.comments.select_related("user").order_by("created_at")[:500]


@router.post("/{image_id}/comments", response={201: CommentOut, 401: dict, 404: dict, 422: dict})
def add_comment(request, image_id: UUID, payload: CommentIn):
    """Comment; `@name` or `@email` of someone who can see the image notifies them."""
    image = get_image_for(request.user, image_id)
    return Status(201, comments.add_comment(image, user=request.user, text=payload.comment_text))


@router.delete("/{image_id}/comments/{comment_id}", response={204: None, 401: dict, 403: dict, 404: dict})
def delete_comment(request, image_id: UUID, comment_id: UUID):
    """Delete your own comment (workspace admins may delete any)."""
    comments.delete_comment(get_image_for(request.user, image_id), comment_id, user=request.user)
    return Status(204, None)


class PublicImageOut(Schema):
    id: UUID
    prompt: str
    negative_prompt: str
    model_id: str | None
    seed: int | None
    width: int
    height: int
    creator: str
    thumbnail_url: str
    created_at: datetime

    @staticmethod
    def resolve_model_id(image: Image) -> str | None:
        return image.model.endpoint_id if image.model else None

    @staticmethod
    def resolve_creator(image: Image) -> str:
        return image.user.display_name

    @staticmethod
    def resolve_thumbnail_url(image: Image) -> str:
        return reverse("explore_thumb", args=[image.pk])


class PublicPageOut(Schema):
    items: list[PublicImageOut]
    next_cursor: str | None


class PublicIn(Schema):
    is_public: bool


@public_router.get("/public", auth=None, response={200: PublicPageOut, 400: dict})
def public_gallery(request, cursor: str | None = None, limit: int = Query(40, ge=1, le=100)):
    """The public gallery, newest first, without an account: images shown by their owners."""
    return public.public_page(cursor, limit)


@router.put("/{image_id}/public", response={200: ImageOut, 401: dict, 403: dict, 404: dict})
def set_image_public(request, image_id: UUID, payload: PublicIn):
    """Show an image in the public gallery, or take it out (its creator, or a workspace admin)."""
    return public.set_public(get_image_for(request.user, image_id, "manage"), payload.is_public)
