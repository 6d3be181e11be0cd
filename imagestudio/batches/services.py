"""Batches: create one from a source (all rows checked first, nothing queued if any is wrong), and pause,
resume, cancel or retry it. Feeding items into the queue is feeder.py's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.batches import feeder
from imagestudio.batches.models import OPEN_ITEMS, Batch, BatchItem, BatchStatus, ItemStatus
from imagestudio.batches.sources import Row, RowError, SourceError
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError
from imagestudio.catalog.services import get_model
from imagestudio.generation import services as generation
from imagestudio.generation.models import GenerationJob, JobStatus

if TYPE_CHECKING:
    from imagestudio.accounts.models import User
    from imagestudio.projects.models import Project
    from imagestudio.workspaces.models import Workspace


class BatchError(Exception):
    """A command that does not fit the batch's state (e.g. resuming a finished batch)."""


@dataclass
class Settings:
    model: AIModel
    parameters: dict
    project: Project | None = None
    priority: int = 0
    run_after: datetime | None = None
    budget_credits: int | None = None
    name: str = ""


def preset_parameters(preset) -> tuple[AIModel | None, dict]:
    """A saved generate-page preset as a batch's model and shared parameters (its seed is left out: every
    item gets its own)."""
    form, panel = preset.settings.get("form", {}), preset.settings.get("panel", {})
    parameters: dict = {k: v for k, v in panel.items() if v not in (None, "")}
    if form.get("aspect_ratio") == "custom":
        parameters.update(width=form.get("width"), height=form.get("height"))
    elif form.get("aspect_ratio"):
        parameters.update(aspect_ratio=form["aspect_ratio"], resolution=form.get("resolution") or "1")
    if form.get("style"):
        parameters["style"] = form["style"]
    parameters["num_images"] = int(form.get("num_images") or 1)
    return get_model(form.get("model") or ""), parameters


def check_rows(user: User, rows: list[Row], settings: Settings) -> tuple[list[AIModel], list[int]]:
    """Each row's model and estimated credits; SourceError with every row that would be refused."""
    models: dict[str, AIModel | None] = {}
    errors: list[RowError] = []
    chosen: list[AIModel] = []
    estimates: list[int] = []
    for row in rows:
        model = settings.model
        if row.model:
            if row.model not in models:
                models[row.model] = get_model(row.model)
            found = models[row.model]
            if found is None or "text-to-image" not in found.capabilities:
                errors.append(
                    RowError(
                        row.line, "model", gettext("No text-to-image model %(model)s.") % {"model": repr(row.model)}
                    )
                )
                continue
            model = found
        try:
            job = generation.check(feeder.request_for(user, settings, row, model))
        except ParameterError as exc:
            errors.append(RowError(row.line, exc.field, exc.message))
            continue
        chosen.append(model)
        estimates.append(job.credits_reserved)
    if errors:
        raise SourceError(errors)
    return chosen, estimates


def create(user: User, workspace: Workspace, source: str, rows: list[Row], settings: Settings) -> Batch:
    """Check every row, store the batch and its items, and start feeding (or wait for `run_after`)."""
    models, estimates = check_rows(user, rows, settings)
    scheduled = settings.run_after is not None and settings.run_after > timezone.now()
    with transaction.atomic():
        batch = Batch.objects.create(
            user=user,
            workspace=workspace,
            project=settings.project,
            model=settings.model,
            name=settings.name[:200],
            source=source,
            parameters=settings.parameters,
            priority=settings.priority,
            run_after=settings.run_after,
            budget_credits=settings.budget_credits,
            status=BatchStatus.SCHEDULED if scheduled else BatchStatus.RUNNING,
            started_at=None if scheduled else timezone.now(),
            total=len(rows),
            estimated_credits=sum(estimates),
        )
        BatchItem.objects.bulk_create(
            BatchItem(
                batch=batch,
                position=index,
                label=row.label,
                prompt=row.prompt,
                negative_prompt=row.negative_prompt,
                model=model if model.pk != settings.model.pk else None,
                parameters=row.parameters,
                estimated_credits=estimate,
            )
            for index, (row, model, estimate) in enumerate(zip(rows, models, estimates, strict=True))
        )
        transaction.on_commit(lambda: feeder.feed(batch.pk))
    return batch


# -- control ----------------------------------------------------------------------------------------


def pause(batch: Batch) -> Batch:
    """No new submissions: waiting jobs go back to the batch (refunded); running ones finish."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in (BatchStatus.RUNNING, BatchStatus.SCHEDULED):
            raise BatchError(
                gettext("This batch is %(status)s; only a running batch pauses.")
                % {"status": locked.get_status_display().lower()}
            )
        locked.status, locked.status_message = BatchStatus.PAUSED, "Paused"
        locked.save(update_fields=["status", "status_message"])
        for item in locked.items.filter(status=ItemStatus.QUEUED, job__status=JobStatus.QUEUED).select_related("job"):
            _take_back(locked, item)
    return locked


def _take_back(batch: Batch, item: BatchItem) -> None:
    """A fed job that has not started: cancel and refund it, and let the item wait again."""
    job = GenerationJob.objects.select_for_update().get(pk=item.job.pk) if item.job else None
    if job is None:
        return
    if job.status != JobStatus.QUEUED:
        return  # it started meanwhile: it finishes
    item.job, item.status = None, ItemStatus.PENDING
    item.save(update_fields=["job", "status", "updated_at"])
    batch.credits_committed = max(0, batch.credits_committed - job.credits_reserved)
    batch.save(update_fields=["credits_committed"])
    generation.cancel(job)


def resume(batch: Batch, *, budget_credits: int | None = None) -> Batch:
    """Feed again; a batch stopped by its budget resumes with a larger budget."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in (BatchStatus.PAUSED, BatchStatus.BUDGET_REACHED):
            raise BatchError(
                gettext("This batch is %(status)s; there is nothing to resume.")
                % {"status": locked.get_status_display().lower()}
            )
        if budget_credits is not None:
            locked.budget_credits = budget_credits
        waiting = locked.run_after is not None and locked.run_after > timezone.now()
        locked.status = BatchStatus.SCHEDULED if waiting else BatchStatus.RUNNING
        locked.status_message = ""
        locked.started_at = locked.started_at or (None if waiting else timezone.now())
        locked.save()
        transaction.on_commit(lambda: feeder.feed(locked.pk))
    return locked


def cancel(batch: Batch) -> Batch:
    """Stop the batch: waiting items are dropped, fed jobs canceled and refunded."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if not locked.is_open and locked.status != BatchStatus.BUDGET_REACHED:
            raise BatchError(
                gettext("This batch is already %(status)s.") % {"status": locked.get_status_display().lower()}
            )
        locked.status, locked.status_message, locked.completed_at = BatchStatus.CANCELED, "Canceled", timezone.now()
        locked.save()
        locked.items.filter(status=ItemStatus.PENDING).update(status=ItemStatus.CANCELED)
        jobs = [item.job for item in locked.items.filter(status__in=OPEN_ITEMS).select_related("job", "job__model")]
    for job in jobs:
        if job is not None:
            generation.cancel(job)
    return locked


def retry_failed(batch: Batch) -> int:
    """Failed items wait again and the batch feeds them; returns how many."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == BatchStatus.CANCELED:
            raise BatchError(gettext("This batch was canceled; start a new one instead."))
        count = locked.items.filter(status=ItemStatus.FAILED).update(
            status=ItemStatus.PENDING, job=None, error_message=""
        )
        if count and locked.status == BatchStatus.COMPLETED:
            locked.status, locked.completed_at, locked.status_message = BatchStatus.RUNNING, None, ""
            locked.save()
        transaction.on_commit(lambda: feeder.feed(locked.pk))
    return count


# -- progress ---------------------------------------------------------------------------------------


@dataclass
class Progress:
    total: int
    pending: int
    queued: int
    running: int
    succeeded: int
    failed: int
    canceled: int
    per_minute: float | None  # items finished per minute lately
    eta: datetime | None

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.canceled

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


THROUGHPUT_WINDOW = timedelta(minutes=10)


def progress(batch: Batch) -> Progress:
    counts = batch.items.aggregate(
        pending=Count("pk", filter=Q(status=ItemStatus.PENDING)),
        queued=Count("pk", filter=Q(status=ItemStatus.QUEUED, job__status=JobStatus.QUEUED)),
        running=Count("pk", filter=Q(status=ItemStatus.QUEUED, job__status=JobStatus.RUNNING)),
        succeeded=Count("pk", filter=Q(status=ItemStatus.SUCCEEDED)),
        failed=Count("pk", filter=Q(status=ItemStatus.FAILED)),
        canceled=Count("pk", filter=Q(status=ItemStatus.CANCELED)),
    )
    since = max(timezone.now() - THROUGHPUT_WINDOW, batch.started_at or batch.created_at)
    finished = batch.items.filter(
        status__in=(ItemStatus.SUCCEEDED, ItemStatus.FAILED), job__completed_at__gte=since
    ).count()
    minutes = max((timezone.now() - since).total_seconds() / 60, 1 / 60)
    per_minute = round(finished / minutes, 1) if finished else None
    remaining = counts["pending"] + counts["queued"] + counts["running"]
    eta = None
    if per_minute and remaining and batch.status == BatchStatus.RUNNING:
        eta = timezone.now() + timedelta(minutes=remaining / per_minute)
    return Progress(total=batch.total, per_minute=per_minute, eta=eta, **counts)
