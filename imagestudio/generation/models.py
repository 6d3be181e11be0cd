from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from imagestudio.generation.providers.base import Submission


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)


class GenerationJob(models.Model):
    """The seed's `generation_queue` table: one request for 1-4 images, from queue to stored result."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.SET_NULL)
    # Who pays: the team workspace whose project this is (its balance is reserved, settled and refunded);
    # None means the user's own balance. PROTECT: a team with charged jobs keeps its ledger.
    workspace = models.ForeignKey(
        "workspaces.Workspace", null=True, blank=True, on_delete=models.PROTECT, related_name="charged_jobs"
    )
    model = models.ForeignKey("catalog.AIModel", on_delete=models.PROTECT, related_name="jobs")
    action = models.CharField(max_length=30, default="generate")  # generate or an iteration operation
    # What an iteration operation needs beyond the parent image and the model's parameters (see
    # generation/operations.py): the stored mask's name, outpaint margins, upscale passes, edit steps, …
    inputs = models.JSONField(default=dict, blank=True)
    prompt = models.TextField()  # exactly what the model receives (style fragments included)
    negative_prompt = models.TextField(blank=True)
    user_prompt = models.TextField(blank=True)  # what the person typed, before style fragments
    style = models.CharField(max_length=40, blank=True)
    # The full recipe: every parameter as sent to the provider (fal's input names), incl. the seed.
    parameters = models.JSONField(default=dict)
    num_images = models.PositiveSmallIntegerField(default=1)
    width = models.PositiveIntegerField(default=1024)
    height = models.PositiveIntegerField(default=1024)
    parent_image = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    priority = models.SmallIntegerField(default=0)  # higher runs first, among this user's own jobs
    # The place the user dragged it to on the queue page: ranked jobs run first, in rank order.
    queue_rank = models.IntegerField(null=True, blank=True)
    staff_priority = models.SmallIntegerField(default=0)  # set only for staff: orders everyone's jobs
    run_after = models.DateTimeField(null=True, blank=True)
    batch_id = models.UUIDField(null=True, blank=True)
    # Provider bookkeeping (fal: queue request id and the URLs it returned).
    fal_request_id = models.CharField(max_length=100, blank=True, db_index=True)
    provider_state = models.JSONField(default=dict, blank=True)
    progress = models.FloatField(default=0.0)  # 0..1
    progress_message = models.CharField(max_length=200, blank=True)
    queue_position = models.IntegerField(null=True, blank=True)
    logs = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    error_field = models.CharField(max_length=60, blank=True)
    retry_count = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A worker owns a running job only while its lease is fresh; an expired lease means it died.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Jobs waiting on fal hold no worker: the poller checks them when this time comes.
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    check_failures = models.PositiveSmallIntegerField(default=0)
    credits_reserved = models.PositiveIntegerField(default=0)
    credits_charged = models.PositiveIntegerField(default=0)
    # Ran on fal with the user's own fal key (Settings → API keys): fal bills them, we reserve and charge 0.
    own_fal_key = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "generation_queue"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "-priority", "created_at"]),
            models.Index(fields=["user", "-started_at"], name="job_user_last_started"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} · {self.prompt[:40]}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def submission(self) -> Submission | None:
        """The provider's queue handle (fal request id and URLs), once submitted."""
        state = self.provider_state.get("submission")
        return Submission(**state) if state else None

    @property
    def seed(self) -> int | None:
        return self.parameters.get("seed")


class QueueHold(models.Model):
    """The user paused their queue: none of their queued jobs starts until they resume."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "generation_queue_holds"

    def __str__(self) -> str:
        return f"Queue hold for {self.user_id}"


class WorkerHeartbeat(models.Model):
    """Each worker process writes here every few seconds; /healthz reads it."""

    worker_id = models.CharField(max_length=100, primary_key=True)
    hostname = models.CharField(max_length=100)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    jobs_recovered = models.IntegerField(default=0)

    class Meta:
        db_table = "worker_heartbeats"

    def __str__(self) -> str:
        return self.worker_id


class Preset(models.Model):
    """Named generation settings a user saved on the generate page."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presets")
    name = models.CharField(max_length=100)
    settings = models.JSONField(default=dict)  # the generate form's values, model included
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "generation_presets"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_preset_name_per_user")]

    def __str__(self) -> str:
        return self.name


class Experiment(models.Model):
    """An A/B or X/Y comparison: one job per cell and seed, the same seeds in every cell, shown as a
    labelled grid. A/B: the rows are prompts. X/Y: the columns sweep one parameter, the rows (optionally)
    another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="experiments")
    model = models.ForeignKey("catalog.AIModel", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.SET_NULL)
    prompt = models.TextField(blank=True)  # the shared prompt of a sweep
    # {"x": {"name": "guidance_scale", "values": [3, 7]}, "y": {...} | None} or {"prompts": [...]}
    axes = models.JSONField(default=dict)
    seeds = models.JSONField(default=list)
    # One entry per job: {"job": id, "row": i, "column": j, "seed": s}
    cells = models.JSONField(default=list)
    winner = models.ForeignKey("gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "generation_experiments"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"Experiment {self.pk}"
