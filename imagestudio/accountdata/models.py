"""Data ownership: an account's exports (ZIPs built by the worker), imports of such archives, and a
scheduled deletion of the account (restorable until its grace period ends)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("In progress")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


OPEN = (Status.QUEUED, Status.RUNNING)


class DataExport(models.Model):
    """One ZIP of everything the user owns. Its file is private (downloaded through a view that checks the
    owner) and deleted by the sweep EXPORT_RETENTION_HOURS after it was built."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)  # images written so far
    total = models.PositiveIntegerField(default=0)  # images to write
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)  # what the archive holds, as in its manifest
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "account_exports"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="account_exports_user"),
            models.Index(fields=["status", "expires_at"], name="account_exports_expiry"),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else (1.0 if self.status == Status.READY else 0.0)


class DataImport(models.Model):
    """An uploaded account archive, restored by the worker. The uploaded file is deleted once it ran;
    `summary` says what was imported and what was skipped and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_imports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="imports/", max_length=300, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "account_imports"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="account_imports_user")]

    def __str__(self) -> str:
        return f"import {self.pk} into {self.user_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else (1.0 if self.status == Status.READY else 0.0)


class AccountDeletion(models.Model):
    """A scheduled deletion: until `purge_after` the account is locked (signed out, tokens revoked, every
    page leads to "Keep my account"); then the worker purges it. Keeping the account deletes this row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="scheduled_deletion"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    purge_after = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "account_deletions"

    def __str__(self) -> str:
        return f"deletion of {self.user_id} after {self.purge_after:%Y-%m-%d}"
