"""The one home of a job's outcome: finish, fail, cancel and recover, each through `_finalise`.

Every way a job ends — success, failure, cancellation, a worker that keeps dying — takes the job's row
lock, returns early if the job already ended, settles or refunds its credits, logs usage and frees the
user's slot in one transaction. So a job ends exactly once, whoever (runner, poller, webhook, user,
recovery sweep) gets there first.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imagestudio.billing import services as billing
from imagestudio.catalog import params
from imagestudio.events import jobs as job_notices
from imagestudio.events import services as events
from imagestudio.gallery.models import Image
from imagestudio.gallery.services import Recipe, delete_files, store_image
from imagestudio.generation import batch_hooks, jobqueue
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers.base import OutputImage, ProviderResult
from imagestudio.projects.models import Project

log = logging.getLogger(__name__)
REFUNDED = "Your credits were refunded."


def _finalise(
    job: GenerationJob,
    status: JobStatus,
    record: Callable[[GenerationJob], None],
    settle: Callable[[GenerationJob], None],
    *,
    wake_queue: bool = True,
) -> bool:
    """Lock the job; unless it already ended, record its outcome, end it, then settle its credits.

    `record` sets the outcome's own fields (`credits_charged` included) and logs usage; `settle` moves
    the money. Money goes last because it locks the user's balance row until the commit: every other
    ending of that user's jobs waits for it, so it is held only for the end of the transaction.
    Returns False (and changes nothing) when the job had already ended. The end wakes a worker for the
    freed slot unless the caller fills it itself (`wake_queue=False`, see `fal_jobs.refill_slot`).
    """
    with transaction.atomic():
        # of=("self",): lock the job row only. Locking the joined model row too would make every job of
        # that model (any user) finish one at a time and stall image inserts referencing it.
        locked = GenerationJob.objects.select_for_update(of=("self",)).select_related("model").get(pk=job.pk)
        ended_now = not locked.is_final
        if ended_now:
            record(locked)
            locked.status = status
            locked.completed_at = timezone.now()
            locked.lease_owner = ""
            locked.lease_expires_at = None
            locked.next_check_at = None
            locked.save()
            if wake_queue:
                jobqueue.wake()  # the user's slot is free: let the next eligible job start
            if locked.batch_id is not None:
                batch_hooks.job_ended(locked.batch_id, locked.pk)  # its batch feeds the next item
            settle(locked)
    job.refresh_from_db()
    return ended_now


# -- success ----------------------------------------------------------------------------------------


def actual_cost(job: GenerationJob, result: ProviderResult) -> int:
    """What the provider bills for what it actually produced (per output image and its real size)."""
    usd = sum(
        params.estimate_cost_usd(job.model.pricing, image.width or job.width, image.height or job.height, 1)
        for image in result.images
    )
    return params.credits_for(usd, settings.CREDIT_USD)


def _image_seed(job: GenerationJob, output: OutputImage, result: ProviderResult) -> int | None:
    if output.seed is not None:
        return output.seed
    return result.seed if result.seed is not None else job.parameters.get("seed")


def _store_outputs(job: GenerationJob, result: ProviderResult, generation_time: float) -> list[Image]:
    images = []
    for index, output in enumerate(result.images):
        seed = _image_seed(job, output, result)
        parameters = {**job.parameters, "seed": seed, **({"style": job.style} if job.style else {})}
        recipe = Recipe(
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            model_endpoint=job.model.endpoint_id,
            parameters=parameters,
            seed=seed,
        )
        images.append(
            store_image(
                user=job.user,
                data=output.data,
                recipe=recipe,
                job=job,
                output_index=index,
                model=job.model,
                project=job.project,
                parent_image=job.parent_image,
                operation=job.action,
                generation_time=round(generation_time, 3),
            )
        )
    return images


def _discard(images: list[Image]) -> None:
    for image in images:
        delete_files(image)
        image.delete()


def finish(job: GenerationJob, result: ProviderResult, *, generation_time: float, wake_queue: bool = True) -> JobStatus:
    """Store the outputs (bytes already fetched), then settle. Idempotent: a second call changes nothing.

    Files are written before the lock (storage may be slow); if the job was canceled or failed meanwhile
    they are deleted again, so only a succeeded job has images. Storing is idempotent per output, so a
    second finish of a succeeded job finds its images and changes nothing.
    """
    if not result.images:
        fail(job, f"The model returned no images. {REFUNDED}")
        return JobStatus(job.status)  # fail() refreshed it (FAILED, or whatever ended it first)
    images = _store_outputs(job, result, generation_time)

    actual = actual_cost(job, result)

    def record(locked: GenerationJob) -> None:
        locked.credits_charged = billing.chargeable(locked, actual)
        per_image = math.ceil(locked.credits_charged / len(images))
        Image.objects.filter(pk__in=[image.pk for image in images]).update(cost_credits=per_image)
        locked.progress = 1.0
        locked.progress_message = "Done"
        billing.log_usage(locked, success=True, image=images[0], generation_time=generation_time)
        if locked.project_id is not None:  # the project's activity feed
            events.record(
                actor=locked.user,
                verb="images.generated",
                target=locked,
                workspace_id=Project.objects.values_list("workspace_id", flat=True).get(pk=locked.project_id),
                project_id=locked.project_id,
                data={"count": len(images), "prompt": locked.prompt[:120], "image_id": str(images[0].pk)},
            )
        job_notices.job_ended(locked, succeeded=True, image_id=images[0].pk, count=len(images))

    def settle(locked: GenerationJob) -> None:
        billing.settle_job(locked, actual)

    if (
        not _finalise(job, JobStatus.SUCCEEDED, record, settle, wake_queue=wake_queue)
        and job.status != JobStatus.SUCCEEDED
    ):
        _discard(images)  # the job failed or was canceled meanwhile (a success already owns these rows)
    return JobStatus(job.status)


# -- failure, cancellation, recovery ----------------------------------------------------------------


def _unpaid(locked: GenerationJob) -> None:
    locked.credits_charged = 0
    billing.log_usage(locked, success=False)


def fail(job: GenerationJob, message: str, *, field: str = "") -> bool:
    """Fail the job with a message a person can act on, and refund it. False if it had already ended."""

    def record(locked: GenerationJob) -> None:
        locked.error_message = message
        locked.error_field = field
        _unpaid(locked)
        job_notices.job_ended(locked, succeeded=False)

    return _finalise(job, JobStatus.FAILED, record, billing.refund_job)


def cancel(job: GenerationJob) -> bool:
    """Cancel a queued or running job on our side and refund it. False when it had already ended.

    The caller tells the provider (see `services.job_cancel`); outputs that still arrive are discarded.
    """

    def record(locked: GenerationJob) -> None:
        locked.progress_message = "Canceled"
        _unpaid(locked)

    return _finalise(job, JobStatus.CANCELED, record, billing.refund_job)


def recover_stale_jobs(limit: int = 200) -> int:
    """Requeue running jobs whose worker stopped renewing its lease; fail ones that keep losing workers."""
    now = timezone.now()
    stale = GenerationJob.objects.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    recovered = 0
    for job in stale.select_related("model")[:limit]:
        lost = job.attempts - job.retry_count  # claims that did not end in a deliberate retry
        if lost >= settings.JOB_MAX_WORKER_ATTEMPTS:
            fail(job, f"The worker stopped {lost} times while running this job. {REFUNDED}")
        elif jobqueue.requeue_stale(job, now):
            recovered += 1
    if recovered:
        log.warning("Requeued %d job(s) whose worker stopped", recovered)
    return recovered
