from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class EntryKind(models.TextChoices):
    GRANT = "grant", "Grant"
    RESERVE = "reserve", "Reserve"
    SETTLE = "settle", "Settle"
    REFUND = "refund", "Refund"
    PURCHASE = "purchase", "Purchase"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"


class CreditEntry(models.Model):
    """Append-only credit ledger, one per account.

    An entry with a `workspace` belongs to that team's ledger (`user` is the member who caused it); one
    without belongs to `user`'s personal ledger. Each ledger sums to its balance: a user's personal entries
    to users.credits_balance, a workspace's entries to workspaces.credits_balance.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_entries")
    workspace = models.ForeignKey(
        "workspaces.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="credit_entries"
    )
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount = models.IntegerField()  # signed: reserve is negative, refund/grant positive
    balance_after = models.IntegerField()
    job = models.ForeignKey(
        "generation.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="credit_entries"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "credit_ledger"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["workspace", "-created_at"], name="ledger_workspace_newest"),
            models.Index(fields=["workspace", "user", "created_at"], name="ledger_workspace_member"),
        ]
        constraints = [
            # At most one settle and one refund per job: finalising twice cannot double-charge.
            models.UniqueConstraint(
                fields=["job", "kind"],
                condition=models.Q(kind__in=["reserve", "settle", "refund"]),
                name="one_ledger_entry_per_job_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d}"


class UsageLog(models.Model):
    """The seed's `usage_logs` table: one row per generation attempt outcome."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_logs")
    image = models.ForeignKey("gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    job = models.OneToOneField(
        "generation.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="usage_log"
    )
    action = models.CharField(max_length=30)
    model = models.ForeignKey("catalog.AIModel", null=True, on_delete=models.SET_NULL, related_name="+")
    credits_used = models.IntegerField(default=0)
    generation_time = models.FloatField(null=True, blank=True)
    success = models.BooleanField()
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "usage_logs"
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {'ok' if self.success else 'failed'}"
