"""Feeding a batch into the queue: a few items at a time, as the user's slots free up.

A batch keeps at most BATCH_FEED_AHEAD of its items in the queue. Each ended job feeds the next one (via
generation.batch_hooks), and the worker's heartbeat sweeps scheduled and running batches. So a 1,000-item
batch never holds more than a handful of queued jobs: it stays under the per-user queued-jobs cap, other
users keep their fair share, and credits are reserved item by item (the budget cap stops feeding).
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imagestudio.batches.models import OPEN_ITEMS, Batch, BatchItem, BatchStatus, ItemStatus
from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog.params import ParameterError
from imagestudio.events import jobs as job_notices
from imagestudio.generation import services as generation
from imagestudio.generation.models import GenerationJob, JobStatus

log = logging.getLogger(__name__)
ITEM_STATUS = {
    JobStatus.SUCCEEDED: ItemStatus.SUCCEEDED,
    JobStatus.FAILED: ItemStatus.FAILED,
    JobStatus.CANCELED: ItemStatus.CANCELED,
}


def feed(batch_id: UUID) -> int:
    """Queue the batch's next items while it has room; returns how many. Safe to call any time, from any
    process: the batch row is locked while it feeds."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().filter(pk=batch_id).select_related("model", "user").first()
        if batch is None:
            return 0
        if batch.status == BatchStatus.SCHEDULED and batch.run_after and batch.run_after <= timezone.now():
            batch.status, batch.started_at = BatchStatus.RUNNING, timezone.now()
            batch.save(update_fields=["status", "started_at"])
        if batch.status != BatchStatus.RUNNING:
            return 0
        room = settings.BATCH_FEED_AHEAD - batch.items.filter(status__in=OPEN_ITEMS).count()
        fed = 0
        if room > 0:
            pending = list(batch.items.filter(status=ItemStatus.PENDING).select_related("model")[:room])
            fed = _feed_items(batch, pending)
        _finish_if_done(batch)
    return fed


def _feed_items(batch: Batch, items: list[BatchItem]) -> int:
    fed = 0
    rank = _queue_rank(batch)
    for item in items:
        if batch.budget_credits is not None and batch.credits_committed + item.estimated_credits > batch.budget_credits:
            _stop(batch, BatchStatus.BUDGET_REACHED, f"Stopped at its budget of {batch.budget_credits} credits.")
            break
        request = request_for(batch.user, batch, item, item.model or batch.model, batch.pk)
        try:
            job = generation.enqueue(request)
        except generation.QueueFull:
            break  # the user's queue is full: the next ended job or sweep feeds again
        except InsufficientCredits as exc:
            _stop(batch, BatchStatus.PAUSED, f"Paused: {exc}")
            break
        except ParameterError as exc:  # checked when the batch was made; the model may have changed since
            item.status, item.error_message = ItemStatus.FAILED, exc.message
            item.save(update_fields=["status", "error_message", "updated_at"])
            continue
        if rank is not None:  # the user placed this batch in their queue: its new jobs take that place
            GenerationJob.objects.filter(pk=job.pk).update(queue_rank=rank)
        item.job, item.status, item.attempts = job, ItemStatus.QUEUED, item.attempts + 1
        item.save(update_fields=["job", "status", "attempts", "updated_at"])
        batch.credits_committed += job.credits_reserved
        fed += 1
    batch.save(update_fields=["credits_committed", "status", "status_message"])
    return fed


def _queue_rank(batch: Batch) -> int | None:
    """Where the user dragged this batch on the queue page (kept on its most recent ranked job)."""
    return (
        GenerationJob.objects.filter(batch_id=batch.pk, queue_rank__isnull=False)
        .order_by("-created_at")
        .values_list("queue_rank", flat=True)
        .first()
    )


def request_for(user, settings, row, model, batch_id: UUID | None = None) -> generation.GenerationRequest:
    """One row of a batch (a source row being checked, or a stored item being fed) as a generation request:
    the batch's shared parameters with the row's own on top. `settings` is a Batch or services.Settings."""
    return generation.GenerationRequest(
        user=user,
        model=model,
        prompt=row.prompt,
        negative_prompt=row.negative_prompt,
        parameters={**settings.parameters, **row.parameters},
        project=settings.project,
        priority=settings.priority,
        batch_id=batch_id,
    )


def _stop(batch: Batch, status: BatchStatus, message: str) -> None:
    batch.status, batch.status_message = status, message[:300]


def _finish_if_done(batch: Batch) -> None:
    if batch.status != BatchStatus.RUNNING:
        return
    if batch.items.filter(status__in=(ItemStatus.PENDING, *OPEN_ITEMS)).exists():
        return
    batch.status, batch.completed_at = BatchStatus.COMPLETED, timezone.now()
    failed = batch.items.filter(status=ItemStatus.FAILED).count()
    batch.status_message = f"Done, {failed} failed" if failed else "Done"
    batch.save(update_fields=["status", "completed_at", "status_message"])
    succeeded = batch.items.filter(status=ItemStatus.SUCCEEDED).count()
    job_notices.batch_completed(batch, succeeded=succeeded, failed=failed)


def job_ended(batch_id: UUID, job_id: UUID) -> None:
    """A job of this batch ended: record it on its item, then feed the next."""
    try:
        job = GenerationJob.objects.only("status", "error_message").get(pk=job_id)
        status = ITEM_STATUS.get(JobStatus(job.status))
        if status is not None:
            BatchItem.objects.filter(job_id=job_id, status__in=OPEN_ITEMS).update(
                status=status, error_message=job.error_message[:2000]
            )
        feed(batch_id)
    except Exception:  # a batch hiccup must not break the job's own ending
        log.exception("Feeding batch %s after job %s failed", batch_id, job_id)


def sweep(limit: int = 100) -> int:
    """Start scheduled batches whose time came; top up running ones (after a restart, a full queue)."""
    now = timezone.now()
    due = Batch.objects.filter(status=BatchStatus.SCHEDULED, run_after__lte=now).values_list("pk", flat=True)
    running = Batch.objects.filter(status=BatchStatus.RUNNING).values_list("pk", flat=True)
    fed = 0
    for batch_id in [*due[:limit], *running[:limit]]:
        try:
            fed += feed(batch_id)
        except Exception:
            log.exception("Feeding batch %s failed", batch_id)
    return fed
