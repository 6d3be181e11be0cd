"""Reads about jobs: the user's queue with positions and ETAs, and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import Avg, F, Min
from django.utils import timezone

from imagestudio.generation.models import ACTIVE_STATUSES, FINAL_STATUSES, GenerationJob, JobStatus

DEFAULT_SECONDS_PER_JOB = 6.0


def jobs_for(user):
    # batch_item__batch: JobOut says which batch a job came from (a reverse one-to-one: one join, no query)
    return (
        GenerationJob.objects.filter(user=user).select_related("model", "batch_item__batch").prefetch_related("images")
    )


def active_jobs(user):
    """Running jobs, then queued ones in the order they will start (see jobqueue.next_job_of)."""
    return (
        jobs_for(user)
        .filter(status__in=ACTIVE_STATUSES)
        .order_by("-status", "-staff_priority", F("queue_rank").asc(nulls_last=True), "-priority", "created_at")
    )


@dataclass
class QueueRow:
    """One line of the queue page: a job, or a batch standing for its queued jobs (dragged as one)."""

    job: GenerationJob
    timing: Timing
    batch: object | None = None  # the batch (from the batches app, reached through the job's item)
    waiting: int = 1


def queue_rows(jobs: list[tuple[GenerationJob, Timing]]) -> list[QueueRow]:
    rows: list[QueueRow] = []
    by_batch: dict = {}
    for job, timing in jobs:
        item = getattr(job, "batch_item", None) if job.batch_id and job.status == JobStatus.QUEUED else None
        if item is None:
            rows.append(QueueRow(job, timing))
        elif job.batch_id in by_batch:
            by_batch[job.batch_id].waiting += 1
        else:
            by_batch[job.batch_id] = QueueRow(job, timing, batch=item.batch)
            rows.append(by_batch[job.batch_id])
    return rows


def finished_jobs(user):
    return jobs_for(user).filter(status__in=FINAL_STATUSES)


@dataclass(frozen=True)
class Timing:
    elapsed_seconds: float | None
    eta_seconds: float | None


def recent_duration(model_id: UUID, *, fastest: bool = False) -> float | None:
    """Run time (claim to stored result) of this model's last 50 successful jobs this week: the mean, or
    the fastest (when to look for a result first: a lower bound that our own lateness can't inflate)."""
    since = timezone.now() - timedelta(days=7)
    recent = GenerationJob.objects.filter(
        model_id=model_id, status=JobStatus.SUCCEEDED, completed_at__gte=since, started_at__isnull=False
    ).order_by("-completed_at")[:50]
    measure = (Min if fastest else Avg)(F("completed_at") - F("started_at"))
    seconds = recent.aggregate(d=measure)["d"]
    return seconds.total_seconds() if seconds else None


def typical_duration(model_id: UUID) -> float:
    """Mean run time of this model's recent successful jobs, for ETAs."""
    return recent_duration(model_id) or DEFAULT_SECONDS_PER_JOB


def timing(job: GenerationJob, durations: dict) -> Timing:
    now = timezone.now()
    if job.status == JobStatus.RUNNING and job.started_at:
        elapsed = (now - job.started_at).total_seconds()
        if job.progress > 0.05:
            return Timing(elapsed, max(0.0, elapsed / job.progress - elapsed))
        return Timing(elapsed, max(0.0, durations.get(job.model_id, DEFAULT_SECONDS_PER_JOB) - elapsed))
    if job.status == JobStatus.QUEUED:
        ahead = (job.queue_position or 0) + 1
        return Timing(None, ahead * durations.get(job.model_id, DEFAULT_SECONDS_PER_JOB))
    return Timing(
        (job.completed_at - job.started_at).total_seconds() if job.completed_at and job.started_at else None, None
    )


def with_timings(jobs) -> list[tuple[GenerationJob, Timing]]:
    jobs = list(jobs)
    durations = {model_id: typical_duration(model_id) for model_id in {job.model_id for job in jobs if job.is_active}}
    return [(job, timing(job, durations)) for job in jobs]
