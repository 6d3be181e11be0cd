"""The seed's /api/prompts… endpoints (the prompt library) and /api/search/prompts.

Access: `workspaces.access` — in a workspace viewers read, editors write, admins delete and publish; anyone
signed in reads, favourites, uses and copies public and starter prompts. Lists and writes act on the current
workspace (the one picked in the sidebar; with a token, your personal one) unless `workspace_id` names
another. Literal paths come before `/{prompt_id}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.prompts import library, transfer
from imagestudio.prompts.library import PromptError, PromptFields
from imagestudio.prompts.models import Prompt
from imagestudio.workspaces import access
from imagestudio.workspaces.current import current_workspace
from imagestudio.workspaces.models import Workspace

router = Router(tags=["prompts"])
search_router = Router(tags=["prompts"])
ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 422: dict}
WORKSPACE_HELP = "Default: the current workspace (with a token: your personal one)"


class PromptIn(Schema):
    title: str = Field(default="", max_length=400, description="Default: the prompt's first words")
    prompt_text: str = Field(max_length=8000)
    negative_prompt: str = Field(default="", max_length=4000)
    category: str = Field(default="", max_length=100, description="One of GET /api/prompts/categories, or your own")
    tags: list[str] = Field(default_factory=list)
    is_public: bool = Field(default=False, description="Share with everyone signed in (needs the admin role)")
    workspace_id: UUID | None = Field(default=None, description=WORKSPACE_HELP)


class PromptUpdate(Schema):
    title: str | None = Field(default=None, max_length=400)
    prompt_text: str | None = Field(default=None, max_length=8000)
    negative_prompt: str | None = Field(default=None, max_length=4000)
    category: str | None = Field(default=None, max_length=100)
    tags: list[str] | None = None
    is_public: bool | None = Field(default=None, description="Needs the admin role")


class PromptOut(Schema):
    id: UUID
    workspace_id: UUID | None = Field(description="None for the studio's starter prompts")
    title: str
    prompt_text: str
    negative_prompt: str
    category: str
    tags: list[str]
    is_public: bool
    is_starter: bool
    is_favorite: bool = Field(False, description="Your favourite")
    usage_count: int
    source_id: UUID | None = Field(description="The prompt this one was copied from")
    created_at: datetime
    updated_at: datetime


class PromptPageOut(Schema):
    items: list[PromptOut]
    next_cursor: str | None


class PromptCategoryOut(Schema):
    name: str = Field(description='"" counts prompts without a category')
    count: int


class PromptFavoriteIn(Schema):
    favorite: bool | None = Field(default=None, description="Set it; leave out to toggle")


class FavoriteOut(Schema):
    id: UUID
    is_favorite: bool


class CopyIn(Schema):
    workspace_id: UUID | None = Field(default=None, description=WORKSPACE_HELP)


class UseOut(Schema):
    id: UUID
    usage_count: int
    prompt_text: str
    negative_prompt: str
    generate_url: str = Field(description="The generate page with the prompt filled in")


class ProblemOut(Schema):
    line: int = Field(description="Line in the file where the row starts (0: the file as a whole)")
    field: str
    message: str


class PromptImportOut(Schema):
    created: int
    skipped: int = Field(description="Rows whose prompt is already in the library (or earlier in the file)")
    items: list[PromptOut]


class ImportErrorOut(Schema):
    detail: str
    field: str
    error_count: int
    errors: list[ProblemOut]


class HistoryOut(Schema):
    prompt: str
    count: int = Field(description="Jobs run with it")
    last_used_at: datetime
    saved_prompt_id: UUID | None = Field(description="The library prompt with this text in the workspace, if any")


class HistoryPageOut(Schema):
    items: list[HistoryOut]
    next_cursor: str | None


def _workspace(request, workspace_id: UUID | None, action: access.Action = "view") -> Workspace:
    if workspace_id is None:
        workspace = current_workspace(request)
        access.require_workspace(request.user, workspace.pk, action)
        return workspace
    access.require_workspace(request.user, workspace_id, action)
    return Workspace.objects.get(pk=workspace_id)


def _out(prompt: Prompt, user) -> Prompt:
    return library.with_favorite(Prompt.objects.filter(pk=prompt.pk), user).get()


def _invalid(exc: PromptError):
    return Status(422, {"detail": exc.message, "field": exc.field})


@router.get("", response={200: PromptPageOut, **ERRORS})
def list_prompts(
    request,
    workspace_id: UUID | None = Query(None, description=WORKSPACE_HELP),
    q: str = Query("", max_length=200, description="Every word must appear in the title, prompt, tags or category"),
    category: str = Query("", max_length=100),
    favorite: bool = Query(False, description="Your favourites anywhere you can see them (public ones included)"),
    sort: library.Sort = "updated",
    cursor: str | None = None,
    limit: int = Query(24, ge=1, le=100),
):
    """The workspace's prompt library, last changed first by default."""
    workspace = _workspace(request, workspace_id)
    return library.library_page(
        request.user,
        workspace_id=workspace.pk,
        q=q,
        category=category,
        favorite=favorite,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


@router.post("", response={201: PromptOut, **ERRORS})
def create_prompt(request, payload: PromptIn):
    """Save a prompt to the library (editors; `is_public` needs the admin role)."""
    workspace = _workspace(request, payload.workspace_id, "manage" if payload.is_public else "edit")
    fields = PromptFields(
        title=payload.title,
        prompt_text=payload.prompt_text,
        negative_prompt=payload.negative_prompt,
        category=payload.category,
        tags=payload.tags,
        is_public=payload.is_public,
    )
    try:
        prompt = library.create_prompt(workspace=workspace, user=request.user, fields=fields)
    except PromptError as exc:
        return _invalid(exc)
    return Status(201, prompt)


@router.get("/categories", response={200: list[PromptCategoryOut], **ERRORS})
def list_categories(
    request,
    scope: Literal["workspace", "public"] = "workspace",
    workspace_id: UUID | None = Query(None, description=WORKSPACE_HELP),
):
    """The categories with how many prompts each has: the built-in ones first (0 when empty), then your own."""
    if scope == "public":
        return library.category_counts(library.public_prompts())
    workspace = _workspace(request, workspace_id)
    return library.category_counts(library.library(request.user, workspace_id=workspace.pk))


@router.get("/public", response={200: PromptPageOut, **ERRORS})
def list_public(
    request,
    q: str = Query("", max_length=200),
    category: str = Query("", max_length=100),
    source: library.Source = Query("all", description="starter: the studio's; community: published by people"),
    sort: library.PublicSort = "newest",
    cursor: str | None = None,
    limit: int = Query(24, ge=1, le=100),
):
    """Public prompts: the studio's starter library and prompts people shared. Favourite, use or copy them."""
    return library.public_page(
        request.user, q=q, category=category, source=source, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/export", response={200: None, **ERRORS})
def export_prompts(
    request,
    format: Literal["json", "csv"] = "json",
    workspace_id: UUID | None = Query(None, description=WORKSPACE_HELP),
):
    """The workspace's prompts as a JSON or CSV file (POST /api/prompts/import reads both back)."""
    workspace = _workspace(request, workspace_id)
    body, content_type, name = transfer.export_library(workspace, request.user, format)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/import", response={201: PromptImportOut, 400: dict, 401: dict, 403: dict, 404: dict, 422: ImportErrorOut}
)
def import_prompts(request):
    """Import prompts from a JSON or CSV file (multipart field `file`; `workspace_id` optional; `format`
    json|csv when the file name does not say). All or nothing: a 422 lists every bad row by line."""
    workspace_id = request.POST.get("workspace_id") or None
    try:
        workspace = _workspace(request, UUID(workspace_id) if workspace_id else None, "edit")
    except ValueError:
        return Status(
            422, {"detail": "workspace_id is not a valid id.", "field": "workspace_id", "error_count": 1, "errors": []}
        )
    upload = request.FILES.get("file")
    if upload is None:
        return Status(
            422,
            {"detail": "Send the file in the multipart field `file`.", "field": "file", "error_count": 1, "errors": []},
        )
    if upload.size is not None and upload.size > transfer.MAX_IMPORT_BYTES:
        problem = transfer.Problem(0, "file", f"The file is over {transfer.MAX_IMPORT_BYTES // 1048576} MB.")
        return _import_failed(transfer.ImportFailed([problem]))
    fmt = request.POST.get("format") or None
    try:
        result = transfer.import_library(
            workspace=workspace, user=request.user, data=upload.read(), name=upload.name or "", fmt=fmt
        )
    except transfer.ImportFailed as exc:
        return _import_failed(exc)
    items = list(library.with_favorite(Prompt.objects.filter(pk__in=[p.pk for p in result.created]), request.user))
    return Status(201, {"created": len(result.created), "skipped": result.skipped, "items": items})


def _import_failed(exc: transfer.ImportFailed):
    errors = [{"line": p.line, "field": p.field, "message": p.message} for p in exc.problems]
    return Status(422, {"detail": str(exc), "field": "file", "error_count": exc.total, "errors": errors})


@router.get("/history", response={200: HistoryPageOut, **ERRORS})
def prompt_history(
    request,
    q: str = Query("", max_length=200, description="Every word must appear in the prompt"),
    workspace_id: UUID | None = Query(None, description=WORKSPACE_HELP),
    cursor: str | None = None,
    limit: int = Query(24, ge=1, le=100),
):
    """Every prompt you ran (as you typed it), most recently used first, with how many jobs used it."""
    workspace = _workspace(request, workspace_id)
    return library.history_page(request.user, q=q, cursor=cursor, limit=limit, workspace_id=workspace.pk)


@router.get("/{prompt_id}", response={200: PromptOut, **ERRORS})
def get_prompt(request, prompt_id: UUID):
    return _out(access.get_prompt_for(request.user, prompt_id), request.user)


@router.put("/{prompt_id}", response={200: PromptOut, **ERRORS})
def update_prompt(request, prompt_id: UUID, payload: PromptUpdate):
    """Change any of the fields given (editors); `is_public` needs the admin role."""
    prompt = access.get_prompt_for(request.user, prompt_id, "manage" if payload.is_public is not None else "edit")
    fields = PromptFields(**payload.model_dump(exclude_unset=True, exclude_none=True))
    try:
        library.update_prompt(prompt, fields, by=request.user)
    except PromptError as exc:
        return _invalid(exc)
    return _out(prompt, request.user)


@router.delete("/{prompt_id}", response={204: None, **ERRORS})
def delete_prompt(request, prompt_id: UUID):
    """Delete a prompt (admins of its workspace)."""
    library.delete_prompt(access.get_prompt_for(request.user, prompt_id, "manage"), by=request.user)
    return Status(204, None)


@router.post("/{prompt_id}/favorite", response={200: FavoriteOut, **ERRORS})
def favorite_prompt(request, prompt_id: UUID, payload: PromptFavoriteIn | None = None):
    """Favourite a prompt you can see (yours, your team's, public or starter): `{"favorite": true|false}`
    sets it, no body toggles it. Favourites are yours alone."""
    prompt = access.get_prompt_for(request.user, prompt_id)
    state = library.set_favorite(prompt, request.user, payload.favorite if payload else None)
    return {"id": prompt.pk, "is_favorite": state}


@router.post("/{prompt_id}/copy", response={201: PromptOut, **ERRORS})
def copy_prompt(request, prompt_id: UUID, payload: CopyIn | None = None):
    """Copy a prompt you can see into a workspace where you may edit (a private copy you can change)."""
    prompt = access.get_prompt_for(request.user, prompt_id)
    workspace = _workspace(request, payload.workspace_id if payload else None, "edit")
    return Status(201, library.copy_prompt(prompt, workspace=workspace, user=request.user))


@router.post("/{prompt_id}/use", response={200: UseOut, **ERRORS})
def use_prompt(request, prompt_id: UUID):
    """Count a use and answer the generate page's address with the prompt filled in."""
    prompt = access.get_prompt_for(request.user, prompt_id)
    count = library.use_prompt(prompt)
    return {
        "id": prompt.pk,
        "usage_count": count,
        "prompt_text": prompt.prompt_text,
        "negative_prompt": prompt.negative_prompt,
        "generate_url": library.generate_url(prompt.prompt_text),
    }


@search_router.get("/prompts", response={200: PromptPageOut, **ERRORS})
def search_prompts(
    request,
    q: str = Query("", max_length=200),
    cursor: str | None = None,
    limit: int = Query(24, ge=1, le=100),
):
    """Prompts you can see — your workspaces', public and starter ones — with every word of `q` in the title,
    prompt, negative prompt, tags or category; most recently changed first."""
    return library.search_page(request.user, q=q, cursor=cursor, limit=limit)
