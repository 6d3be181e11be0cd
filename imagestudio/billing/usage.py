"""Usage and credit reads for a user's personal account: totals, per day, per month, per model, balance.

Plain functions for the API and pages alike (the usage page's charts reuse them). Every figure is
aggregated in the database, a fixed number of queries whatever the history's length.

What counts:
- Jobs, images and generation times come from the usage log (one row per finished job) of jobs charged
  to the user's own balance; jobs paid by a team's balance are the team's usage (its credits page).
  Images are the outputs a succeeded job asked for (`num_images`), so deleting an image later does not
  rewrite history.
- Credits spent come from the personal ledger: reserved minus given back (settle remainders, refunds), so
  they are net of refunds, and queued or running jobs count what they hold (as Settings → Billing does).
- Days and months are calendar days and months in the time zone passed (the user's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from imagestudio.accounts.models import User
from imagestudio.billing.models import CreditEntry, EntryKind, UsageLog
from imagestudio.billing.services import SPENDING, personal
from imagestudio.generation.models import ACTIVE_STATUSES
from imagestudio.lib.pagination import Page, paginate_newest_first
from imagestudio.workspaces import access
from imagestudio.workspaces.models import Workspace

MAX_DAYS = 365
MAX_MONTHS = 36


@dataclass(frozen=True)
class ModelRef:
    id: Any
    name: str
    display_name: str


@dataclass(frozen=True)
class UsageStats:
    images_generated: int
    jobs_succeeded: int
    jobs_failed: int
    credits_spent_total: int
    credits_spent_month: int
    credits_spent_30_days: int
    average_generation_time: float | None  # seconds, succeeded jobs only
    most_used_model: ModelRef | None
    month_start: datetime


@dataclass(frozen=True)
class Bucket:
    start: date  # the day, or the first day of the month
    jobs: int
    images: int
    credits_spent: int


@dataclass(frozen=True)
class ModelUsage:
    model: ModelRef
    jobs: int
    jobs_succeeded: int
    images: int
    credits_spent: int
    average_generation_time: float | None  # seconds, succeeded jobs only

    @property
    def success_rate(self) -> float | None:
        return round(self.jobs_succeeded / self.jobs, 4) if self.jobs else None


@dataclass(frozen=True)
class TeamBalance:
    id: Any
    name: str
    balance: int


@dataclass(frozen=True)
class BalanceOverview:
    balance: int
    reserved: int  # held by the user's queued and running jobs on their own balance
    spent_month: int
    month_start: datetime
    teams: list[TeamBalance]


# -- the rows each figure is read from ----------------------------------------------------------------


def _logs(user: User) -> QuerySet[UsageLog]:
    """The usage log of jobs paid from the personal balance (a log whose job is gone counts as personal)."""
    return UsageLog.objects.filter(user=user, job__workspace__isnull=True)  # a LEFT JOIN: no job matches too


def _spending(user: User) -> QuerySet[CreditEntry]:
    return personal(user).entries().filter(kind__in=SPENDING)


# Aggregates shared by the per-day, per-month and per-model reads.
_JOBS = Count("id")
_SUCCEEDED = Count("id", filter=Q(success=True))
_IMAGES = Sum("job__num_images", filter=Q(success=True))
_TIME = Avg("generation_time", filter=Q(success=True))


def _spent(total: int | None) -> int:
    """Spending entries are negative (reserve) and positive (what came back): spent is minus their sum."""
    return -(total or 0)


def _zone(tz: tzinfo | None) -> tzinfo:
    return tz or timezone.get_current_timezone()


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def local_month_start(now: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """Midnight on the first day of `now`'s calendar month in `tz` (default: the active time zone)."""
    zone = _zone(tz)
    today = timezone.localtime(now or timezone.now(), zone).date()
    return _local_midnight(today.replace(day=1), zone)


def _months_back(first: date, count: int) -> date:
    """The first day of the month `count` months before `first` (a first of month)."""
    index = first.year * 12 + first.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


# -- reads --------------------------------------------------------------------------------------------


def usage_stats(user: User, *, now: datetime | None = None, tz: tzinfo | None = None) -> UsageStats:
    """All-time totals, with spending this calendar month and over the last 30 days (three queries)."""
    now = now or timezone.now()
    since_month = local_month_start(now, tz)
    jobs = _logs(user).aggregate(
        succeeded=_SUCCEEDED, failed=Count("id", filter=Q(success=False)), images=_IMAGES, time=_TIME
    )
    spent = _spending(user).aggregate(
        total=Sum("amount"),
        month=Sum("amount", filter=Q(created_at__gte=since_month)),
        days=Sum("amount", filter=Q(created_at__gte=now - timedelta(days=30))),
    )
    top = (
        _logs(user)
        .filter(model__isnull=False)
        .values("model_id", "model__name", "model__display_name")
        .annotate(jobs=Count("id"))
        .order_by("-jobs", "model__name")
        .first()
    )
    return UsageStats(
        images_generated=jobs["images"] or 0,
        jobs_succeeded=jobs["succeeded"],
        jobs_failed=jobs["failed"],
        credits_spent_total=_spent(spent["total"]),
        credits_spent_month=_spent(spent["month"]),
        credits_spent_30_days=_spent(spent["days"]),
        average_generation_time=_seconds(jobs["time"]),
        most_used_model=ModelRef(top["model_id"], top["model__name"], top["model__display_name"]) if top else None,
        month_start=since_month,
    )


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _buckets(user: User, since: datetime, trunc: Any, starts: list[date]) -> list[Bucket]:
    """Jobs, images and credits per period from `since`, one row per start in `starts` (zeros included)."""
    logs = (
        _logs(user)
        .filter(created_at__gte=since)
        .annotate(period=trunc)
        .values("period")
        .annotate(jobs=_JOBS, images=_IMAGES)
        .order_by()
    )
    spent = (
        _spending(user)
        .filter(created_at__gte=since)
        .annotate(period=trunc)
        .values("period")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_log: dict[date, dict[str, Any]] = {_day(row["period"]): dict(row) for row in logs}
    by_spent = {_day(row["period"]): row["total"] for row in spent}
    out = []
    for start in starts:
        found = by_log.get(start, {})
        out.append(Bucket(start, found.get("jobs", 0), found.get("images") or 0, _spent(by_spent.get(start))))
    return out


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def daily_usage(user: User, *, days: int = 30, now: datetime | None = None, tz: tzinfo | None = None) -> list[Bucket]:
    """The last `days` calendar days (today included), oldest first, days without activity as zeros."""
    zone = _zone(tz)
    today = timezone.localtime(now or timezone.now(), zone).date()
    starts = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    return _buckets(user, _local_midnight(starts[0], zone), TruncDate("created_at", tzinfo=zone), starts)


def monthly_usage(
    user: User, *, months: int = 12, now: datetime | None = None, tz: tzinfo | None = None
) -> list[Bucket]:
    """The last `months` calendar months (this one included), oldest first, quiet months as zeros."""
    zone = _zone(tz)
    this_month = local_month_start(now, zone).date()
    starts = [_months_back(this_month, back) for back in range(months - 1, -1, -1)]
    return _buckets(user, _local_midnight(starts[0], zone), TruncMonth("created_at", tzinfo=zone), starts)


def usage_by_model(user: User, *, days: int = 30, now: datetime | None = None) -> list[ModelUsage]:
    """Per model over the last `days` × 24 hours, most jobs first (two queries). Generation time is the
    average, not the median: SQLite has no median aggregate and the figure must read the same on both."""
    since = (now or timezone.now()) - timedelta(days=days)
    names = ("model_id", "model__name", "model__display_name")
    logs = (
        _logs(user)
        .filter(created_at__gte=since, model__isnull=False)
        .values(*names)
        .annotate(jobs=_JOBS, succeeded=_SUCCEEDED, images=_IMAGES, time=_TIME)
        .order_by()
    )
    job_names = ("job__model_id", "job__model__name", "job__model__display_name")
    spent = (
        _spending(user)
        .filter(created_at__gte=since, job__isnull=False)
        .values(*job_names)
        .annotate(total=Sum("amount"))
        .order_by()
    )
    models: dict[Any, ModelRef] = {}
    for row in spent:
        models[row["job__model_id"]] = ModelRef(*(row[key] for key in job_names))
    for row in logs:
        models[row["model_id"]] = ModelRef(*(row[key] for key in names))
    by_log: dict[Any, dict[str, Any]] = {row["model_id"]: dict(row) for row in logs}
    by_spent = {row["job__model_id"]: row["total"] for row in spent}
    out = []
    for model_id, ref in models.items():
        found = by_log.get(model_id, {})
        out.append(
            ModelUsage(
                model=ref,
                jobs=found.get("jobs", 0),
                jobs_succeeded=found.get("succeeded", 0),
                images=found.get("images") or 0,
                credits_spent=_spent(by_spent.get(model_id)),
                average_generation_time=_seconds(found.get("time")),
            )
        )
    return sorted(out, key=lambda usage: (-usage.jobs, -usage.credits_spent, usage.model.name))


def balance_overview(user: User, *, now: datetime | None = None, tz: tzinfo | None = None) -> BalanceOverview:
    """The personal balance, what running jobs hold, this month's spending, and the balances of the teams
    whose credits page the user may see (any member: `access` decides). Three queries."""
    since = local_month_start(now, tz)
    balance = User.objects.values_list("credits_balance", flat=True).get(pk=user.pk)
    figures = _spending(user).aggregate(
        month=Sum("amount", filter=Q(created_at__gte=since)),
        held=Sum("amount", filter=Q(kind=EntryKind.RESERVE, job__status__in=ACTIVE_STATUSES)),
    )
    teams = Workspace.objects.filter(pk__in=access.workspace_ids(user, "view"), kind=Workspace.Kind.TEAM)
    return BalanceOverview(
        balance=balance,
        reserved=_spent(figures["held"]),
        spent_month=_spent(figures["month"]),
        month_start=since,
        teams=[TeamBalance(*row) for row in teams.order_by("name", "id").values_list("id", "name", "credits_balance")],
    )


def ledger_history(user: User, *, cursor: str | None, limit: int) -> Page:
    """The personal ledger, newest first, each entry with its job's model (one query; BadCursor if tampered)."""
    entries = personal(user).entries().select_related("job__model")
    return paginate_newest_first(entries, cursor, limit)
