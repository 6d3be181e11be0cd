"""The seed's /api/projects… endpoints and /api/search/projects. Access: `workspaces.access`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import StreamingHttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.events import activity
from imagestudio.events.api import ActivityPageOut
from imagestudio.gallery.api import ImagePageOut
from imagestudio.projects import selectors, services
from imagestudio.projects.export import project_zip_name, stream_project_zip
from imagestudio.projects.models import Project
from imagestudio.projects.services import ProjectError, ProjectFields
from imagestudio.projects.starters import STARTERS
from imagestudio.workspaces import access
from imagestudio.workspaces.models import Workspace
from imagestudio.workspaces.services import personal_workspace

router = Router(tags=["projects"])
search_router = Router(tags=["projects"])
ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 422: dict}


class ProjectIn(Schema):
    name: str | None = Field(default=None, max_length=400, description="Required unless a template gives one")
    description: str = Field(default="", max_length=2000)
    notes: str = Field(default="", max_length=20_000, description="Markdown")
    category: str = Field(default="", max_length=50)
    tags: list[str] = Field(default_factory=list)
    settings: dict = Field(default_factory=dict, description='Generate defaults: {"model": …, "parameters": {…}}')
    is_public: bool = False
    workspace_id: UUID | None = Field(default=None, description="Default: your personal workspace")
    template: str | None = Field(default=None, description="A built-in template key, or a template project's id")


class ProjectUpdate(Schema):
    name: str | None = Field(default=None, max_length=400)
    description: str | None = Field(default=None, max_length=2000)
    notes: str | None = Field(default=None, max_length=20_000)
    category: str | None = Field(default=None, max_length=50)
    tags: list[str] | None = None
    settings: dict | None = None
    is_public: bool | None = None
    is_template: bool | None = Field(default=None, description="Offer this project as a template")
    cover_image_id: UUID | None = Field(default=None, description="One of the project's images")
    clear_cover: bool = False


class ProjectOut(Schema):
    id: UUID
    workspace_id: UUID
    name: str
    description: str
    notes: str
    category: str
    tags: list[str]
    settings: dict
    cover_image_id: UUID | None
    is_archived: bool
    is_public: bool
    is_template: bool
    image_count: int = 0
    created_at: datetime
    updated_at: datetime


class ProjectPageOut(Schema):
    items: list[ProjectOut]
    next_cursor: str | None


class TemplateOut(Schema):
    key: str = Field(description="Pass as `template` to POST /api/projects")
    name: str
    description: str
    category: str
    tags: list[str]
    settings: dict
    built_in: bool


class ImageIdsIn(Schema):
    image_ids: list[UUID] = Field(min_length=1, max_length=services.MAX_MOVE)


class MovedOut(Schema):
    moved: int
    previous: dict[str, str | None] = Field(description="image id -> the project it was in (to undo)")


class ArchiveIn(Schema):
    archived: bool = True


class DuplicateIn(Schema):
    with_images: bool = Field(default=False, description="Copy the image references too (files are shared)")


class DeletedOut(Schema):
    images_affected: int


def _counted(project: Project) -> Project:
    return selectors.with_image_count(Project.objects.filter(pk=project.pk)).get()


@router.get("", response=ProjectPageOut)
def list_projects(
    request,
    workspace_id: UUID | None = None,
    q: str = "",
    sort: Literal["updated", "name", "created"] = "updated",
    archived: bool = False,
    cursor: str | None = None,
    limit: int = Query(24, ge=1, le=100),
):
    """Projects in your workspaces (or one of them), newest activity first by default."""
    if workspace_id is not None:
        access.require_workspace(request.user, workspace_id)
    return selectors.projects_page(
        request.user,
        workspace_id=workspace_id,
        q=q.strip()[:200],
        archived=archived,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


@router.post("", response={201: ProjectOut, **ERRORS})
def create_project(request, payload: ProjectIn):
    if payload.workspace_id is None:
        workspace = personal_workspace(request.user)
    else:
        access.require_workspace(request.user, payload.workspace_id, "edit")
        workspace = Workspace.objects.get(pk=payload.workspace_id)
    fields = ProjectFields(
        name=payload.name,
        description=payload.description or None,
        notes=payload.notes or None,
        category=payload.category or None,
        tags=payload.tags or None,
        settings=payload.settings or None,
        is_public=payload.is_public,
    )
    project = services.create_project(workspace=workspace, user=request.user, fields=fields, template=payload.template)
    return Status(201, _counted(project))


@router.get("/templates", response=list[TemplateOut])
def list_templates(request):
    """Built-in starters, then projects saved as templates in your workspaces."""
    built_in = [
        TemplateOut(
            key=s.key,
            name=s.name,
            description=s.description,
            category=s.category,
            tags=list(s.tags),
            settings=s.settings,
            built_in=True,
        )
        for s in STARTERS
    ]
    saved = [
        TemplateOut(
            key=str(p.pk),
            name=p.name,
            description=p.description,
            category=p.category,
            tags=p.tags,
            settings=p.settings,
            built_in=False,
        )
        for p in selectors.projects_of(request.user, templates=True).order_by("name")[:100]
    ]
    return built_in + saved


@router.get("/{project_id}", response={200: ProjectOut, **ERRORS})
def get_project(request, project_id: UUID):
    return _counted(access.get_project_for(request.user, project_id))


@router.put("/{project_id}", response={200: ProjectOut, **ERRORS})
def update_project(request, project_id: UUID, payload: ProjectUpdate):
    """Change any of the fields given (editors); `is_template` and `is_public` need the admin role."""
    needs_admin = payload.is_template is not None or payload.is_public is not None
    project = access.get_project_for(request.user, project_id, "manage" if needs_admin else "edit")
    fields = ProjectFields(
        name=payload.name,
        description=payload.description,
        notes=payload.notes,
        category=payload.category,
        tags=payload.tags,
        settings=payload.settings,
        is_public=payload.is_public,
    )
    services.update_project(project, fields)
    if payload.is_template is not None:
        services.set_template(project, payload.is_template)
    if payload.clear_cover:
        services.set_cover(project, None)
    elif payload.cover_image_id is not None:
        services.set_cover(project, access.get_image_for(request.user, payload.cover_image_id))
    return _counted(project)


@router.delete("/{project_id}", response={200: DeletedOut, **ERRORS})
def delete_project(request, project_id: UUID, images: Literal["trash", "keep"] = "keep"):
    """Delete a project (admins). `images=trash` moves its images to the trash; `keep` (default) leaves
    them in your gallery without a project."""
    project = access.get_project_for(request.user, project_id, "manage")
    return DeletedOut(images_affected=services.delete_project(project, images=images, by=request.user))


@router.get("/{project_id}/images", response={200: ImagePageOut, **ERRORS})
def project_images(request, project_id: UUID, cursor: str | None = None, limit: int = Query(40, ge=1, le=100)):
    project = access.get_project_for(request.user, project_id)
    return selectors.project_images_page(project, cursor, limit)


@router.post("/{project_id}/images/add", response={200: MovedOut, **ERRORS})
def add_images(request, project_id: UUID, payload: ImageIdsIn):
    """Move images into this project (from another project or none). Needs edit rights on both sides."""
    project = access.get_project_for(request.user, project_id, "edit")
    images = [access.get_image_for(request.user, image_id, "edit") for image_id in dict.fromkeys(payload.image_ids)]
    moved = services.move_images(images, project, by=request.user)
    return MovedOut(moved=moved.count, previous=moved.previous)


@router.delete("/{project_id}/images/{image_id}", response={200: MovedOut, **ERRORS})
def remove_image(request, project_id: UUID, image_id: UUID):
    """Take an image out of this project; it stays in its creator's gallery."""
    project = access.get_project_for(request.user, project_id, "edit")
    image = access.get_image_for(request.user, image_id, "edit")
    if image.project_id != project.pk:
        raise ProjectError("image_id", "That image is not in this project.")
    moved = services.move_images([image], None, by=request.user)
    return MovedOut(moved=moved.count, previous=moved.previous)


@router.post("/{project_id}/duplicate", response={201: ProjectOut, **ERRORS})
def duplicate_project(request, project_id: UUID, payload: DuplicateIn | None = None):
    project = access.get_project_for(request.user, project_id, "view")
    access.require_workspace(request.user, project.workspace_id, "edit")
    copy = services.duplicate_project(project, user=request.user, with_images=bool(payload and payload.with_images))
    return Status(201, _counted(copy))


@router.put("/{project_id}/archive", response={200: ProjectOut, **ERRORS})
def archive_project(request, project_id: UUID, payload: ArchiveIn | None = None):
    """Archive (default) or, with `{"archived": false}`, bring back a project."""
    project = access.get_project_for(request.user, project_id, "edit")
    services.set_archived(project, payload.archived if payload else True, by=request.user)
    return _counted(project)


@router.post("/{project_id}/export", response={200: None, **ERRORS})
def export_project(request, project_id: UUID):
    """The project as a ZIP, streamed: originals, metadata.json, metadata.csv and prompts.txt."""
    project = access.get_project_for(request.user, project_id)
    return _zip_response(project)


def _zip_response(project: Project) -> StreamingHttpResponse:
    images = project.images.alive().select_related("model").order_by("created_at", "id").iterator(chunk_size=200)
    response = StreamingHttpResponse(stream_project_zip(project, images), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{project_zip_name(project)}"'
    return response


@search_router.get("/projects", response=ProjectPageOut)
def search_projects(request, q: str = "", cursor: str | None = None, limit: int = Query(24, ge=1, le=100)):
    """Projects in your workspaces whose name, description or category contain every word of `q`."""
    return selectors.projects_page(request.user, q=q.strip()[:200], sort="name", cursor=cursor, limit=limit)


@router.get("/{project_id}/activity", response={200: ActivityPageOut, **ERRORS})
def project_activity(request, project_id: UUID, cursor: str | None = None, limit: int = Query(30, ge=1, le=100)):
    """What happened in this project, newest first."""
    project = access.get_project_for(request.user, project_id)
    return activity.project_activity(project.pk, cursor, limit)
