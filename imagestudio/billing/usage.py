"""Usage and credit reads for a user's personal account: totals, per day, per month, per model, balance.

Plain functions for the API and pages alike (the usage page's charts reuse them). Every figure is
aggregated in the database, a fixed number of queries whatever the history's length.

What counts:
- Jobs, images and generation times come from the usage log (one row per finished job) of jobs charged
  to the user's own balance; jobs paid by a team's balance are the team's usage (its credits page).
  Images are the outputs a succeeded job asked for (`num_images`). The log keeps both figures as they were
  when the job finished, so deleting an image or the job later does not rewrite history.
- Credits spent come from the personal ledger: reserved minus given back (settle remainders, refunds), so
  they are net of refunds, and queued or running jobs count what they hold (as Settings → Billing does).
- Days and months are calendar days and months in the time zone passed (the user's). The charts read them
  from quarter-hour totals (`usage_slots`, kept by triggers: billing/usage_slots.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Func, IntegerField, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext

from imagestudio.accounts.models import User
from imagestudio.billing.models import CreditEntry, EntryKind, UsageLog, UsageSlot
from imagestudio.billing.services import SPENDING, personal
from imagestudio.catalog import params
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
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
    """The usage log of jobs paid from the personal balance (as logged: a job deleted later changes nothing)."""
    return UsageLog.objects.filter(user=user, charged_to_team=False)


def _spending(user: User) -> QuerySet[CreditEntry]:
    return personal(user).entries().filter(kind__in=SPENDING)


# Aggregates shared by the per-day, per-month and per-model reads.
_JOBS = Count("id")
_SUCCEEDED = Count("id", filter=Q(success=True))
_IMAGES = Sum("num_images", filter=Q(success=True))
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


class PeriodIndex(Func):
    """The index i of the period a row's time falls in (bounds[i] <= time < bounds[i + 1], the last one
    open-ended): `CASE WHEN time < bounds[1] THEN 0 WHEN … ELSE n - 1 END`, plain comparisons in SQL.
    Truncating to the user's day or month instead runs a Python function per row on SQLite (seconds for a
    long history); Django's own Case/When for 30 bounds costs ~10 ms just to compile, twice a query."""

    output_field = IntegerField()

    def __init__(self, bounds: list[datetime], field: str = "created_at") -> None:
        super().__init__(F(field))
        self.bounds = bounds

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        column, column_params = compiler.compile(self.source_expressions[0])
        whens, params = [], []
        for index, bound in enumerate(self.bounds[1:]):
            whens.append(f"WHEN {column} < %s THEN {index}")
            params += [*column_params, connection.ops.adapt_datetimefield_value(bound)]
        if not whens:  # one period: every row is in it (a bare constant would read as a column number in GROUP BY)
            return f"CASE WHEN {column} IS NULL THEN 0 ELSE 0 END", list(column_params)
        return f"CASE {' '.join(whens)} ELSE {len(self.bounds) - 1} END", params


SLOT = timedelta(minutes=15)


def _slot_of(moment: datetime) -> datetime:
    """The start of the quarter hour (UTC) `moment` falls in."""
    utc = moment.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def split_slots(bounds: list[datetime]) -> list[datetime]:
    """The slots a bound falls inside of: none for today's time zones (all are whole quarter hours from UTC),
    but a zone's history may hold odd offsets. Such a slot belongs to two periods, so its rows are read one by
    one instead of from `usage_slots`."""
    return sorted({_slot_of(bound) for bound in bounds if _slot_of(bound) != bound})


def _rows_buckets(user: User, bounds: list[datetime], within: Q | None = None) -> dict[int, list[int]]:
    """Jobs, images and spending per period, read from the logs and the ledger themselves (`within`: only
    those rows). Index → [jobs, images, spent]."""
    period = PeriodIndex(bounds)
    since = Q(created_at__gte=bounds[0]) & (within if within is not None else Q())
    logs = _logs(user).filter(since).annotate(period=period).values("period").annotate(jobs=_JOBS, images=_IMAGES)
    spent = _spending(user).filter(since).annotate(period=period).values("period").annotate(total=Sum("amount"))
    found: dict[int, list[int]] = {}
    for row in logs.order_by():
        found.setdefault(row["period"], [0, 0, 0])[:2] = [row["jobs"], row["images"] or 0]
    for entry in spent.order_by():
        found.setdefault(entry["period"], [0, 0, 0])[2] = _spent(entry["total"])
    return found


def _slots_buckets(user: User, bounds: list[datetime]) -> dict[int, list[int]]:
    """The same figures from the quarter-hour totals (one query); a split slot's rows are read themselves."""
    split = split_slots(bounds)
    slots = (
        UsageSlot.objects.filter(user_id=user.pk, starts_at__gte=_slot_of(bounds[0]))
        .exclude(starts_at__in=split)
        .annotate(period=PeriodIndex(bounds, "starts_at"))
        .values("period")
        .annotate(jobs=Sum("jobs"), images=Sum("images"), spent=Sum("spent"))
        .order_by()
    )
    found = {row["period"]: [row["jobs"], row["images"], _spent(row["spent"])] for row in slots}
    if split:
        within = Q()
        for slot in split:
            within |= Q(created_at__gte=slot, created_at__lt=slot + SLOT)
        for index, figures in _rows_buckets(user, bounds, within).items():
            found[index] = [a + b for a, b in zip(found.get(index, [0, 0, 0]), figures, strict=True)]
    return found


def _buckets(user: User, zone: tzinfo, starts: list[date]) -> list[Bucket]:
    """Jobs, images and credits per period, one row per start in `starts` (local midnights; zeros included)."""
    found = _slots_buckets(user, [_local_midnight(start, zone) for start in starts])
    return [Bucket(start, *found.get(index, [0, 0, 0])) for index, start in enumerate(starts)]


def daily_usage(user: User, *, days: int = 30, now: datetime | None = None, tz: tzinfo | None = None) -> list[Bucket]:
    """The last `days` calendar days (today included), oldest first, days without activity as zeros."""
    zone = _zone(tz)
    today = timezone.localtime(now or timezone.now(), zone).date()
    return _buckets(user, zone, [today - timedelta(days=back) for back in range(days - 1, -1, -1)])


def monthly_usage(
    user: User, *, months: int = 12, now: datetime | None = None, tz: tzinfo | None = None
) -> list[Bucket]:
    """The last `months` calendar months (this one included), oldest first, quiet months as zeros."""
    zone = _zone(tz)
    this_month = local_month_start(now, zone).date()
    return _buckets(user, zone, [_months_back(this_month, back) for back in range(months - 1, -1, -1)])


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


# -- the usage page: a period's totals, breakdowns, sizes and habits ----------------------------------
# Each read below is one or two grouped queries over the period's rows (the (user, created_at) indexes
# of the usage log and the ledger pick them), so the page costs the same whatever the history's length.

PERIODS = ("7", "30", "90", "month")
DEFAULT_PERIOD = "30"
BATCH_SIZE = 3  # jobs asking for this many images or more count as "several per prompt"
NOT_IMAGES = ("video", "training")  # catalog categories whose price is not per image


@dataclass(frozen=True)
class Period:
    key: str  # one of PERIODS
    start: date  # its first calendar day (the user's)
    days: int  # calendar days covered, today included
    since: datetime  # local midnight of `start`


@dataclass(frozen=True)
class Totals:
    jobs: int  # finished jobs (succeeded, failed or canceled)
    succeeded: int
    images: int
    credits: int  # net of refunds; running jobs count what they hold

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.jobs if self.jobs else None

    @property
    def cost_per_image(self) -> float | None:
        return self.credits / self.images if self.images else None


@dataclass(frozen=True)
class Slice(Totals):
    """One row of a breakdown: a model, an operation or a project (key None: no project, or a deleted job)."""

    key: Any = None
    name: str = ""  # model slug, action or project name
    label: str = ""  # what a person reads: display name, action or project name


@dataclass(frozen=True)
class SizeUsage:
    model_id: Any
    width: int | None
    height: int | None
    images: int
    credits: int


@dataclass(frozen=True)
class BatchHabit:
    """Succeeded jobs that asked for BATCH_SIZE images or more, and how many of their images became favourites."""

    jobs: int
    images: int
    favourites: int
    credits: int


@dataclass(frozen=True)
class ModelCost:
    """A catalog model's price per image at its default size, beside what the user actually paid on it."""

    model: ModelRef
    category: str
    provider: str
    quality: str
    width: int
    height: int
    cost_per_image: int  # credits, from the catalog pricing
    cost_at_1mp: int  # credits for one 1024×1024 image (the size per-megapixel prices are quoted for)
    per_megapixel: bool  # priced by output size (bigger images cost more)
    estimated: bool  # the price is unconfirmed or a fallback estimate
    jobs: int = 0  # the user's, in the period
    images: int = 0
    credits: int = 0

    @property
    def average_cost(self) -> float | None:
        return self.credits / self.images if self.images else None


def period_for(key: str, *, now: datetime | None = None, tz: tzinfo | None = None) -> Period:
    """The last 7, 30 or 90 calendar days (today included), or this calendar month. ValueError otherwise."""
    zone = _zone(tz)
    today = timezone.localtime(now or timezone.now(), zone).date()
    if key == "month":
        start = today.replace(day=1)
    elif key in PERIODS:
        start = today - timedelta(days=int(key) - 1)
    else:
        raise ValueError(f"Unknown period {key!r}.")
    return Period(key=key, start=start, days=(today - start).days + 1, since=_local_midnight(start, zone))


@dataclass(frozen=True)
class Group(Totals):
    """The period's usage of one model, operation, project, size and image count: the rows every figure of
    the usage page is summed from. Fields are None for a log or ledger entry whose job was deleted."""

    model_id: Any = None
    model_name: str | None = None
    model_label: str | None = None
    action: str | None = None
    project_id: Any = None
    project_name: str | None = None
    width: int | None = None
    height: int | None = None
    num_images: int | None = None


# The same dimensions read from the usage log (its own model and action) and from the ledger (its job's).
_LOG_GROUP = ("model_id", "model__name", "model__display_name", "action", "job__project_id", "job__project__name")
_LEDGER_GROUP = ("job__model_id", "job__model__name", "job__model__display_name", "job__action", *_LOG_GROUP[4:])
_JOB_SHAPE = ("job__width", "job__height", "job__num_images")


def period_usage(user: User, *, since: datetime) -> list[Group]:
    """Jobs, images and credits since `since`, grouped by model, operation, project, size and image count:
    two grouped queries, whose few rows the totals, breakdowns and tips are summed from (a long history is
    read once, not once per breakdown)."""
    logs = (
        _logs(user)
        .filter(created_at__gte=since)
        .values(*_LOG_GROUP, *_JOB_SHAPE)
        .annotate(jobs=_JOBS, succeeded=_SUCCEEDED, images=_IMAGES)
        .order_by()
    )
    spent = (
        _spending(user)
        .filter(created_at__gte=since)
        .values(*_LEDGER_GROUP, *_JOB_SHAPE)
        .annotate(total=Sum("amount"))
        .order_by()
    )
    found: dict[tuple, dict[str, Any]] = {}
    for row in logs:
        key = tuple(row[field] for field in (*_LOG_GROUP, *_JOB_SHAPE))
        found[key] = {"jobs": row["jobs"], "succeeded": row["succeeded"], "images": row["images"] or 0}
    for row in spent:
        key = tuple(row[field] for field in (*_LEDGER_GROUP, *_JOB_SHAPE))
        found.setdefault(key, {"jobs": 0, "succeeded": 0, "images": 0})["credits"] = _spent(row["total"])
    return [_group(key, figures) for key, figures in found.items()]


def _group(key: tuple, figures: dict[str, Any]) -> Group:
    model_id, model_name, model_label, action, project_id, project_name, width, height, num_images = key
    return Group(
        jobs=figures["jobs"],
        succeeded=figures["succeeded"],
        images=figures["images"],
        credits=figures.get("credits", 0),
        model_id=model_id,
        model_name=model_name,
        model_label=model_label,
        action=action,
        project_id=project_id,
        project_name=project_name,
        width=width,
        height=height,
        num_images=num_images,
    )


def _sum(groups: list[Group]) -> dict[str, int]:
    return {name: sum(getattr(group, name) for group in groups) for name in ("jobs", "succeeded", "images", "credits")}


def totals(groups: list[Group]) -> Totals:
    return Totals(**_sum(groups))


# Per breakdown: the key a group belongs to, and its (name, label) — a model's slug and display name, an
# operation's action twice, a project's name twice.
_BREAKDOWNS: dict[str, tuple[str, str, str]] = {
    "model": ("model_id", "model_name", "model_label"),
    "action": ("action", "action", "action"),
    "project": ("project_id", "project_name", "project_name"),
}


def breakdown(groups: list[Group], by: str) -> list[Slice]:
    """The period per model, operation ("action") or project (key None: no project, or a deleted job), most
    credits first, then most images."""
    key_field, name_field, label_field = _BREAKDOWNS[by]
    members: dict[Any, list[Group]] = {}
    for group in groups:
        members.setdefault(getattr(group, key_field), []).append(group)
    slices = []
    for key, rows in members.items():
        name = next((getattr(row, name_field) for row in rows if getattr(row, name_field)), "") or ""
        label = next((getattr(row, label_field) for row in rows if getattr(row, label_field)), "") or ""
        slices.append(Slice(**_sum(rows), key=key, name=name, label=label))
    slices = [row for row in slices if row.jobs or row.credits]
    return sorted(slices, key=lambda row: (-row.credits, -row.images, row.label.lower()))


def size_usage(groups: list[Group]) -> list[SizeUsage]:
    """Images and credits per model and output size."""
    found: dict[tuple, list[Group]] = {}
    for group in groups:
        found.setdefault((group.model_id, group.width, group.height), []).append(group)
    return [
        SizeUsage(model_id, width, height, sum(row.images for row in rows), sum(row.credits for row in rows))
        for (model_id, width, height), rows in found.items()
    ]


def batch_habit(user: User, groups: list[Group], *, since: datetime, size: int = BATCH_SIZE) -> BatchHabit:
    """Succeeded jobs since `since` that asked for `size` images or more, their images and credits (from
    `groups`), and how many of those images are favourites now (one query)."""
    batches = [group for group in groups if (group.num_images or 0) >= size]
    logs = _logs(user).filter(created_at__gte=since, success=True, num_images__gte=size)
    favourites = Image.objects.alive().filter(user=user, is_favorite=True, job__in=logs.values("job_id")).count()
    return BatchHabit(
        jobs=sum(group.succeeded for group in batches),
        images=sum(group.images for group in batches),
        favourites=favourites,
        credits=sum(group.credits for group in batches),
    )


def default_size(model: AIModel) -> tuple[int, int]:
    """The output size a model makes with its default parameters (1024×1024 when they don't say)."""
    sizes = ("image_size", "aspect_ratio", "width", "height", "resolution")
    chosen = {name: value for name, value in model.default_parameters.items() if name in sizes}
    try:
        resolved = params.resolve(model.input_schema, chosen)
    except params.ParameterError:
        return 1024, 1024
    return resolved.width, resolved.height


def image_cost(model: AIModel, width: int, height: int) -> int:
    """Credits for one image of this size on this model (what generating it reserves)."""
    return params.credits_for(params.estimate_cost_usd(model.pricing, width, height, 1), settings.CREDIT_USD)


def model_costs(used: list[Slice]) -> list[ModelCost]:
    """Every active model that makes images, with its price per image at its default size and the user's
    own figures from `used` (a per-model breakdown). One query. Cheapest first."""
    by_model = {row.key: row for row in used}
    rows = []
    for model in AIModel.objects.active().exclude(category__in=NOT_IMAGES):
        width, height = default_size(model)
        mine = by_model.get(model.pk)
        rows.append(
            ModelCost(
                model=ModelRef(model.pk, model.name, model.display_name),
                category=model.category,
                provider=model.provider,
                quality=model.quality_class,
                width=width,
                height=height,
                cost_per_image=image_cost(model, width, height),
                cost_at_1mp=image_cost(model, 1024, 1024),
                per_megapixel="megapixel" in (model.pricing.get("unit") or "").lower(),
                estimated=bool(model.pricing.get("unconfirmed") or model.pricing.get("estimated")),
                jobs=mine.jobs if mine else 0,
                images=mine.images if mine else 0,
                credits=mine.credits if mine else 0,
            )
        )
    return sorted(rows, key=lambda row: (row.cost_per_image, row.model.display_name.lower()))


# -- chart data (plain JSON for charts.js: labels, and series coloured by design-token name) -----------


def bucket_chart(buckets: list[Bucket], *, monthly: bool = False) -> dict[str, Any]:
    """Credits per day or month as bars, images as a line on a second axis (free models cost no credits,
    so the images line keeps the chart telling something to people who only use them)."""
    label_format = "M Y" if monthly else "j M"
    return {
        "kind": "bar",
        "labels": [formats.date_format(bucket.start, label_format) for bucket in buckets],
        "series": [
            {"label": gettext("Credits"), "data": [bucket.credits_spent for bucket in buckets], "color": "primary"},
            {
                "label": gettext("Images"),
                "data": [bucket.images for bucket in buckets],
                "color": "accent",
                "kind": "line",
                "axis": "right",
            },
        ],
    }


def share_chart(slices: list[Slice], labels: list[str]) -> dict[str, Any]:
    """A doughnut of each slice's credits, or of its images when nothing cost credits (free models only)."""
    by_credits = any(row.credits for row in slices)
    return {
        "kind": "doughnut",
        "labels": labels,
        "series": [
            {
                "label": gettext("Credits") if by_credits else gettext("Images"),
                "data": [row.credits if by_credits else row.images for row in slices],
            }
        ],
    }


def dashboard_chart(user: User, *, days: int = 30, now: datetime | None = None, tz: tzinfo | None = None) -> dict:
    """The compact daily chart of billing/partials/usage_chart.html: the chart, its rows and their totals."""
    buckets = daily_usage(user, days=days, now=now, tz=tz)
    return {
        "chart": bucket_chart(buckets),
        "buckets": buckets,
        "credits": sum(bucket.credits_spent for bucket in buckets),
        "images": sum(bucket.images for bucket in buckets),
        "days": days,
    }
