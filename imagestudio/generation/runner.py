"""Running a job in a worker: claim it under a lease, render, finalise exactly once.

A worker owns a running job only while its lease is fresh. Progress updates renew the lease; a worker
that dies stops renewing, and `recover_stale_jobs` puts the job back in the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from imagestudio.billing import services as billing
from imagestudio.gallery.services import Recipe, delete_files, store_image
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers.base import ProviderError, ProviderResult

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


class LeaseLost(Exception):
    """The job was canceled or taken over while we worked on it: stop quietly."""


def _lease_until():
    return timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def claim(job_id: str, worker_id: str = WORKER_ID) -> GenerationJob | None:
    """Take a queued job (or one whose lease expired) with one compare-and-set UPDATE."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    due = Q(run_after__isnull=True) | Q(run_after__lte=now)
    updated = GenerationJob.objects.filter(claimable, due, pk=job_id).update(
        status=JobStatus.RUNNING,
        lease_owner=worker_id,
        lease_expires_at=_lease_until(),
        attempts=F("attempts") + 1,
        progress_message="Starting",
    )
    if not updated:
        return None
    job = GenerationJob.objects.select_related("model", "user").get(pk=job_id)
    if job.started_at is None:
        job.started_at = now
        job.save(update_fields=["started_at"])
    return job


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
        ).update(progress=round(min(fraction, 1.0), 4), progress_message=message[:200], lease_expires_at=_lease_until())
        if not updated:
            raise LeaseLost(str(self.job.pk))


def run(job_id: str, worker_id: str = WORKER_ID) -> str:
    """Run one job to completion. Returns the final status (or 'skipped' when not ours to run)."""
    job = claim(job_id, worker_id)
    if job is None:
        return "skipped"
    started = time.monotonic()
    try:
        result = _render(job, ProgressReporter(job, worker_id))
    except LeaseLost:
        return "abandoned"
    except ProviderError as exc:
        fail(job, exc.message, field=exc.field or "")
        return JobStatus.FAILED
    except Exception as exc:  # never leave a job running because of a bug: fail it readably
        log.exception("Job %s crashed", job_id)
        fail(job, f"The generation failed unexpectedly ({exc.__class__.__name__}). Your credits were refunded.")
        return JobStatus.FAILED
    return finish(job, result, generation_time=time.monotonic() - started)


def _render(job: GenerationJob, reporter: ProgressReporter) -> ProviderResult:
    if job.model.is_offline:
        from imagestudio.generation.providers import offline

        return offline.render_job(
            prompt=job.prompt, negative_prompt=job.negative_prompt, arguments=job.parameters,
            width=job.width, height=job.height, num_images=job.num_images, seed=job.parameters["seed"],
            on_progress=reporter,
        )
    raise ProviderError("fal models are not wired up yet in this build.", kind="fatal")


def _fetch(output) -> bytes:
    return output.data


def finish(job: GenerationJob, result: ProviderResult, *, generation_time: float) -> str:
    """Store outputs and settle credits. Idempotent: a second call changes nothing."""
    if not result.images:
        fail(job, "The model returned no images. Your credits were refunded.")
        return JobStatus.FAILED
    images = []
    for index, output in enumerate(result.images):
        seed = (job.parameters.get("seed", 0) + index) % 2**32 if job.model.is_offline else result.seed
        recipe = Recipe(prompt=job.prompt, negative_prompt=job.negative_prompt, model_endpoint=job.model.endpoint_id,
                        parameters={**job.parameters, "seed": seed}, seed=seed)
        images.append(store_image(
            user=job.user, data=_fetch(output), recipe=recipe, job=job, output_index=index, model=job.model,
            project=job.project, parent_image=job.parent_image, generation_time=generation_time / len(result.images),
        ))
    with transaction.atomic():
        locked = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if locked.status == JobStatus.CANCELED:
            for image in images:
                delete_files(image)
                image.delete()
            return JobStatus.CANCELED
        if locked.is_final:
            return locked.status
        billing.settle_job(locked, locked.credits_reserved)
        per_image = locked.credits_charged // len(images)
        for image in images:
            image.cost_credits = per_image
            image.save(update_fields=["cost_credits"])
        locked.status = JobStatus.SUCCEEDED
        locked.progress = 1.0
        locked.progress_message = "Done"
        locked.completed_at = timezone.now()
        locked.lease_expires_at = None
        locked.save(update_fields=["status", "progress", "progress_message", "completed_at", "lease_expires_at", "credits_charged"])
        billing.log_usage(locked, success=True, image=images[0], generation_time=generation_time)
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
        billing.refund_job(locked)
        locked.save(update_fields=["status", "error_message", "error_field", "completed_at", "lease_expires_at", "credits_charged"])
        billing.log_usage(locked, success=False)


def recover_stale_jobs() -> int:
    """Requeue running jobs whose worker stopped renewing the lease; fail ones that keep crashing."""
    from imagestudio.generation.services import dispatch

    now = timezone.now()
    stale = GenerationJob.objects.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    recovered = 0
    for job in stale.select_related("model")[:200]:
        if job.attempts >= MAX_ATTEMPTS:
            fail(job, f"The worker stopped {job.attempts} times while running this job. Your credits were refunded.")
            continue
        with transaction.atomic():
            moved = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, lease_expires_at__lt=now).update(
                status=JobStatus.QUEUED, lease_owner="", progress_message="Requeued after a worker stopped"
            )
            if moved:
                dispatch(job)
                recovered += 1
    if recovered:
        log.warning("Requeued %d job(s) whose worker stopped", recovered)
    return recovered
