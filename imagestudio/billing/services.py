"""Credit ledger commands. Every balance change goes through here, in the caller's transaction.

The balance is changed with one conditional UPDATE (balance >= amount), so concurrent requests can
never drive it negative; each change appends a ledger row carrying the balance it produced.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from imagestudio.accounts.models import User
from imagestudio.billing.models import CreditEntry, EntryKind, UsageLog


class InsufficientCredits(Exception):
    def __init__(self, needed: int, balance: int) -> None:
        super().__init__(f"This needs {needed} credits but you have {balance}.")
        self.needed = needed
        self.balance = balance


def _apply(user_id, amount: int, kind: str, *, job=None, note: str = "") -> CreditEntry:
    with transaction.atomic():
        users = User.objects.filter(pk=user_id)
        if amount < 0:
            users = users.filter(credits_balance__gte=-amount)
        if users.update(credits_balance=F("credits_balance") + amount) == 0:
            balance = User.objects.filter(pk=user_id).values_list("credits_balance", flat=True).first() or 0
            raise InsufficientCredits(-amount, balance)
        balance_after = User.objects.filter(pk=user_id).values_list("credits_balance", flat=True).get()
        return CreditEntry.objects.create(
            user_id=user_id, kind=kind, amount=amount, balance_after=balance_after, job=job, note=note
        )


def grant(user: User, amount: int, note: str = "Starting credits") -> CreditEntry:
    return _apply(user.pk, amount, EntryKind.GRANT, note=note)


def adjust(*, user: User, amount: int, reason: str) -> CreditEntry:
    """A staff correction to a balance: one `adjustment` ledger entry of `amount` (signed), with its reason.

    A negative adjustment larger than the balance raises InsufficientCredits and changes nothing.
    """
    reason = reason.strip()
    if amount == 0:
        raise ValueError("An adjustment must change the balance.")
    if not reason:
        raise ValueError("Say why the balance is adjusted.")
    return _apply(user.pk, amount, EntryKind.ADJUSTMENT, note=reason[:200])


def reserve_for_job(job) -> None:
    """Hold the job's estimated cost. Raises InsufficientCredits, leaving nothing changed."""
    if job.credits_reserved > 0:
        _apply(job.user_id, -job.credits_reserved, EntryKind.RESERVE, job=job, note="Reserved for generation")


def reserve_for_jobs(jobs: list) -> None:
    """Reserve a batch with one balance update and one bulk insert (ledger rows stay one per job)."""
    paying = [job for job in jobs if job.credits_reserved > 0]
    if not paying:
        return
    user_id = paying[0].user_id
    total = sum(job.credits_reserved for job in paying)
    with transaction.atomic():
        if (
            User.objects.filter(pk=user_id, credits_balance__gte=total).update(
                credits_balance=F("credits_balance") - total
            )
            == 0
        ):
            balance = User.objects.filter(pk=user_id).values_list("credits_balance", flat=True).first() or 0
            raise InsufficientCredits(total, balance)
        balance = User.objects.filter(pk=user_id).values_list("credits_balance", flat=True).get() + total
        entries = []
        for job in paying:
            balance -= job.credits_reserved
            entries.append(
                CreditEntry(
                    user_id=user_id,
                    kind=EntryKind.RESERVE,
                    amount=-job.credits_reserved,
                    balance_after=balance,
                    job=job,
                    note="Reserved for generation",
                )
            )
        CreditEntry.objects.bulk_create(entries)


def chargeable(job, actual: int) -> int:
    """What a job is charged for an actual cost: never more than it reserved."""
    return min(actual, job.credits_reserved)


def settle_job(job, actual: int) -> None:
    """Charge the actual cost (never more than reserved) and give back the rest."""
    actual = chargeable(job, actual)
    if job.credits_reserved > 0:
        _apply(job.user_id, job.credits_reserved - actual, EntryKind.SETTLE, job=job, note=f"Charged {actual} credits")
    job.credits_charged = actual


def refund_job(job) -> None:
    if job.credits_reserved > 0:
        _apply(job.user_id, job.credits_reserved, EntryKind.REFUND, job=job, note="Refunded: generation did not finish")
    job.credits_charged = 0


def log_usage(job, *, success: bool, image=None, generation_time: float | None = None) -> UsageLog:
    log, _ = UsageLog.objects.update_or_create(
        job=job,
        defaults=dict(
            user_id=job.user_id,
            image=image,
            action=job.action,
            model_id=job.model_id,
            credits_used=job.credits_charged,
            generation_time=generation_time,
            success=success,
            error_message=job.error_message,
        ),
    )
    return log


def ledger_total(user: User) -> int:
    from django.db.models import Sum

    return CreditEntry.objects.filter(user=user).aggregate(total=Sum("amount"))["total"] or 0
