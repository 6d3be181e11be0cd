"""Staff reads over everyone's data: users, jobs, the ledger. Every function here costs a fixed number of
queries however many rows there are (grouped queries in the database, never a loop of lookups)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, DateTimeField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from imagestudio.accounts.models import User
from imagestudio.billing.models import CreditEntry
from imagestudio.billing.services import SPENDING
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.lib.pagination import Page, paginate_newest_first

NEW_USER_DAYS = 7
SPEND_DAYS = 30
FAILURE_HOURS = 24
MAX_OVERVIEW_DAYS = 365


@dataclass(frozen=True)
class ModelFailures:
    model_id: Any
    name: str
    display_name: str
    failures: int


@dataclass(frozen=True)
class Stats:
    users_total: int
    users_new: int  # joined in the last NEW_USER_DAYS days
    jobs_by_status: dict[str, int]  # every status, zeros included
    images_total: int  # images not in the trash
    credits_spent: int  # net job spend on every ledger over the last SPEND_DAYS days
    failures_by_model: list[ModelFailures]  # the last FAILURE_HOURS hours, most failures first


@dataclass(frozen=True)
class DayUsage:
    day: date
    jobs: int
    succeeded: int
    failed: int
    credits: int


@dataclass(frozen=True)
class ModelUsage:
    model_id: Any
    name: str
    display_name: str
    jobs: int
    succeeded: int
    failed: int
    credits: int


@dataclass(frozen=True)
class UsageOverview:
    days: int
    since: date
    daily: list[DayUsage]  # one per day, oldest first, empty days included
    by_model: list[ModelUsage]  # models with jobs in the window, most jobs first


def users_page(*, q: str = "", cursor: str | None, limit: int) -> Page:
    """Accounts newest first (optionally matching `q` in email or name), each with `image_count` and
    `job_count` set: three queries per page (the users, then one grouped count per table)."""
    users: QuerySet[User] = User.objects.all()
    if q:
        users = users.filter(Q(email__icontains=q) | Q(name__icontains=q))
    page = paginate_newest_first(users, cursor, limit)
    ids = [user.pk for user in page.items]
    images = _counts_by_user(Image.objects.alive().filter(user_id__in=ids))
    jobs = _counts_by_user(GenerationJob.objects.filter(user_id__in=ids))
    for user in page.items:
        user.image_count = images.get(user.pk, 0)
        user.job_count = jobs.get(user.pk, 0)
    return page


def _counts_by_user(rows: QuerySet) -> dict[Any, int]:
    return dict(rows.order_by().values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))


def stats(*, now: datetime | None = None) -> Stats:
    now = now or timezone.now()
    users = User.objects.aggregate(
        total=Count("id"), new=Count("id", filter=Q(created_at__gte=now - timedelta(days=NEW_USER_DAYS)))
    )
    by_status = dict(
        GenerationJob.objects.order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    spent = CreditEntry.objects.filter(kind__in=SPENDING, created_at__gte=now - timedelta(days=SPEND_DAYS)).aggregate(
        total=Sum("amount")
    )["total"]
    return Stats(
        users_total=users["total"],
        users_new=users["new"],
        jobs_by_status={status: by_status.get(status, 0) for status in JobStatus.values},
        images_total=Image.objects.alive().count(),
        credits_spent=-(spent or 0),
        failures_by_model=failures_by_model(since=now - timedelta(hours=FAILURE_HOURS)),
    )


def failures_by_model(*, since: datetime) -> list[ModelFailures]:
    """Failed jobs per model that ended after `since` (a job without an end time counts from its start)."""
    rows = (
        GenerationJob.objects.filter(status=JobStatus.FAILED)
        .annotate(ended=Coalesce("completed_at", "created_at", output_field=DateTimeField()))
        .filter(ended__gte=since)
        .order_by()
        .values("model_id", "model__name", "model__display_name")
        .annotate(n=Count("id"))
        .order_by("-n", "model__display_name")
    )
    return [ModelFailures(r["model_id"], r["model__name"], r["model__display_name"], r["n"]) for r in rows]


def usage_overview(*, days: int, now: datetime | None = None) -> UsageOverview:
    """Jobs started per day (in the project's time zone) over the last `days` days, today included, and the
    same totals per model. Credits are what the jobs were charged. Two queries."""
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    jobs = GenerationJob.objects.filter(created_at__gte=since).order_by()
    per_day = {row["day"]: row for row in _with_totals(jobs.annotate(day=TruncDate("created_at")).values("day"))}
    empty = {"jobs": 0, "succeeded": 0, "failed": 0, "credits": 0}
    daily = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = per_day.get(day, empty)
        daily.append(DayUsage(day, row["jobs"], row["succeeded"], row["failed"], row["credits"]))
    per_model = _with_totals(jobs.values("model_id", "model__name", "model__display_name"))
    by_model = [
        ModelUsage(
            row["model_id"],
            row["model__name"],
            row["model__display_name"],
            row["jobs"],
            row["succeeded"],
            row["failed"],
            row["credits"],
        )
        for row in per_model.order_by("-jobs", "model__display_name")
    ]
    return UsageOverview(days=days, since=first, daily=daily, by_model=by_model)


def _with_totals(groups: QuerySet[Any, Any]) -> QuerySet[Any, dict[str, Any]]:
    """Job totals per group of a `.values(…)` query: jobs, succeeded, failed, credits charged."""
    return groups.annotate(
        jobs=Count("id"),
        succeeded=Count("id", filter=Q(status=JobStatus.SUCCEEDED)),
        failed=Count("id", filter=Q(status=JobStatus.FAILED)),
        credits=Coalesce(Sum("credits_charged"), 0),
    )


def newest_users(limit: int = 5) -> list[User]:
    return list(User.objects.order_by("-created_at", "-id")[:limit])


def catalog_models() -> list[AIModel]:
    """Every catalog model, switched off ones included, in the catalog's order."""
    return list(AIModel.objects.all())
