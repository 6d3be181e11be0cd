"""Admin for generation jobs (cancel and retry through the domain services), presets and worker heartbeats."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog.params import ParameterError
from imagestudio.generation import services
from imagestudio.generation.models import GenerationJob, Preset, WorkerHeartbeat
from imagestudio.lib.admin import BigTableAdmin, UserFilter, user_link

# A job's state is the worker's and the services' business; staff may only reorder or reschedule it.
JOB_EDITABLE_FIELDS = ("priority", "staff_priority", "run_after")


@admin.register(GenerationJob)
class GenerationJobAdmin(BigTableAdmin):
    list_display = (
        "short_id",
        "owner",
        "model",
        "status",
        "action",
        "num_images",
        "priority",
        "credits_reserved",
        "credits_charged",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "model", "action", UserFilter)
    list_select_related = ("user", "model")
    search_fields = ("prompt", "fal_request_id")
    uuid_search_fields = ("id", "user_id", "batch_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user", "project", "parent_image")
    actions = ("cancel_jobs", "retry_jobs")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in JOB_EDITABLE_FIELDS]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are queued by services.enqueue, which reserves their credits

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deleting would orphan reserved credits: cancel instead

    @admin.display(description="job", ordering="created_at")
    def short_id(self, job: GenerationJob) -> str:
        return str(job.pk)[:8]

    @admin.display(description="user", ordering="user__email")
    def owner(self, job: GenerationJob) -> str:
        return user_link(job)

    @admin.action(description="Cancel the selected jobs (and refund them)", permissions=["change"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[GenerationJob]) -> None:
        canceled = finished = 0
        for job in queryset.select_related("user", "model"):
            if services.cancel(job):
                canceled += 1
                self.log_change(request, job, "Canceled from the admin")
            else:
                finished += 1
        self.message_user(request, f"Canceled and refunded {canceled} job(s).", messages.SUCCESS)
        if finished:
            self.message_user(request, f"{finished} job(s) had already finished.", messages.WARNING)

    @admin.action(description="Retry the selected failed or canceled jobs (as new jobs)", permissions=["change"])
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[GenerationJob]) -> None:
        queued = 0
        problems: list[str] = []
        for job in queryset.select_related("user", "model", "project", "parent_image"):
            try:
                new_job = services.retry(job)
            except (services.JobNotRetryable, InsufficientCredits, ParameterError) as exc:
                problems.append(f"{str(job.pk)[:8]}: {getattr(exc, 'message', None) or exc}")
                continue
            queued += 1
            self.log_change(request, job, f"Retried from the admin as job {new_job.pk}")
        self.message_user(request, f"Queued {queued} job(s) again.", messages.SUCCESS)
        for problem in problems[:10]:
            self.message_user(request, f"Not retried: {problem}", messages.WARNING)


@admin.register(Preset)
class PresetAdmin(BigTableAdmin):
    list_display = ("name", "owner", "created_at")
    list_filter = (UserFilter,)
    list_select_related = ("user",)
    search_fields = ("name",)
    uuid_search_fields = ("id", "user_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)

    @admin.display(description="user", ordering="user__email")
    def owner(self, preset: Preset) -> str:
        return user_link(preset)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Written by the workers; staff only look (and may delete rows of workers long gone)."""

    list_display = ("worker_id", "hostname", "pid", "started_at", "last_seen", "seconds_since_seen", "jobs_recovered")
    ordering = ("-last_seen",)
    search_fields = ("worker_id", "hostname")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="seconds since seen")
    def seconds_since_seen(self, heartbeat: WorkerHeartbeat) -> int:
        return int((timezone.now() - heartbeat.last_seen).total_seconds())
