"""The generation queue. The job table is the truth; tasks are only wake-ups.

Every queued job, finished job and recovery sweep enqueues a `run_next` wake-up. A wake-up claims the
best eligible job at that moment — highest priority first, then the user with the fewest running jobs
(fair share), then the oldest — skipping users at their concurrency limit and jobs scheduled for later.
Claiming is one compare-and-set UPDATE, so two workers can never take the same job.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from imagestudio.generation.models import GenerationJob, JobStatus

log = logging.getLogger(__name__)
MAX_CLAIM_TRIES = 5
MAX_WORKER_ATTEMPTS = 3  # times a job may lose its worker before it fails
RETRY_BASE_SECONDS = 2.0  # first retry delay; doubles each time (jittered), capped at a minute


def lease_until(seconds: float | None = None):
    return timezone.now() + timedelta(seconds=seconds or settings.JOB_LEASE_SECONDS)


def _tasks_live_in_our_database() -> bool:
    from django.tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def wake(run_after=None) -> None:
    """Enqueue one `run_next` wake-up (after the current transaction commits on non-db backends)."""
    from imagestudio.generation import tasks

    if _tasks_live_in_our_database():
        # Same database, same transaction: a committed job always has its wake-up.
        tasks.run_next.using(run_after=run_after).enqueue()
    else:
        transaction.on_commit(lambda: tasks.run_next.using(run_after=run_after).enqueue())


def eligible_jobs():
    now = timezone.now()
    running = (
        GenerationJob.objects.filter(user=OuterRef("user"), status=JobStatus.RUNNING)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        GenerationJob.objects.filter(status=JobStatus.QUEUED)
        .filter(Q(run_after__isnull=True) | Q(run_after__lte=now))
        .annotate(user_running=Coalesce(Subquery(running, output_field=IntegerField()), Value(0)))
        .filter(user_running__lt=settings.USER_MAX_CONCURRENT_JOBS)
        .order_by("-priority", "user_running", "created_at")
    )


def claim(job_id, worker_id: str) -> GenerationJob | None:
    """Take one specific queued job (or one whose worker's lease expired)."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    due = Q(run_after__isnull=True) | Q(run_after__lte=now)
    updated = GenerationJob.objects.filter(claimable, due, pk=job_id).update(
        status=JobStatus.RUNNING,
        lease_owner=worker_id,
        lease_expires_at=lease_until(),
        attempts=F("attempts") + 1,
        progress_message="Starting",
        queue_position=None,
    )
    if not updated:
        return None
    job = GenerationJob.objects.select_related("model", "user").get(pk=job_id)
    if job.started_at is None:
        job.started_at = now
        job.save(update_fields=["started_at"])
    return job


def claim_next(worker_id: str) -> GenerationJob | None:
    for _ in range(MAX_CLAIM_TRIES):
        candidate = eligible_jobs().values_list("pk", flat=True).first()
        if candidate is None:
            return None
        job = claim(candidate, worker_id)
        if job is not None:
            return job
    return None  # lost every race: another wake-up will come


def release(job: GenerationJob) -> None:
    """Give the job's worker slot back: let the next eligible job start."""
    wake()


def retry_later(job: GenerationJob, reason: str, max_retries: int = 5) -> bool:
    """Put a job back in the queue after an exponential, jittered delay. False when retries are used up."""
    if job.retry_count >= max_retries:
        return False
    delay = min(60.0, RETRY_BASE_SECONDS * 2**job.retry_count) * random.uniform(0.5, 1.5)
    run_after = timezone.now() + timedelta(seconds=delay)
    updated = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED,
        retry_count=F("retry_count") + 1,
        run_after=run_after,
        lease_owner="",
        lease_expires_at=None,
        next_check_at=None,
        provider_state={},
        progress_message=f"Retrying in {delay:.0f}s: {reason}"[:200],
    )
    if updated:
        wake(run_after=run_after)
    return bool(updated)


def recover_stale_jobs() -> int:
    """Requeue running jobs whose worker stopped renewing its lease; fail ones that keep losing workers."""
    from imagestudio.generation.runner import fail

    now = timezone.now()
    stale = GenerationJob.objects.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    recovered = 0
    for job in stale.select_related("model")[:200]:
        lost = job.attempts - job.retry_count  # claims that did not end in a deliberate retry
        if lost >= MAX_WORKER_ATTEMPTS:
            fail(job, f"The worker stopped {lost} times while running this job. Your credits were refunded.")
            continue
        with transaction.atomic():
            moved = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, lease_expires_at__lt=now).update(
                status=JobStatus.QUEUED, lease_owner="", progress_message="Requeued after a worker stopped"
            )
            if moved:
                wake()
                recovered += 1
    if recovered:
        log.warning("Requeued %d job(s) whose worker stopped", recovered)
    return recovered


def ensure_wakeups() -> bool:
    """Safety net: if due jobs wait and no wake-up is pending (e.g. lost to a crash), add one."""
    from django_tasks_db.models import DBTaskResult

    if not _tasks_live_in_our_database() or not eligible_jobs().exists():
        return False
    pending = DBTaskResult.objects.ready().filter(task_path="imagestudio.generation.tasks.run_next").exists()
    if not pending:
        wake()
    return not pending


def update_queue_positions() -> None:
    """Positions for the queue page: the order `claim_next` would take queued jobs in."""
    ordered = GenerationJob.objects.filter(status=JobStatus.QUEUED).order_by("-priority", "created_at")
    for position, pk in enumerate(ordered.values_list("pk", flat=True)[:500]):
        GenerationJob.objects.filter(pk=pk).exclude(queue_position=position).update(queue_position=position)
