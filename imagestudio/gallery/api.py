from __future__ import annotations

import functools
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.gallery import comments, files, manage, public, trash
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.comments import MAX_COMMENT
from imagestudio.gallery.manage import MAX_BULK, ManageError
from imagestudio.gallery.models import Image, ImageComment
from imagestudio.preferences.privacy import shown_name
from imagestudio.projects.services import move_images
from imagestudio.workspaces.access import get_project_for

router = Router(tags=["images"])
public_router = Router(tags=["gallery"])
ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 422: dict}


def _answers_422(view):
    """Answer a ManageError as 422 {"detail", "field"} (ninja reads the wrapped view's signature)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ManageError as exc:
            return Status(422, {"detail": exc.message, "field": exc.field})

    return wrapper


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
    parent_id: UUID | None = Field(description="The image this one was made from (same as parent_image_id)")
    operation: str = Field(description="How it was made: generate, variation, upscale, …, or import")
    job_id: UUID | None
    project_id: UUID | None
    is_favorite: bool
    is_public: bool
    rating: int | None
    tags: list[str]
    title: str
    notes: str
    created_at: datetime

    @staticmethod
    def resolve_file_url(image: Image) -> str:
        return reverse("api:image_download", args=[image.pk])

    @staticmethod
    def resolve_thumbnail_url(image: Image) -> str:
        return reverse("api:image_thumbnail", args=[image.pk])

    @staticmethod
    def resolve_parent_id(image: Image) -> UUID | None:
        return image.parent_image_id

    @staticmethod
    def resolve_model_id(image: Image) -> str | None:
        return image.model.endpoint_id if image.model else None


class ImagePageOut(Schema):
    items: list[ImageOut]
    next_cursor: str | None


# -- managing images: literal paths first, so `/{image_id}` never swallows them --------------------


class BulkImageIdsIn(Schema):
    image_ids: list[UUID] = Field(description=f"1 to {MAX_BULK} image ids; all must be yours to edit")


class BulkMoveIn(BulkImageIdsIn):
    project_id: UUID | None = Field(description="The target project, or null to take them out of any project")


class BulkTagIn(BulkImageIdsIn):
    add: list[str] = Field(default_factory=list, description="Tags to add (trimmed, lower-cased)")
    remove: list[str] = Field(default_factory=list, description="Tags to remove")


class BulkFavoriteIn(BulkImageIdsIn):
    is_favorite: bool = True


class ChangedOut(Schema):
    changed: int = Field(description="How many images this changed (those already so are not counted)")
    image_ids: list[UUID] = Field(description="The images it changed")


class MovedOut(Schema):
    moved: int
    previous: dict[str, str | None] = Field(description="image id -> the project it was in (to undo)")


class TrashEmptiedOut(Schema):
    deleted: int


class TrashedImageOut(ImageOut):
    deleted_at: datetime
    purge_at: datetime = Field(description="When the automatic purge deletes it for good")
    days_left: int

    @staticmethod
    def resolve_purge_at(image: Image) -> datetime | None:
        return trash.purge_after(image)

    @staticmethod
    def resolve_days_left(image: Image) -> int:
        return trash.days_left(image)

    @staticmethod
    def resolve_thumbnail_url(image: Image) -> str:
        return reverse("api:trash_thumbnail", args=[image.pk])


class TrashPageOut(Schema):
    items: list[TrashedImageOut]
    next_cursor: str | None
    retention_days: int


class TagOut(Schema):
    name: str
    count: int = Field(description="On how many of your images")


class TagsOut(Schema):
    items: list[TagOut]


@router.post("/bulk-delete", response={200: ChangedOut, **ERRORS})
@_answers_422
def bulk_delete(request, payload: BulkImageIdsIn):
    """Move images to the trash. If any id is not yours to edit, nothing changes (404, or 403 for a weak role)."""
    images = manage.editable_images(request.user, payload.image_ids)
    ids = trash.soft_delete(images, by=request.user)
    return ChangedOut(changed=len(ids), image_ids=ids)


@router.post("/bulk-move", response={200: MovedOut, **ERRORS})
@_answers_422
def bulk_move(request, payload: BulkMoveIn):
    """Move images into a project (edit rights there) or out of any project (`project_id: null`)."""
    images = manage.editable_images(request.user, payload.image_ids)
    target = get_project_for(request.user, payload.project_id, "edit") if payload.project_id else None
    moved = move_images(images, target, by=request.user)
    return MovedOut(moved=moved.count, previous=moved.previous)


@router.post("/bulk-tag", response={200: ChangedOut, **ERRORS})
@_answers_422
def bulk_tag(request, payload: BulkTagIn):
    """Add and/or remove tags on many images (refused whole if one would pass 20 tags)."""
    if not payload.add and not payload.remove:
        raise ManageError("add", "Name tags to add or to remove.")
    images = manage.editable_images(request.user, payload.image_ids)
    changed: dict = {}
    with transaction.atomic():  # a bad `remove` undoes the `add`
        if payload.add:
            changed.update(dict.fromkeys(manage.add_tags(images, payload.add, by=request.user).image_ids))
        if payload.remove:
            changed.update(dict.fromkeys(manage.remove_tags(images, payload.remove, by=request.user).image_ids))
    return ChangedOut(changed=len(changed), image_ids=list(changed))


@router.post("/bulk-favorite", response={200: ChangedOut, **ERRORS})
@_answers_422
def bulk_favorite(request, payload: BulkFavoriteIn):
    """Mark many images as favourites, or (`is_favorite: false`) unmark them."""
    images = manage.editable_images(request.user, payload.image_ids)
    result = manage.bulk_favorite(images, payload.is_favorite, by=request.user)
    return ChangedOut(changed=result.count, image_ids=result.image_ids)


@router.get("/trash", response={200: TrashPageOut, **ERRORS})
def list_trash(request, cursor: str | None = None, limit: int = Query(40, ge=1, le=100)):
    """Images in your trash (and your teams' you may edit), most recently trashed first. Each is purged for good
    `retention_days` after it was trashed."""
    page = trash.trash_page(request.user, cursor, limit)
    return TrashPageOut(items=page.items, next_cursor=page.next_cursor, retention_days=trash.retention_days())


@router.post("/trash/empty", response={200: TrashEmptiedOut, **ERRORS})
def empty_trash(request):
    """Delete for good everything in your trash (team images: workspace admins only). Files go too."""
    return TrashEmptiedOut(deleted=trash.empty_trash(request.user))


@router.delete("/trash/{image_id}", response={204: None, **ERRORS})
def delete_forever(request, image_id: UUID):
    """Delete one trashed image for good, with its files (its creator, or a workspace admin)."""
    trash.delete_forever([trash.get_trashed_for(request.user, image_id, "manage")], by=request.user)
    return Status(204, None)


@router.get("/trash/{image_id}/thumbnail", url_name="trash_thumbnail", response={401: dict, 403: dict, 404: dict})
def trash_thumbnail(request, image_id: UUID):
    """The thumbnail of an image in the trash (its original comes back with it on restore)."""
    image = trash.get_trashed_for(request.user, image_id, "edit")
    return files.serve(image.thumbnail or image.file)


@router.get("/tags", response={200: TagsOut, **ERRORS})
def tag_suggestions(request, prefix: str = Query("", max_length=50), limit: int = Query(10, ge=1, le=20)):
    """Autocomplete: your most used tags that start with `prefix`, most used first."""
    return {"items": manage.suggest_tags(request.user, prefix, limit)}


@router.get("/{image_id}/thumbnail", url_name="image_thumbnail")
def image_thumbnail(request, image_id: UUID):
    image = get_image_for(request.user, image_id)
    return files.serve(image.thumbnail or image.file)


@router.get("/{image_id}", response={200: ImageOut, 401: dict, 404: dict})
def get_image(request, image_id: UUID):
    """One image: its recipe (prompt, negative prompt, seed, parameters), title, notes, tags, rating, favourite."""
    return get_image_for(request.user, image_id)


class ImageUpdateIn(Schema):
    title: str | None = Field(default=None, description='Up to 200 characters; "" clears it')
    notes: str | None = Field(default=None, description='Up to 10,000 characters; "" clears it')
    tags: list[str] | None = Field(default=None, description="Replaces the tags: at most 20, each up to 50 characters")
    rating: int | None = Field(default=None, description="1–5; null (or 0) clears it. Leave it out to keep it")
    is_favorite: bool | None = None


class FavoriteIn(Schema):
    is_favorite: bool | None = Field(default=None, description="Leave out to toggle")


class RateIn(Schema):
    rating: int | None = Field(description="1–5 stars; null or 0 clears the rating")


@router.put("/{image_id}", response={200: ImageOut, **ERRORS})
@_answers_422
def update_image(request, image_id: UUID, payload: ImageUpdateIn):
    """Change an image's title, notes, tags, rating or favourite flag (fields left out stay as they are).
    Needs edit rights: its creator outside projects, or an editor of the project's workspace."""
    image = manage.editable_image(request.user, image_id)
    given = payload.model_fields_set
    # Check every field before writing any, so a bad one changes nothing.
    title = manage.clean_title(payload.title) if payload.title is not None else None
    notes = manage.clean_notes(payload.notes) if payload.notes is not None else None
    tags = manage.clean_tags(payload.tags) if payload.tags is not None else None
    rating = manage.clean_rating(payload.rating) if "rating" in given else image.rating
    with transaction.atomic():
        manage.update_details(image, title=title, notes=notes, by=request.user)
        if tags is not None:
            manage.set_tags(image, tags, by=request.user)
        manage.set_rating(image, rating, by=request.user)
        if payload.is_favorite is not None:
            manage.set_favorite(image, payload.is_favorite, by=request.user)
    return image


@router.delete("/{image_id}", response={204: None, **ERRORS})
def delete_image(request, image_id: UUID):
    """Move the image to the trash (restore it with POST /api/images/{id}/restore)."""
    trash.soft_delete([manage.editable_image(request.user, image_id)], by=request.user)
    return Status(204, None)


@router.post("/{image_id}/favorite", response={200: ImageOut, **ERRORS})
def favorite_image(request, image_id: UUID, payload: FavoriteIn | None = None):
    """Mark or unmark as a favourite; with no body (or `is_favorite` left out) it toggles."""
    image = manage.editable_image(request.user, image_id)
    if payload is None or payload.is_favorite is None:
        return manage.toggle_favorite(image, by=request.user)
    return manage.set_favorite(image, payload.is_favorite, by=request.user)


@router.post("/{image_id}/rate", response={200: ImageOut, **ERRORS})
@_answers_422
def rate_image(request, image_id: UUID, payload: RateIn):
    """Rate 1–5 stars, or clear the rating with null or 0."""
    return manage.set_rating(manage.editable_image(request.user, image_id), payload.rating, by=request.user)


@router.post("/{image_id}/restore", response={200: ImageOut, **ERRORS})
def restore_image(request, image_id: UUID):
    """Bring an image back from the trash."""
    image = trash.get_trashed_for(request.user, image_id, "edit")
    trash.restore([image], by=request.user)
    return image


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
    def resolve_parent_id(image: Image) -> UUID | None:
        return image.parent_image_id

    @staticmethod
    def resolve_model_id(image: Image) -> str | None:
        return image.model.endpoint_id if image.model else None

    @staticmethod
    def resolve_creator(image: Image) -> str:
        return getattr(image, "creator_name", None) or shown_name(image.user)

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
