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
    EXPIRE = "expire", "Expire"  # what was left of a grant when it expired (negative)


# Reserve, settle and refund all move job credits: their net is what the jobs cost.
SPENDING = (EntryKind.RESERVE, EntryKind.SETTLE, EntryKind.REFUND)


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
            # A user's grants among many charges (the starting-credits check runs on signed-in pages).
            models.Index(fields=["user", "kind"], name="ledger_user_kind"),
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
    # The job's figures as logged (the job may be deleted later; its history stays): images asked for, and
    # whether a team workspace paid (team jobs are not the person's own usage).
    num_images = models.PositiveSmallIntegerField(default=0)
    charged_to_team = models.BooleanField(default=False)
    generation_time = models.FloatField(null=True, blank=True)
    success = models.BooleanField()
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "usage_logs"
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # Studio-wide windows (model performance over the last day or month) read by time, not by user.
            models.Index(fields=["created_at"], name="usage_logs_created"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {'ok' if self.success else 'failed'}"


class UsageSlot(models.Model):
    """Personal usage per user and quarter hour (UTC): jobs logged, images they made, credits spent (a negative
    sum, as in the ledger). Kept by database triggers on `usage_logs` and `credit_ledger`
    (billing/usage_slots.py), so the usage charts read a few thousand rows a year instead of every job's. No
    foreign key: the triggers write while an account's rows are being deleted."""

    user_id = models.UUIDField()
    starts_at = models.DateTimeField()  # a quarter hour's start (UTC)
    jobs = models.IntegerField(default=0)
    images = models.IntegerField(default=0)
    spent = models.IntegerField(default=0)

    class Meta:
        db_table = "usage_slots"
        constraints = [models.UniqueConstraint(fields=["user_id", "starts_at"], name="usage_slots_key")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}: {self.jobs} jobs"


DEFAULT_ALERT_THRESHOLDS = [50, 80, 100]


def default_alert_thresholds() -> list[int]:
    return list(DEFAULT_ALERT_THRESHOLDS)


class SpendingLimit(models.Model):
    """A user's own monthly spending cap and the percentages of it they want to hear about (billing.limits).

    No row, or `monthly_cap` null: no cap. The month is the user's calendar month in their time zone.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="spending_limit"
    )
    monthly_cap = models.PositiveIntegerField(null=True, blank=True)
    alert_thresholds = models.JSONField(default=default_alert_thresholds, blank=True)  # sorted percentages, 1–100
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "spending_limits"

    def __str__(self) -> str:
        return f"cap {self.monthly_cap}"


class CreditAlert(models.Model):
    """One threshold of the spending cap reached in one month: the unique row makes the alert fire once,
    however many settles cross it at the same time."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the user's calendar month
    threshold = models.PositiveSmallIntegerField()  # percent of the cap; 100 = the cap itself
    spent = models.IntegerField()
    cap = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "credit_alerts"
        constraints = [
            models.UniqueConstraint(fields=["user", "month", "threshold"], name="one_credit_alert_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.threshold}% of {self.cap} in {self.month:%Y-%m}"


class GrantSource(models.TextChoices):
    STAFF = "staff", "Staff"
    MONTHLY = "monthly", "Monthly free credits"


class CreditGrant(models.Model):
    """Credits given with an expiry date, and what is still left of them (billing.grants).

    The grant itself is a `grant` ledger entry; `remaining` goes down as generations are charged (soonest
    expiring grant first) and what is left at `expires_at` leaves the balance as one `expire` entry.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_grants")
    entry = models.OneToOneField(CreditEntry, on_delete=models.CASCADE, related_name="expiring_grant")
    source = models.CharField(max_length=16, choices=GrantSource.choices)
    amount = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    expires_at = models.DateTimeField()
    period = models.DateField(null=True, blank=True)  # monthly grants: the month they are for
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    expired_entry = models.OneToOneField(
        CreditEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="expired_grant"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "credit_grants"
        indexes = [
            models.Index(fields=["user", "expires_at"], name="credit_grants_user_expiry"),
            models.Index(fields=["expires_at"], name="credit_grants_live", condition=models.Q(expired_at=None)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining__lte=models.F("amount")), name="grant_remaining_le_amount"
            ),
            models.UniqueConstraint(
                fields=["user", "period"], condition=models.Q(source="monthly"), name="one_monthly_grant_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.amount} until {self.expires_at:%Y-%m-%d}"


class CreditPurchase(models.Model):
    """A package bought, credited once: `session_id` (Stripe's Checkout Session id, or a test-mode id) is
    unique, so a replayed webhook changes nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_purchases")
    session_id = models.CharField(max_length=255, unique=True)
    package = models.CharField(max_length=40)
    credits = models.PositiveIntegerField()
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=8)
    test_mode = models.BooleanField(default=False)
    entry = models.OneToOneField(CreditEntry, on_delete=models.CASCADE, related_name="purchase")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "credit_purchases"
        indexes = [models.Index(fields=["user", "-created_at"], name="credit_purchases_user")]

    def __str__(self) -> str:
        return f"{self.package} ({self.credits} credits)"
