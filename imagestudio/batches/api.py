"""Batches over the API (mounted at /api/generate):

POST /api/generate/batch                        exactly one source: prompts | csv | template + variables |
                                                prompt + seeds; 202 {"batch": {...}} or 422 with per-line errors
GET  /api/generate/batch/{id}                   counts by status, progress, and the items (by position)
POST /api/generate/batch/{id}/pause|resume|cancel|retry-failed
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Router, Schema, Status
from pydantic import Field

from imagestudio.batches import services, sources
from imagestudio.batches.access import get_batch_for
from imagestudio.batches.models import Batch, BatchItem
from imagestudio.catalog.params import ParameterError
from imagestudio.catalog.services import get_model
from imagestudio.generation.access import get_preset_for, limit_generation
from imagestudio.workspaces.access import get_project_for
from imagestudio.workspaces.current import current_workspace

router = Router(tags=["batches"])
ERRORS = {401: dict, 402: dict, 403: dict, 404: dict, 409: dict, 422: dict, 429: dict}


class BatchIn(Schema):
    prompts: list[str] | None = Field(default=None, description="One item per prompt")
    csv: str | None = Field(
        default=None,
        max_length=2 * 1024 * 1024,  # the page's CSV file limit
        description="CSV text; header names the columns: prompt (required), negative_prompt, model, seed, width, "
        "height, num_images and any model parameter",
    )
    template: str | None = Field(default=None, description="A prompt with {{variables}}; needs `variables`")
    variables: dict[str, list[str]] | None = Field(default=None, description="Values per variable: every combination")
    prompt: str | None = Field(default=None, description="With `seeds`: one prompt, one item per seed")
    dynamic: Literal["random", "all", "none"] = Field(
        default="random",
        description="{a|b} alternations in the prompts: one random pick per item, every combination, or kept as text",
    )
    seeds: list[int] | None = None
    model_id: str | None = Field(default=None, description="Required unless a preset names the model")
    preset_id: UUID | None = Field(
        default=None, description="A saved preset: its model and settings (under `parameters`)"
    )
    parameters: dict = Field(default_factory=dict, description="Shared by every item (an item's own values win)")
    project_id: UUID | None = None
    priority: int = Field(default=0, ge=-100, le=100, description="Orders this batch among your own jobs")
    run_after: datetime | None = Field(default=None, description="Start no earlier than this time")
    budget_credits: int | None = Field(default=None, ge=0, description="Stop feeding before passing this")
    name: str = Field(default="", max_length=200)


class BatchSummaryOut(Schema):
    id: UUID
    total: int
    status: str
    estimated_credits: int


class BatchCreatedOut(Schema):
    batch: BatchSummaryOut


class ItemOut(Schema):
    position: int
    label: str
    prompt: str
    status: str
    job_id: UUID | None
    image_ids: list[UUID]
    error: str | None

    @staticmethod
    def resolve_image_ids(item: BatchItem) -> list:
        return [image.pk for image in item.job.images.all()] if item.job else []

    @staticmethod
    def resolve_error(item: BatchItem) -> str | None:
        return item.error_message or None


class CountsOut(Schema):
    pending: int
    queued: int
    running: int
    succeeded: int
    failed: int
    canceled: int


class BatchOut(Schema):
    id: UUID
    name: str
    status: str
    status_message: str
    model_id: str
    total: int
    estimated_credits: int
    credits_committed: int
    budget_credits: int | None
    run_after: datetime | None
    created_at: datetime
    completed_at: datetime | None
    counts: CountsOut
    per_minute: float | None = Field(description="Items finished per minute lately")
    eta: datetime | None = Field(description="Estimated completion, while running")
    items: list[ItemOut]
    next_position: int | None = Field(description="Pass as `after` for the next page of items")


def _source(payload: BatchIn) -> tuple[str, list[sources.Row]]:
    given = [
        name
        for name, present in (
            ("prompts", payload.prompts is not None),
            ("csv", payload.csv is not None),
            ("template", payload.template is not None),
            ("seeds", payload.seeds is not None),
        )
        if present
    ]
    if len(given) != 1:
        raise ParameterError("source", "Send exactly one of prompts, csv, template (+ variables) or prompt + seeds.")
    if payload.prompts is not None:
        return "prompts", sources.from_lines("\n".join(line.replace("\n", " ") for line in payload.prompts))
    if payload.csv is not None:
        return "csv", sources.from_csv(payload.csv)
    if payload.template is not None:
        return "template", sources.from_template(payload.template, payload.variables or {})
    return "seeds", sources.seed_grid(payload.prompt or "", payload.seeds or [])


def _line_errors(exc: sources.SourceError) -> dict:
    return {
        "detail": str(exc),
        "field": "source",
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors[:200]],
    }


@router.post("/batch", response={202: BatchCreatedOut, **ERRORS})
def create_batch(request, payload: BatchIn):
    """Queue many generations; they are fed to the queue a few at a time. A bad row refuses the whole batch,
    listing every bad line."""
    limit_generation(request)
    model, parameters = get_model(payload.model_id) if payload.model_id else None, dict(payload.parameters)
    if payload.preset_id:
        preset_model, preset_parameters = services.preset_parameters(get_preset_for(request.user, payload.preset_id))
        model, parameters = model or preset_model, {**preset_parameters, **parameters}
    if model is None or "text-to-image" not in model.capabilities:
        raise ParameterError("model_id", f"No text-to-image model {payload.model_id!r}. GET /api/models lists them.")
    project = get_project_for(request.user, payload.project_id, "edit") if payload.project_id else None
    settings = services.Settings(
        model=model,
        parameters=parameters,
        project=project,
        priority=payload.priority,
        run_after=payload.run_after,
        budget_credits=payload.budget_credits,
        name=payload.name,
    )
    try:
        source, rows = _source(payload)
        rows = sources.expand_dynamic(rows, payload.dynamic)
        workspace = project.workspace if project else current_workspace(request)
        batch = services.create(request.user, workspace, source, rows, settings)
    except sources.SourceError as exc:
        return Status(422, _line_errors(exc))
    return Status(202, {"batch": batch})


def batch_out(batch: Batch, *, after: int = -1, limit: int = 100) -> dict:
    progress = services.progress(batch)
    items = list(
        batch.items.filter(position__gt=after).select_related("job").prefetch_related("job__images")[: limit + 1]
    )
    more = len(items) > limit
    items = items[:limit]
    fields = ("id", "name", "status", "status_message", "total", "estimated_credits", "credits_committed")
    return {
        **{field: getattr(batch, field) for field in fields},
        "budget_credits": batch.budget_credits,
        "run_after": batch.run_after,
        "created_at": batch.created_at,
        "completed_at": batch.completed_at,
        "model_id": batch.model.endpoint_id,
        "counts": progress,
        "per_minute": progress.per_minute,
        "eta": progress.eta,
        "items": items,
        "next_position": items[-1].position if more and items else None,
    }


@router.get("/batch/{batch_id}", response={200: BatchOut, 401: dict, 404: dict})
def batch_status(request, batch_id: UUID, after: int = -1, limit: int = 100):
    """Counts by status, throughput and estimated completion, and the items after position `after`."""
    return batch_out(get_batch_for(request.user, batch_id), after=after, limit=max(1, min(limit, 500)))


@router.post("/batch/{batch_id}/pause", response={200: BatchOut, **ERRORS})
def pause(request, batch_id: UUID):
    """No new submissions; waiting jobs go back to the batch (refunded), running ones finish."""
    return _checked(request, batch_id, services.pause)


class ResumeIn(Schema):
    budget_credits: int | None = Field(default=None, ge=0, description="A new budget, e.g. after the cap stopped it")


@router.post("/batch/{batch_id}/resume", response={200: BatchOut, **ERRORS})
def resume(request, batch_id: UUID, payload: ResumeIn | None = None):
    budget = payload.budget_credits if payload else None
    return _checked(request, batch_id, lambda batch: services.resume(batch, budget_credits=budget))


@router.post("/batch/{batch_id}/cancel", response={200: BatchOut, **ERRORS})
def cancel(request, batch_id: UUID):
    """Drop waiting items; cancel and refund fed jobs."""
    return _checked(request, batch_id, services.cancel)


@router.post("/batch/{batch_id}/retry-failed", response={200: BatchOut, **ERRORS})
def retry_failed(request, batch_id: UUID):
    """Failed items wait again and are fed like the rest."""
    return _checked(request, batch_id, services.retry_failed)


def _checked(request, batch_id: UUID, command):
    """Run a control command; 409 when it does not fit the batch's state."""
    batch = get_batch_for(request.user, batch_id, "manage")
    try:
        command(batch)
    except services.BatchError as exc:
        return Status(409, {"detail": str(exc)})
    return batch_out(get_batch_for(request.user, batch_id), limit=0)
