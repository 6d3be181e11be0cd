from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from imagestudio.catalog.params import ParameterError
from imagestudio.catalog.services import get_model
from imagestudio.generation import selectors, services
from imagestudio.generation.access import get_job_for, limit_generation
from imagestudio.generation.models import GenerationJob
from imagestudio.lib.pagination import paginate_newest_first
from imagestudio.workspaces.access import get_project_for

router = Router(tags=["generate"])


class TextToImageIn(Schema):
    model_id: str = Field(description="Model id, endpoint id (fal-ai/flux/dev) or slug")
    prompt: str = Field(max_length=4000)
    negative_prompt: str = Field(default="", max_length=2000)
    project_id: UUID | None = None
    priority: int = Field(default=0, ge=-100, le=100)
    run_after: datetime | None = Field(default=None, description="Schedule: start no earlier than this time")
    parameters: dict = Field(
        default_factory=dict,
        description="image_size | aspect_ratio | width+height, "
        "num_images, seed, guidance_scale, num_inference_steps, … (fal's input names)",
    )


class JobOut(Schema):
    id: UUID
    status: str
    model_id: str
    prompt: str
    negative_prompt: str
    parameters: dict
    num_images: int
    width: int
    height: int
    priority: int
    progress: float
    progress_message: str
    queue_position: int | None
    image_ids: list[UUID]
    error: str | None
    error_field: str | None
    credits_reserved: int
    credits_charged: int
    own_fal_key: bool = Field(
        description="Ran on your own fal.ai key (Settings → API keys): no credits reserved or charged"
    )
    batch_id: UUID | None = Field(description="The batch this job was fed from, if any")
    batch_status: str | None = Field(
        description="That batch's status: running, paused, budget_reached, … (none for a job a pause took back)"
    )
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None

    @staticmethod
    def resolve_model_id(job: GenerationJob) -> str:
        return job.model.endpoint_id

    @staticmethod
    def resolve_image_ids(job: GenerationJob) -> list:
        return [image.pk for image in sorted(job.images.all(), key=lambda i: i.output_index)]

    @staticmethod
    def resolve_error(job: GenerationJob) -> str | None:
        return job.error_message or None

    @staticmethod
    def resolve_batch_status(job: GenerationJob) -> str | None:
        try:  # the batches app's item for this job (a reverse one-to-one; no import of that app)
            return job.batch_item.batch.status
        except ObjectDoesNotExist:
            return None

    @staticmethod
    def resolve_error_field(job: GenerationJob) -> str | None:
        return job.error_field or None


class JobStatusOut(Schema):
    id: UUID
    status: str
    progress: float
    progress_message: str
    queue_position: int | None
    image_ids: list[UUID]
    error: str | None
    error_field: str | None

    resolve_image_ids = staticmethod(JobOut.resolve_image_ids)
    resolve_error = staticmethod(JobOut.resolve_error)
    resolve_error_field = staticmethod(JobOut.resolve_error_field)


@router.post("/text-to-image", response={202: JobOut})
def text_to_image(request, payload: TextToImageIn):
    return queue_text_to_image(request, payload)


# Mounted at /api/images: the seed's image-centric path for the same command.
images_router = Router(tags=["images"])


@images_router.post("/generate", response={202: JobOut})
def generate_images(request, payload: TextToImageIn):
    """Same as POST /api/generate/text-to-image (the seed's image-centric path)."""
    return queue_text_to_image(request, payload)


def queue_text_to_image(request, payload: TextToImageIn):
    limit_generation(request)
    model = get_model(payload.model_id)
    if model is None:
        raise ParameterError("model_id", f"No model {payload.model_id!r}. GET /api/models lists them.")
    if "text-to-image" not in model.capabilities:
        raise ParameterError("model_id", f"{model.display_name} does not do text-to-image.")
    project = None
    if payload.project_id:
        project = get_project_for(request.user, payload.project_id, "edit")
    job = services.enqueue(
        services.GenerationRequest(
            user=request.user,
            model=model,
            prompt=payload.prompt,
            negative_prompt=payload.negative_prompt,
            parameters=payload.parameters,
            project=project,
            priority=payload.priority,
            run_after=payload.run_after,
        )
    )
    return Status(202, get_job_for(request.user, job.pk))


class JobPageOut(Schema):
    items: list[JobOut]
    next_cursor: str | None


class QueuePageOut(JobPageOut):
    paused: bool = Field(description="You paused your queue: nothing of yours starts until you resume it")


class QueueOrderIn(Schema):
    job_ids: list[UUID] = Field(default_factory=list, max_length=1000, description="Queued jobs in the order to run")
    batch_ids: list[UUID] = Field(
        default_factory=list, max_length=1000, description="Batches to run after those jobs, in this order"
    )
    order: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description='Jobs and batches interleaved: "job:<id>" or "batch:<id>" (instead of the two lists)',
    )


class QueueStateOut(Schema):
    paused: bool
    ranked: int | None = None


@router.get("/queue", response=QueuePageOut)
def queue_list(request, status: str | None = None, cursor: str | None = None, limit: int = 50):
    """Your jobs, newest first; `status=queued,running` for what is still waiting or rendering."""
    jobs = selectors.jobs_for(request.user)
    if status:
        jobs = jobs.filter(status__in=[s.strip() for s in status.split(",")])
    page = paginate_newest_first(jobs, cursor, max(1, min(limit, 100)))
    return {"items": page.items, "next_cursor": page.next_cursor, "paused": services.queue_paused(request.user)}


@router.put("/queue/order", response={200: QueueStateOut, 401: dict, 422: dict})
def queue_order(request, payload: QueueOrderIn):
    """Run your queued jobs in this order (listed ones first, by position; the others after them)."""
    entries = [("job", pk) for pk in payload.job_ids] + [("batch", pk) for pk in payload.batch_ids]
    for value in payload.order:
        kind, _, raw = value.partition(":")
        try:
            entries.append((kind, UUID(raw)))
        except ValueError:
            raise ParameterError("order", f"{value!r} is not job:<id> or batch:<id>.") from None
        if kind not in ("job", "batch"):
            raise ParameterError("order", f"{value!r} is not job:<id> or batch:<id>.")
    ranked = services.reorder_queue(request.user, entries)
    return {"paused": services.queue_paused(request.user), "ranked": ranked}


@router.post("/queue/pause", response={200: QueueStateOut, 401: dict})
def queue_pause(request):
    """Hold every queued job of yours (running ones finish); batches keep their items until you resume."""
    services.pause_queue(request.user)
    return {"paused": True}


@router.post("/queue/resume", response={200: QueueStateOut, 401: dict})
def queue_resume(request):
    services.resume_queue(request.user)
    return {"paused": False}


@router.get("/queue/{job_id}/status", response=JobStatusOut)
def job_status(request, job_id: UUID):
    return get_job_for(request.user, job_id)


@router.delete("/queue/{job_id}", response=JobOut)
def cancel_job(request, job_id: UUID):
    job = get_job_for(request.user, job_id)
    if not services.cancel(job):
        raise HttpError(409, f"This job already {job.status}; there is nothing to cancel.")
    return get_job_for(request.user, job_id)


@router.post("/queue/{job_id}/retry", response={202: JobOut})
def retry_job(request, job_id: UUID):
    job = get_job_for(request.user, job_id)
    limit_generation(request)
    try:
        new_job = services.retry(job)
    except services.JobNotRetryable as exc:
        raise HttpError(409, str(exc)) from None
    return Status(202, get_job_for(request.user, new_job.pk))


@router.get("/history", response=JobPageOut)
def history(request, cursor: str | None = None, limit: int = 50):
    """Finished jobs (succeeded, failed, canceled), newest first, with every setting to restore them."""
    return paginate_newest_first(selectors.finished_jobs(request.user), cursor, max(1, min(limit, 100)))
