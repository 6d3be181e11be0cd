from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    BUDGET_REACHED = "budget_reached", _("Budget reached")
    COMPLETED = "completed", _("Completed")
    CANCELED = "canceled", _("Canceled")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


OPEN_ITEMS = (ItemStatus.QUEUED, ItemStatus.RUNNING)  # fed to the queue and not ended


class Batch(models.Model):
    """Many generations set up at once. Its items wait here and are fed into the queue as the user's slots
    free up (see feeder.py), so a long batch never floods the queue and credits are reserved per item."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batches")
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="batches")
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.SET_NULL)
    model = models.ForeignKey("catalog.AIModel", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20)  # prompts, csv, template, seeds
    parameters = models.JSONField(default=dict)  # shared by every item (an item's own values win)
    priority = models.SmallIntegerField(default=0)
    run_after = models.DateTimeField(null=True, blank=True)
    budget_credits = models.PositiveIntegerField(null=True, blank=True)
    credits_committed = models.PositiveIntegerField(default=0)  # reserved for the items fed so far
    status = models.CharField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    status_message = models.CharField(max_length=300, blank=True)
    total = models.PositiveIntegerField(default=0)
    estimated_credits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "batches"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "run_after"]),
        ]

    def __str__(self) -> str:
        return self.name or f"Batch {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (BatchStatus.SCHEDULED, BatchStatus.RUNNING, BatchStatus.PAUSED)


class BatchItem(models.Model):
    """One generation of a batch: its prompt and own settings, and the job it became once fed."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()  # the row's order (CSV line, combination, seed)
    label = models.CharField(max_length=200, blank=True)  # what distinguishes it: a CSV line, variable values
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True)
    model = models.ForeignKey("catalog.AIModel", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    parameters = models.JSONField(default=dict)
    estimated_credits = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    job = models.OneToOneField(
        "generation.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="batch_item"
    )
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "batch_items"
        ordering = ["position"]
        indexes = [models.Index(fields=["batch", "status", "position"])]
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="one_item_per_batch_position")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.position}"
