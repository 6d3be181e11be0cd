"""The seed's /api/collections… endpoints. Access: `workspaces.access` (viewers see, editors fill and
reorder, admins publish, share and delete; everyone else gets 404)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.collections import selectors, services
from imagestudio.collections.models import Collection
from imagestudio.gallery.api import ImagePageOut
from imagestudio.lib.pagination import Page
from imagestudio.sharing import services as sharing
from imagestudio.sharing.api import ProjectShareIn, ShareOut, share_out
from imagestudio.workspaces import access
from imagestudio.workspaces.models import Workspace
from imagestudio.workspaces.services import personal_workspace

router = Router(tags=["collections"])
ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 422: dict}
FilterParams = dict[str, str | list[str]]


class CollectionIn(Schema):
    name: str = Field(max_length=400)
    description: str = Field(default="", max_length=services.MAX_DESCRIPTION)
    is_public: bool = Field(default=False, description="Needs the admin role")
    workspace_id: UUID | None = Field(default=None, description="Default: your personal workspace")
    filter: FilterParams | None = Field(
        default=None,
        description='A smart collection: gallery query parameters, e.g. {"favourite": "1", "tags": ["cat"]}',
    )


class CollectionUpdate(Schema):
    name: str | None = Field(default=None, max_length=400)
    description: str | None = Field(default=None, max_length=services.MAX_DESCRIPTION)
    is_public: bool | None = Field(default=None, description="Needs the admin role")
    filter: FilterParams | None = Field(default=None, description="Smart collections only")
    cover_image_id: UUID | None = Field(default=None, description="One of the collection's images")
    clear_cover: bool = Field(default=False, description="Back to the first image as the cover")


class CollectionOut(Schema):
    id: UUID
    workspace_id: UUID
    name: str
    description: str
    cover_image_id: UUID | None
    is_public: bool
    is_smart: bool
    filter: FilterParams | None = Field(alias="filter_params")
    image_count: int = Field(0, description="Images in a manual collection (smart ones: 0, see /images)")
    created_by_id: UUID | None
    created_at: datetime
    updated_at: datetime


class CollectionPageOut(Schema):
    items: list[CollectionOut]
    next_cursor: str | None


class ImageIdsIn(Schema):
    image_ids: list[UUID] = Field(min_length=1, max_length=services.MAX_ADD)


class OrderIn(Schema):
    image_ids: list[UUID] = Field(
        min_length=1,
        max_length=services.MAX_REORDER,
        description="The new order; listed images take the positions they held between them, others stay put",
    )


class AddedOut(Schema):
    added: int
    already: int = Field(description="Images that were in the collection already (ignored)")
    image_count: int


class ReorderedOut(Schema):
    moved: int = Field(description="Images whose position changed")


def _counted(collection: Collection) -> Collection:
    return selectors.with_image_count(Collection.objects.filter(pk=collection.pk)).get()


@router.get("", response={200: CollectionPageOut, **ERRORS})
def list_collections(
    request,
    workspace_id: UUID | None = None,
    q: str = "",
    editable: bool = Query(False, description="Only manual collections you may add images to"),
    cursor: str | None = None,
    limit: int = Query(24, ge=1, le=100),
):
    """Collections in your workspaces (or one of them), most recently changed first."""
    if workspace_id is not None:
        access.require_workspace(request.user, workspace_id)
    return selectors.collections_page(
        request.user, workspace_id=workspace_id, q=q.strip()[:200], editable=editable, cursor=cursor, limit=limit
    )


@router.post("", response={201: CollectionOut, **ERRORS})
def create_collection(request, payload: CollectionIn):
    """A new collection (editors of the workspace); with `filter` a smart collection."""
    workspace_id = payload.workspace_id or personal_workspace(request.user).pk
    access.require_workspace(request.user, workspace_id, "manage" if payload.is_public else "edit")
    collection = services.create_collection(
        workspace=Workspace.objects.get(pk=workspace_id),
        user=request.user,
        name=payload.name,
        description=payload.description,
        is_public=payload.is_public,
        filter_params=payload.filter,
    )
    return Status(201, _counted(collection))


@router.get("/{collection_id}", response={200: CollectionOut, **ERRORS})
def get_collection(request, collection_id: UUID):
    return _counted(access.get_collection_for(request.user, collection_id))


@router.put("/{collection_id}", response={200: CollectionOut, **ERRORS})
def update_collection(request, collection_id: UUID, payload: CollectionUpdate):
    """Change any of the fields given (editors); `is_public` needs the admin role."""
    action: access.Action = "manage" if payload.is_public is not None else "edit"
    collection = access.get_collection_for(request.user, collection_id, action)
    changes = payload.model_dump(exclude_unset=True, include={"name", "description", "is_public", "filter"})
    if "filter" in changes:
        changes["filter_params"] = changes.pop("filter")
    changes = {key: value for key, value in changes.items() if value is not None or key == "filter_params"}
    cover = None
    if payload.cover_image_id is not None and not payload.clear_cover:
        cover = selectors.collection_images(collection, request.user).filter(pk=payload.cover_image_id).first()
        if cover is None:
            raise services.CollectionError("cover_image_id", "Choose the cover from this collection's images.")
    services.update_collection(collection, **changes)
    if payload.clear_cover or cover is not None:
        services.set_cover(collection, cover)
    return _counted(collection)


@router.delete("/{collection_id}", response={204: None, **ERRORS})
def delete_collection(request, collection_id: UUID):
    """Delete a collection (admins). Its images stay where they are."""
    services.delete_collection(access.get_collection_for(request.user, collection_id, "manage"), by=request.user)
    return Status(204, None)


@router.get("/{collection_id}/images", response={200: ImagePageOut, **ERRORS})
def collection_images(request, collection_id: UUID, cursor: str | None = None, limit: int = Query(60, ge=1, le=200)):
    """The images in their order (manual), or what the saved filter finds (smart: the first matches)."""
    collection = access.get_collection_for(request.user, collection_id)
    if collection.is_smart:
        return Page(items=list(selectors.smart_images(collection, request.user)[:limit]), next_cursor=None)
    return selectors.images_page(collection, cursor, limit)


@router.post("/{collection_id}/images", response={200: AddedOut, **ERRORS})
def add_images(request, collection_id: UUID, payload: ImageIdsIn):
    """Add images you can see to the end of the collection (editors). Ones already in it are ignored."""
    collection = access.get_collection_for(request.user, collection_id, "edit")
    ids = list(dict.fromkeys(payload.image_ids))
    images = list(access.images_visible_to(request.user).filter(pk__in=ids).only("id"))
    if len(images) != len(ids):
        missing = next(str(i) for i in ids if i not in {image.pk for image in images})
        return Status(404, {"detail": f"No such image: {missing}.", "field": "image_ids"})
    order = {image_id: index for index, image_id in enumerate(ids)}
    images.sort(key=lambda image: order[image.pk])
    added = services.add_images(collection, images, by=request.user)
    return AddedOut(added=added.added, already=added.already, image_count=selectors.image_count(collection))


@router.delete("/{collection_id}/images/{image_id}", response={204: None, **ERRORS})
def remove_image(request, collection_id: UUID, image_id: UUID):
    """Take an image out of the collection (editors); the image itself stays."""
    collection = access.get_collection_for(request.user, collection_id, "edit")
    if not services.remove_image(collection, image_id):
        return Status(404, {"detail": "That image is not in this collection.", "field": "image_id"})
    return Status(204, None)


@router.put("/{collection_id}/reorder", response={200: ReorderedOut, **ERRORS})
def reorder(request, collection_id: UUID, payload: OrderIn):
    """Put the listed images in this order (editors): one UPDATE whatever their number."""
    collection = access.get_collection_for(request.user, collection_id, "edit")
    return ReorderedOut(moved=services.reorder(collection, payload.image_ids))


@router.post("/{collection_id}/share", response={201: ShareOut, **ERRORS})
def share_collection(request, collection_id: UUID, payload: ProjectShareIn | None = None):
    """A read-only link to the collection, its images in order (admins). Same body and answer as projects'."""
    collection = access.get_collection_for(request.user, collection_id, "manage")
    payload = payload or ProjectShareIn()
    options = sharing.LinkOptions(
        expires_at=payload.expires_at,
        password=payload.password,
        allow_download=payload.allow_download,
        allow_review=payload.allow_review,  # refused with a clear 422: review links are for projects
    )
    link = sharing.share_collection(collection, user=request.user, options=options)
    return Status(201, share_out(request, link))
