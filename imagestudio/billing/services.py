"""Credit ledger commands. Every balance change goes through here, in the caller's transaction.

An account is a user's own balance or a team workspace's (see `Account`); the same code moves both.
The balance is changed with one conditional UPDATE (balance >= amount), so concurrent requests can
never drive it negative; each change appends a ledger row carrying the balance it produced.

Personal reservations also obey the user's monthly spending cap (billing.limits), and a personal settle
uses up expiring grants (billing.grants: soonest expiring first) and records the cap's alerts, all in the
settle's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.accounts.models import User
from imagestudio.billing import limits
from imagestudio.billing.models import SPENDING, CreditEntry, CreditGrant, EntryKind, UsageLog
from imagestudio.workspaces.models import Workspace


class InsufficientCredits(Exception):
    def __init__(self, needed: int, balance: int, *, team: str = "") -> None:
        if team:
            message = gettext("This needs %(needed)s credits but the team “%(team)s” has %(balance)s.")
        else:
            message = gettext("This needs %(needed)s credits but you have %(balance)s.")
        super().__init__(message % {"needed": needed, "team": team, "balance": balance})
        self.needed = needed
        self.balance = balance


class MonthlyLimitReached(InsufficientCredits):
    """A team member's monthly limit is spent. An InsufficientCredits, so pages and the API answer it alike (402)."""

    def __init__(self, needed: int, left: int) -> None:
        message = gettext("This needs %(needed)s credits; your monthly team limit leaves %(left)s.")
        Exception.__init__(self, message % {"needed": needed, "left": left})
        self.needed = needed
        self.balance = left


class SpendingCapReached(InsufficientCredits):
    """The user's own monthly spending cap (Settings › Billing) is spent. An InsufficientCredits, so pages and
    the API answer it alike (402)."""

    def __init__(self, needed: int, left: int, cap: int) -> None:
        message = gettext(
            "This needs %(needed)s credits; your monthly spending cap of %(cap)s leaves %(left)s. "
            "Raise the cap in Settings › Billing to go on."
        )
        Exception.__init__(self, message % {"needed": needed, "cap": cap, "left": left})
        self.needed = needed
        self.balance = left
        self.cap = cap


class ExpiringCreditsKept(InsufficientCredits):
    """Credits from a grant that expires stay on the personal balance: they cannot be moved to a team."""

    def __init__(self, needed: int, movable: int) -> None:
        message = gettext(
            "Credits from a grant that expires can't be moved to a team; you can move up to %(movable)s now."
        )
        Exception.__init__(self, message % {"movable": movable})
        self.needed = needed
        self.balance = movable


@dataclass(frozen=True)
class Account:
    """Whose balance a ledger entry moves: `user`'s own, or a team workspace's (then `user` is the member
    who caused it). Every command below takes one, so personal and team credits share one ledger code."""

    user_id: Any
    workspace_id: Any = None

    @classmethod
    def of(cls, job: Any) -> Account:
        """The account a job is charged to (its `workspace`, set for team projects, else its user)."""
        return cls(job.user_id, getattr(job, "workspace_id", None))

    def holder(self) -> QuerySet:
        """The one row whose `credits_balance` this account is."""
        if self.workspace_id is None:
            return User.objects.filter(pk=self.user_id)
        return Workspace.objects.filter(pk=self.workspace_id)

    def balance(self) -> int:
        return self.holder().values_list("credits_balance", flat=True).first() or 0

    def entries(self) -> QuerySet[CreditEntry]:
        if self.workspace_id is None:
            return CreditEntry.objects.filter(user_id=self.user_id, workspace=None)
        return CreditEntry.objects.filter(workspace_id=self.workspace_id)

    def _take(self, amount: int) -> None:
        """Take `amount` (> 0) with one conditional UPDATE, or raise InsufficientCredits changing nothing."""
        if self.holder().filter(credits_balance__gte=amount).update(credits_balance=F("credits_balance") - amount):
            return
        if self.workspace_id is None:
            raise InsufficientCredits(amount, self.balance())
        name, balance = Workspace.objects.values_list("name", "credits_balance").get(pk=self.workspace_id)
        raise InsufficientCredits(amount, balance, team=name)

    def _take_for_jobs(self, amount: int) -> None:
        """Take a reservation: the balance first (its UPDATE holds the user's row until commit, so the cap
        check below sees every other reservation), then the user's own monthly cap. Raises, changing nothing
        once the caller's transaction rolls back."""
        self._take(amount)
        if self.workspace_id is None and (over := limits.room_before(self.user_id, amount)):
            cap, left = over
            raise SpendingCapReached(amount, left, cap)

    def _entry(self, kind: str, amount: int, balance_after: int, *, job: Any = None, note: str = "") -> CreditEntry:
        return CreditEntry(
            user_id=self.user_id,
            workspace_id=self.workspace_id,
            kind=kind,
            amount=amount,
            balance_after=balance_after,
            job=job,
            note=note,
        )


def personal(user: User) -> Account:
    return Account(user.pk)


def team(workspace: Workspace, member: User) -> Account:
    return Account(member.pk, workspace.pk)


def _apply(account: Account, amount: int, kind: str, *, job: Any = None, note: str = "") -> CreditEntry:
    with transaction.atomic():
        if amount < 0:
            account._take(-amount)
        elif not account.holder().update(credits_balance=F("credits_balance") + amount):
            raise LookupError("No such account.")
        entry = account._entry(kind, amount, account.balance(), job=job, note=note)
        entry.save(force_insert=True)
        return entry


def grant(user: User, amount: int, note: str = "Starting credits") -> CreditEntry:
    return _apply(personal(user), amount, EntryKind.GRANT, note=note)


def record_purchase(user: User, amount: int, *, note: str) -> CreditEntry:
    """Credits bought (billing.purchases decides when): one `purchase` entry on the personal balance."""
    return _apply(personal(user), amount, EntryKind.PURCHASE, note=note[:200])


def adjust(*, user: User, amount: int, reason: str, workspace: Workspace | None = None) -> CreditEntry:
    """A staff correction to a balance: one `adjustment` ledger entry of `amount` (signed), with its reason.

    With `workspace`, the team's balance is adjusted and `user` recorded as who made the change.
    A negative adjustment larger than the balance raises InsufficientCredits and changes nothing.
    """
    reason = reason.strip()
    if amount == 0:
        raise ValueError("An adjustment must change the balance.")
    if not reason:
        raise ValueError("Say why the balance is adjusted.")
    account = personal(user) if workspace is None else team(workspace, user)
    return _apply(account, amount, EntryKind.ADJUSTMENT, note=reason[:200])


def expire_credits(*, user_id: Any, amount: int, note: str) -> CreditEntry:
    """Take what is left of an expired grant off the personal balance: one `expire` entry (billing.grants)."""
    return _apply(Account(user_id), -amount, EntryKind.EXPIRE, note=note[:200])


def live_grants(user_id: Any) -> QuerySet[CreditGrant]:
    """The user's grants not expired yet that still have credits left, soonest expiring first."""
    return CreditGrant.objects.filter(user_id=user_id, expired_at=None, remaining__gt=0).order_by("expires_at", "id")


def _use_grants(user_id: Any, amount: int) -> None:
    """Count `amount` charged credits against the live grants, soonest expiring first (inside the settle's
    transaction, after its balance UPDATE: settles of one user never interleave here)."""
    for grant_id, remaining in live_grants(user_id).values_list("id", "remaining"):
        if amount <= 0:
            return
        used = min(amount, remaining)
        CreditGrant.objects.filter(pk=grant_id).update(remaining=F("remaining") - used)
        amount -= used


def transfer_to_team(*, user: User, workspace: Workspace, amount: int) -> tuple[CreditEntry, CreditEntry]:
    """Move `amount` from the user's own balance to a team's: two `transfer` entries, one per ledger.

    Raises ValueError for a non-positive amount and InsufficientCredits (changing nothing) when the
    user has less than `amount`. Who may fund which team is the caller's rule (workspaces.services).
    """
    if amount <= 0:
        raise ValueError("Transfer at least 1 credit.")
    with transaction.atomic():
        # Personal row first, then the team's: the same order as every other path that locks both.
        out = _apply(personal(user), -amount, EntryKind.TRANSFER, note=f"To team “{workspace.name}”"[:200])
        kept = live_grants(user.pk).aggregate(total=Sum("remaining"))["total"] or 0
        if out.balance_after < kept:  # what is left must still cover the expiring grants
            raise ExpiringCreditsKept(amount, max(0, out.balance_after + amount - kept))
        into = _apply(team(workspace, user), amount, EntryKind.TRANSFER, note="From personal credits")
    return out, into


def reserve_for_job(job: Any) -> None:
    """Hold the job's estimated cost from the account it is charged to. Raises InsufficientCredits, leaving
    nothing changed."""
    if job.credits_reserved > 0:
        account = Account.of(job)
        with transaction.atomic():
            account._take_for_jobs(job.credits_reserved)
            account._entry(
                EntryKind.RESERVE, -job.credits_reserved, account.balance(), job=job, note="Reserved for generation"
            ).save(force_insert=True)


def reserve_for_jobs(jobs: list) -> None:
    """Reserve a batch with one balance update and one bulk insert per account (ledger rows stay one per job).

    All or nothing: call inside the caller's transaction; a short account raises InsufficientCredits.
    """
    by_account: dict[Account, list] = {}
    for job in jobs:
        if job.credits_reserved > 0:
            by_account.setdefault(Account.of(job), []).append(job)
    # Personal before team, as in transfers, so two paths never lock the same rows in opposite orders.
    ordered = sorted(by_account.items(), key=lambda item: (item[0].workspace_id is not None, str(item[0].workspace_id)))
    with transaction.atomic():
        for account, paying in ordered:
            total = sum(job.credits_reserved for job in paying)
            account._take_for_jobs(total)
            balance = account.balance() + total
            entries = []
            for job in paying:
                balance -= job.credits_reserved
                entries.append(
                    account._entry(
                        EntryKind.RESERVE, -job.credits_reserved, balance, job=job, note="Reserved for generation"
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
        account = Account.of(job)
        with transaction.atomic():
            _apply(account, job.credits_reserved - actual, EntryKind.SETTLE, job=job, note=f"Charged {actual} credits")
            if account.workspace_id is None:
                _use_grants(account.user_id, actual)
                limits.record_alerts(account.user_id)
    job.credits_charged = actual


def refund_job(job) -> None:
    if job.credits_reserved > 0:
        _apply(
            Account.of(job), job.credits_reserved, EntryKind.REFUND, job=job, note="Refunded: generation did not finish"
        )
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
            num_images=job.num_images,
            charged_to_team=job.workspace_id is not None,
            generation_time=generation_time,
            success=success,
            error_message=job.error_message,
        ),
    )
    return log


def ledger_total(owner: User | Workspace) -> int:
    """The sum of one ledger: a user's personal entries, or a team workspace's. Always its balance."""
    account = Account(None, owner.pk) if isinstance(owner, Workspace) else personal(owner)
    return account.entries().aggregate(total=Sum("amount"))["total"] or 0


def month_start(now: datetime | None = None) -> datetime:
    """The start of the current calendar month (in the project's time zone)."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def team_spend(workspace_id: Any, *, since: datetime, user_id: Any = None) -> dict[Any, int]:
    """Credits spent from a team's balance since `since`, per member: reserved minus refunded (queued and
    running jobs count what they hold). One member's only with `user_id`."""
    entries = CreditEntry.objects.filter(workspace_id=workspace_id, kind__in=SPENDING, created_at__gte=since)
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    rows = entries.values("user_id").annotate(total=Sum("amount")).order_by()
    return {row["user_id"]: -row["total"] for row in rows}
