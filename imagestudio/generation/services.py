"""Commands on generation jobs, shared by pages, the API, tasks and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from imagestudio.accounts import provider_keys
from imagestudio.billing import services as billing
from imagestudio.catalog import params
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.styles import STYLE_PRESETS, apply_style
from imagestudio.demo.access import fal_model_message, is_demo
from imagestudio.generation import jobqueue, outcomes, runner
from imagestudio.generation.models import GenerationJob, JobStatus, QueueHold
from imagestudio.lib import locks
from imagestudio.prompts import syntax
from imagestudio.workspaces import credits as team_credits
from imagestudio.workspaces.access import allows, role_in

if TYPE_CHECKING:
    from imagestudio.accounts.models import User
    from imagestudio.gallery.models import Image
    from imagestudio.projects.models import Project

MAX_PROMPT_LENGTH = 4000


class QueueFull(Exception):
    """The user already has `USER_MAX_QUEUED_JOBS` jobs waiting."""

    def __init__(self, queued: int, adding: int, limit: int) -> None:
        super().__init__(
            f"Your queue is full: you have {queued} jobs waiting and at most {limit} may wait"
            + (f" (this adds {adding})" if adding > 1 else "")
            + ". Wait for some to finish or cancel a few, then try again."
        )
        self.queued = queued
        self.limit = limit


@dataclass
class GenerationRequest:
    user: User
    model: AIModel
    prompt: str
    negative_prompt: str = ""
    parameters: dict = field(default_factory=dict)
    project: Project | None = None
    priority: int = 0  # orders this user's own jobs; staff priority also orders everyone's
    run_after: datetime | None = None
    action: str = "generate"
    parent_image: Image | None = None
    batch_id: UUID | None = None
    # Iteration operations (see operations.py): their inputs, the output size they decide, and whether
    # the model works without a prompt (upscalers, cut-outs, edits).
    inputs: dict = field(default_factory=dict)
    output_size: tuple[int, int] | None = None
    prompt_optional: bool = False


def _check_request(request: GenerationRequest) -> None:
    prompt = request.prompt.strip()
    if not prompt and not request.prompt_optional:
        raise params.ParameterError("prompt", gettext("Describe the image you want: the prompt is empty."))
    if len(prompt) > MAX_PROMPT_LENGTH:
        raise params.ParameterError(
            "prompt",
            gettext("The prompt is too long (%(length)s characters; at most %(max_length)s).")
            % {"length": len(prompt), "max_length": MAX_PROMPT_LENGTH},
        )
    if not request.model.is_offline and is_demo(request.user):  # demo accounts spend no real credits
        raise params.ParameterError("model_id", fal_model_message(request.model.display_name))
    if not request.model.available:
        raise params.ParameterError(
            "model_id",
            gettext("%(model)s is not available: %(reason)s")
            % {"model": request.model.display_name, "reason": request.model.unavailable_reason},
        )


def estimate_credits(model: AIModel, width: int, height: int, num_images: int) -> int:
    usd = params.estimate_cost_usd(model.pricing, width, height, num_images)
    return params.credits_for(usd, settings.CREDIT_USD)


def runs_on_own_key(user: User, model: AIModel) -> bool:
    """fal jobs of a user who added their own fal key run on it: fal bills them, we charge nothing."""
    return not model.is_offline and provider_keys.has_fal_key(user.pk)


def _prepare(request: GenerationRequest, *, own_key: bool | None = None) -> GenerationJob:
    """Validate a request and build its (unsaved) job with the credits it will reserve (none on the user's
    own fal key; `own_key` may be given when the caller already knows)."""
    _check_request(request)
    if own_key is None:
        own_key = runs_on_own_key(request.user, request.model)
    parameters = dict(request.parameters)
    style = parameters.pop("style", None) or ""
    if not isinstance(style, str):
        raise params.ParameterError("style", gettext("Style must be text: one of the style preset names."))
    if style and style != "none" and style not in STYLE_PRESETS:
        raise params.ParameterError("style", gettext("Unknown style %(style)s.") % {"style": repr(style)})
    style = "" if style == "none" else style
    prompt, negative_prompt = apply_style(request.prompt.strip(), request.negative_prompt.strip(), style)
    prompt = _one_pick(prompt)
    prompt, negative_prompt = _as_model_reads(prompt, request.model), _as_model_reads(negative_prompt, request.model)
    if style and "style" in request.model.input_schema:
        parameters["style"] = style  # the offline engine renders the style itself, too
    resolved = params.resolve(request.model.input_schema, parameters)
    arguments, width, height = resolved.arguments, resolved.width, resolved.height
    if request.output_size is not None:  # the operation decides the size (it follows the source image)
        width, height = request.output_size
        arguments = {k: v for k, v in arguments.items() if k not in ("image_size", "aspect_ratio")}
    workspace = team_credits.paying_workspace(request.project)
    if workspace is not None:  # the team pays, so its admins decide which models a member may use
        team_credits.check_model_allowed(workspace, request.user, request.model)
    return GenerationJob(
        user=request.user,
        project=request.project,
        workspace=workspace,
        model=request.model,
        action=request.action,
        prompt=prompt,
        negative_prompt=negative_prompt,
        user_prompt=request.prompt.strip(),
        style=style,
        parameters={**arguments, "seed": resolved.seed},
        num_images=resolved.num_images,
        width=width,
        height=height,
        parent_image=request.parent_image,
        inputs=request.inputs,
        priority=request.priority,
        staff_priority=request.priority if request.user.is_staff else 0,
        run_after=request.run_after,
        batch_id=request.batch_id,
        credits_reserved=0 if own_key else estimate_credits(request.model, width, height, resolved.num_images),
        own_fal_key=own_key,
    )


def check(request: GenerationRequest) -> GenerationJob:
    """Validate a request without queueing it: the (unsaved) job it would make, credits estimated.

    Raises ParameterError naming the field, as enqueue does."""
    return _prepare(request)


def _one_pick(text: str) -> str:
    """Dynamic prompts: each `{a|b|c}` becomes one of its options, picked anew for every job (the job keeps
    what the person typed in `user_prompt`, so regenerating picks again)."""
    if "{" not in text or "|" not in text:
        return text
    try:
        return syntax.expand(text, mode="random")[0]
    except syntax.PromptSyntaxError:
        return text  # not prompt syntax after all: sent as typed


def _as_model_reads(text: str, model: AIModel) -> str:
    """Models that ignore weights (FLUX…) would read `(word:1.3)` and `<lora:…>` literally: they get the text
    without that syntax. Text that does not parse as prompt syntax is plain prose to them: sent as typed."""
    if not syntax.ignores_weights(model.family):
        return text
    try:
        return syntax.plain_text(text)
    except syntax.PromptSyntaxError:
        return text


def enqueue_batch(requests: list[GenerationRequest]) -> list[GenerationJob]:
    """Queue many jobs for one user at once: all or nothing, with bulk writes.

    Raises ParameterError naming the first bad request (`batch[i].field`) or InsufficientCredits.
    """
    jobs = []
    has_own_key = bool(requests) and provider_keys.has_fal_key(requests[0].user.pk)  # one user per batch
    for index, request in enumerate(requests):
        try:
            jobs.append(_prepare(request, own_key=has_own_key and not request.model.is_offline))
        except params.ParameterError as exc:
            raise params.ParameterError(
                f"batch[{index}].{exc.field}",
                gettext("Item %(number)s: %(message)s") % {"number": index + 1, "message": exc.message},
            ) from exc
    if not jobs:
        return []
    with transaction.atomic():
        _check_queue_room(jobs[0].user, len(jobs))
        _check_team_limits(jobs)
        GenerationJob.objects.bulk_create(jobs)
        billing.reserve_for_jobs(jobs)
        # Only as many jobs can start at once as the user's concurrency allows; each finish wakes the next.
        for _ in range(min(len(jobs), settings.USER_MAX_CONCURRENT_JOBS)):
            jobqueue.wake(jobs[0].run_after)
    return jobs


def _check_queue_room(user: User, adding: int) -> None:
    """Refuse to queue past `USER_MAX_QUEUED_JOBS` (call inside the enqueue transaction)."""
    locks.hold("enqueue", user.pk)  # one enqueue per user at a time, so the count below stays true
    queued = GenerationJob.objects.filter(user=user, status=JobStatus.QUEUED).count()
    if queued + adding > settings.USER_MAX_QUEUED_JOBS:
        raise QueueFull(queued, adding, settings.USER_MAX_QUEUED_JOBS)


def _check_team_limits(jobs: list[GenerationJob]) -> None:
    """Refuse jobs that would take their member past a team's monthly limit (inside the enqueue lock)."""
    adding: dict[UUID, int] = {}
    for job in jobs:
        if job.workspace_id is not None:
            adding[job.workspace_id] = adding.get(job.workspace_id, 0) + job.credits_reserved
    for workspace_id, credits in adding.items():
        team_credits.check_monthly_limit(workspace_id, jobs[0].user, credits)


def enqueue(request: GenerationRequest) -> GenerationJob:
    """Validate, reserve credits and queue a job, all or nothing. Returns at once; a worker renders it.

    Raises ParameterError (bad input or a model the team does not allow, names the field), QueueFull or
    billing.InsufficientCredits (billing.MonthlyLimitReached past a member's monthly team limit).
    """
    job = _prepare(request)
    with transaction.atomic():
        _check_queue_room(job.user, 1)
        _check_team_limits([job])
        job.save(force_insert=True)
        billing.reserve_for_job(job)
        jobqueue.wake(job.run_after)
    return job


def cancel(job: GenerationJob) -> bool:
    """Cancel a queued or running job and refund it. Returns False when it had already finished."""
    if not outcomes.cancel(job):
        return False
    runner.provider_for(job.model).cancel(job)  # stop a request already sent elsewhere (fal), if any
    return True


class JobNotRetryable(Exception):
    pass


def recipe_parameters(job: GenerationJob) -> dict:
    """A job's parameters in the request language, ready to queue again."""
    parameters = {k: v for k, v in job.parameters.items() if k not in ("image_size", "aspect_ratio", "style")}
    parameters.update(width=job.width, height=job.height, num_images=job.num_images)
    if job.style:
        parameters["style"] = job.style
    return parameters


def _again(job: GenerationJob, *, new_seed: bool, **changes) -> GenerationJob:
    parameters = recipe_parameters(job)
    if new_seed:
        parameters["seed"] = None
    operation = {}
    if job.inputs.get("source"):  # an iteration: same inputs, and its size follows from them again
        del parameters["width"], parameters["height"]
        operation = {"inputs": job.inputs, "output_size": (job.width, job.height), "prompt_optional": True}
    request = GenerationRequest(
        user=job.user,
        model=job.model,
        prompt=job.user_prompt or job.prompt,
        negative_prompt=job.negative_prompt,
        parameters=parameters,
        project=job.project,
        priority=job.priority,
        action=job.action,
        parent_image=job.parent_image,
        batch_id=job.batch_id,
        **operation,
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return enqueue(request)


def retry(job: GenerationJob) -> GenerationJob:
    """Queue the same recipe again (seed included) as a new job."""
    if not job.is_final or job.status == JobStatus.SUCCEEDED:
        raise JobNotRetryable(gettext("Only failed or canceled jobs can be retried; use regenerate for finished ones."))
    return _again(job, new_seed=False)


def regenerate(job: GenerationJob) -> GenerationJob:
    """Same settings, new seed."""
    return _again(job, new_seed=True)


def vary(image, *, user: User) -> GenerationJob:
    """More like this image: its recipe with new seeds, linked to it as the parent, queued as (and paid by)
    `user` — whoever asks, not the image's creator. The results join the image's project only when `user`
    may add to it."""
    if image.job is None:
        raise JobNotRetryable(gettext("This image has no recipe to vary."))
    project = image.project
    if project is not None and not allows(role_in(user, project.workspace_id), "edit"):
        project = None
    return _again(image.job, new_seed=True, parent_image=image, action="variation", user=user, project=project)


# -- the user's own queue -------------------------------------------------------------------------


def reorder_queue(user: User, entries: list[tuple[str, UUID]]) -> int:
    """Run the user's queued work in this order: ("job", id) is one queued job, ("batch", id) every queued job
    of that batch (and, through the feeder, the items it feeds next). What is not listed runs after.

    Entries that are no longer queued are skipped (a job may start between the page showing it and the
    drop). Returns how many entries were ranked."""
    queued = GenerationJob.objects.filter(user=user, status=JobStatus.QUEUED)
    ranked = 0
    with transaction.atomic():
        queued.update(queue_rank=None)
        for kind, pk in dict.fromkeys(entries):
            rows = queued.filter(pk=pk) if kind == "job" else queued.filter(batch_id=pk)
            if rows.update(queue_rank=ranked):
                ranked += 1
        jobqueue.wake()
    return ranked


def pause_queue(user: User) -> None:
    """None of the user's queued jobs starts until `resume_queue`; running ones finish."""
    QueueHold.objects.get_or_create(user=user)


def resume_queue(user: User) -> None:
    with transaction.atomic():
        deleted, _ = QueueHold.objects.filter(user=user).delete()
        if deleted:
            for _ in range(settings.USER_MAX_CONCURRENT_JOBS):
                jobqueue.wake()


def queue_paused(user: User) -> bool:
    return QueueHold.objects.filter(user=user).exists()
