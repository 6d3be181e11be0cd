"""Running jobs in a worker: claim under a lease, render (offline) or submit (fal), finalise exactly once.

A worker owns a running offline job only while its lease is fresh; progress updates renew it. A job
submitted to fal holds no worker at all: the poller (or fal's webhook) finishes it.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imagestudio.billing import services as billing
from imagestudio.catalog import params
from imagestudio.gallery.services import Recipe, delete_files, store_image
from imagestudio.generation import queue
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers.base import ProviderError, ProviderResult

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


class LeaseLost(Exception):
    """The job was canceled or taken over while we worked on it: stop quietly."""


class ProgressReporter:
    """Writes progress at most a few times a second, renewing the lease each time."""

    def __init__(self, job: GenerationJob, worker_id: str, min_interval: float = 0.25) -> None:
        self.job = job
        self.worker_id = worker_id
        self.min_interval = min_interval
        self.last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < self.min_interval and fraction < 1:
            return
        self.last = now
        updated = GenerationJob.objects.filter(
            pk=self.job.pk, status=JobStatus.RUNNING, lease_owner=self.worker_id
        ).update(progress=round(min(fraction, 1.0), 4), progress_message=message[:200],
                 lease_expires_at=queue.lease_until())
        if not updated:
            raise LeaseLost(str(self.job.pk))


def run_next(worker_id: str = WORKER_ID) -> str:
    """Claim the best eligible job and run it. Returns what happened, for the task's result."""
    job = queue.claim_next(worker_id)
    if job is None:
        return "idle"
    return execute(job, worker_id)


def run(job_id, worker_id: str = WORKER_ID) -> str:
    """Run one specific job (tests, CLI). Returns its outcome, or 'skipped' when it is not claimable."""
    job = queue.claim(job_id, worker_id)
    return execute(job, worker_id) if job else "skipped"


def execute(job: GenerationJob, worker_id: str) -> str:
    if not job.model.is_offline:
        from imagestudio.generation import fal_jobs

        return fal_jobs.submit(job)
    started = time.monotonic()
    try:
        result = _render_offline(job, ProgressReporter(job, worker_id))
    except LeaseLost:
        return "abandoned"
    except ProviderError as exc:
        fail(job, exc.message, field=exc.field or "")
        return JobStatus.FAILED
    except Exception as exc:  # never leave a job running because of a bug: fail it readably
        log.exception("Job %s crashed", job.pk)
        fail(job, f"The generation failed unexpectedly ({exc.__class__.__name__}). Your credits were refunded.")
        return JobStatus.FAILED
    return finish(job, result, generation_time=time.monotonic() - started)


def _render_offline(job: GenerationJob, reporter) -> ProviderResult:
    from imagestudio.generation.providers import offline

    return offline.render_job(
        prompt=job.prompt, negative_prompt=job.negative_prompt, arguments=job.parameters,
        width=job.width, height=job.height, num_images=job.num_images, seed=job.parameters["seed"],
        on_progress=reporter,
    )


def actual_cost(job: GenerationJob, result: ProviderResult) -> int:
    """What the provider bills for what it actually produced (per output image and its real size)."""
    usd = sum(
        params.estimate_cost_usd(job.model.pricing, image.width or job.width, image.height or job.height, 1)
        for image in result.images
    )
    return params.credits_for(usd, settings.CREDIT_USD)


def _image_seed(job: GenerationJob, index: int, result: ProviderResult) -> int | None:
    if job.model.is_offline:
        return (job.parameters.get("seed", 0) + index) % 2**32
    return result.seed if result.seed is not None else job.parameters.get("seed")


def finish(job: GenerationJob, result: ProviderResult, *, generation_time: float) -> str:
    """Store outputs (bytes already fetched) and settle credits. Idempotent: a second call changes nothing."""
    if not result.images:
        fail(job, "The model returned no images. Your credits were refunded.")
        return JobStatus.FAILED
    images = []
    for index, output in enumerate(result.images):
        seed = _image_seed(job, index, result)
        parameters = {**job.parameters, "seed": seed, **({"style": job.style} if job.style else {})}
        recipe = Recipe(prompt=job.prompt, negative_prompt=job.negative_prompt, model_endpoint=job.model.endpoint_id,
                        parameters=parameters, seed=seed)
        images.append(store_image(
            user=job.user, data=output.data, recipe=recipe, job=job, output_index=index, model=job.model,
            project=job.project, parent_image=job.parent_image,
            generation_time=round(generation_time, 3),
        ))
    with transaction.atomic():
        locked = GenerationJob.objects.select_for_update().select_related("model").get(pk=job.pk)
        if locked.status == JobStatus.CANCELED:
            for image in images:
                delete_files(image)
                image.delete()
            return JobStatus.CANCELED
        if locked.is_final:
            return locked.status
        billing.settle_job(locked, actual_cost(locked, result))
        per_image = math.ceil(locked.credits_charged / len(images))
        for image in images:
            image.cost_credits = per_image
            image.save(update_fields=["cost_credits"])
        locked.status = JobStatus.SUCCEEDED
        locked.progress = 1.0
        locked.progress_message = "Done"
        locked.completed_at = timezone.now()
        locked.lease_expires_at = None
        locked.next_check_at = None
        locked.save(update_fields=["status", "progress", "progress_message", "completed_at", "lease_expires_at",
                                   "next_check_at", "credits_charged"])
        billing.log_usage(locked, success=True, image=images[0], generation_time=generation_time)
        queue.release(locked)
    return JobStatus.SUCCEEDED


def fail(job: GenerationJob, message: str, *, field: str = "") -> None:
    with transaction.atomic():
        locked = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_final:
            return
        locked.status = JobStatus.FAILED
        locked.error_message = message
        locked.error_field = field
        locked.completed_at = timezone.now()
        locked.lease_expires_at = None
        locked.next_check_at = None
        billing.refund_job(locked)
        locked.save(update_fields=["status", "error_message", "error_field", "completed_at", "lease_expires_at",
                                   "next_check_at", "credits_charged"])
        billing.log_usage(locked, success=False)
        queue.release(locked)
