"""GET /api/usage/… and /api/credits/…: the signed-in user's usage and personal credits (reads only).

The figures come from billing/usage.py (which the usage page reuses). Days and months are the user's
calendar days in their time zone: the preferences middleware activates it for browser sessions, and a
bearer token is only known after the middleware ran, so the zone is also read here from their settings.
A range outside its bounds answers 422 `{"detail", "field"}`; a tampered cursor 400 with field "cursor".
GET/PUT /api/credits/limits read and set the monthly spending cap and its alert thresholds (billing.limits).
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, tzinfo
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.billing import limits, usage
from imagestudio.billing.models import CreditEntry
from imagestudio.preferences import services as preferences
from imagestudio.preferences.middleware import settings_of

usage_router = Router(tags=["usage"])
credits_router = Router(tags=["credits"])

HISTORY_PAGE = 25
MAX_HISTORY_PAGE = 100


class UsageAuthErrorOut(Schema):
    detail: str


class UsageFieldErrorOut(Schema):
    detail: str
    field: str


# 401: neither a session nor a usable bearer token; 403: an API key without the `read` scope.
AUTH_ERRORS: dict[int, type[Schema]] = {401: UsageAuthErrorOut, 403: UsageAuthErrorOut}
RANGE_ERRORS: dict[int, type[Schema]] = {**AUTH_ERRORS, 422: UsageFieldErrorOut}


class RangeError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _whole(raw: str | None, *, field: str, default: int, high: int, low: int = 1) -> int:
    """A query parameter that must be a whole number from `low` to `high` (RangeError otherwise)."""
    if raw in (None, ""):
        return default
    message = gettext("Must be a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise RangeError(field, message) from None
    if not low <= number <= high:
        raise RangeError(field, message)
    return number


def _zone(request: HttpRequest) -> tzinfo:
    """The user's time zone (read from their settings: for a bearer token the middleware could not)."""
    row = settings_of(request)
    name = preferences.value(row, "timezone") if row else ""
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # a zone dropped from the tz database since
        return timezone.get_current_timezone()


def _range_error(exc: RangeError) -> Status:
    return Status(422, {"detail": exc.message, "field": exc.field})


# -- usage ----------------------------------------------------------------------------------------------


class UsageModelOut(Schema):
    id: UUID
    name: str = Field(description="The model's slug (as in GET /api/models)")
    display_name: str


class UsageStatsOut(Schema):
    images_generated: int = Field(description="Images made by succeeded jobs paid from your own balance")
    jobs_succeeded: int
    jobs_failed: int
    credits_spent_total: int = Field(description="All time, net of refunds; running jobs count what they hold")
    credits_spent_month: int = Field(description="This calendar month (your time zone), net of refunds")
    credits_spent_30_days: int = Field(description="The last 30 × 24 hours, net of refunds")
    average_generation_time: float | None = Field(description="Seconds per succeeded job; null: none yet")
    most_used_model: UsageModelOut | None = Field(description="The model of most of your jobs; null: no jobs yet")
    month_start: datetime


class UsageDayOut(Schema):
    date: date
    jobs: int = Field(description="Jobs that finished that day, succeeded or failed")
    images: int
    credits_spent: int = Field(description="Net of refunds, by the day the ledger moved")


class UsageMonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    jobs: int
    images: int
    credits_spent: int


class UsageByModelOut(Schema):
    model: UsageModelOut
    jobs: int
    images: int
    credits_spent: int
    success_rate: float | None = Field(description="Succeeded ÷ finished jobs, 0–1; null: no finished jobs")
    average_generation_time: float | None = Field(
        description="Seconds, the AVERAGE (not median: SQLite has no median) over succeeded jobs; null: none"
    )


def _model_out(ref: usage.ModelRef) -> UsageModelOut:
    return UsageModelOut(id=ref.id, name=ref.name, display_name=ref.display_name)


@usage_router.get("/stats", response={200: UsageStatsOut, **AUTH_ERRORS}, url_name="usage_stats")
def usage_stats(request):
    """Your totals: images, jobs succeeded and failed, credits spent (all time, this month, last 30 days),
    average generation time and most used model. Covers jobs paid from your own balance."""
    stats = usage.usage_stats(request.user, tz=_zone(request))
    return UsageStatsOut(
        images_generated=stats.images_generated,
        jobs_succeeded=stats.jobs_succeeded,
        jobs_failed=stats.jobs_failed,
        credits_spent_total=stats.credits_spent_total,
        credits_spent_month=stats.credits_spent_month,
        credits_spent_30_days=stats.credits_spent_30_days,
        average_generation_time=stats.average_generation_time,
        most_used_model=_model_out(stats.most_used_model) if stats.most_used_model else None,
        month_start=stats.month_start,
    )


@usage_router.get("/daily", response={200: list[UsageDayOut], **RANGE_ERRORS}, url_name="usage_daily")
def usage_daily(request, days: str | None = Query(None, description="Days to cover, today included: 1–365 (30)")):
    """One row per calendar day in your time zone, oldest first, days without activity as zeros."""
    try:
        count = _whole(days, field="days", default=30, high=usage.MAX_DAYS)
    except RangeError as exc:
        return _range_error(exc)
    rows = usage.daily_usage(request.user, days=count, tz=_zone(request))
    return [
        UsageDayOut(date=row.start, jobs=row.jobs, images=row.images, credits_spent=row.credits_spent) for row in rows
    ]


@usage_router.get("/monthly", response={200: list[UsageMonthOut], **RANGE_ERRORS}, url_name="usage_monthly")
def usage_monthly(
    request, months: str | None = Query(None, description="Calendar months to cover, this one included: 1–36 (12)")
):
    """One row per calendar month in your time zone, oldest first, quiet months as zeros."""
    try:
        count = _whole(months, field="months", default=12, high=usage.MAX_MONTHS)
    except RangeError as exc:
        return _range_error(exc)
    rows = usage.monthly_usage(request.user, months=count, tz=_zone(request))
    return [
        UsageMonthOut(
            month=row.start.strftime("%Y-%m"), jobs=row.jobs, images=row.images, credits_spent=row.credits_spent
        )
        for row in rows
    ]


@usage_router.get("/by-model", response={200: list[UsageByModelOut], **RANGE_ERRORS}, url_name="usage_by_model")
def usage_by_model(request, days: str | None = Query(None, description="The last N × 24 hours: 1–365 (30)")):
    """Per model: jobs, images, credits spent, success rate and average generation time; most jobs first."""
    try:
        count = _whole(days, field="days", default=30, high=usage.MAX_DAYS)
    except RangeError as exc:
        return _range_error(exc)
    return [
        UsageByModelOut(
            model=_model_out(row.model),
            jobs=row.jobs,
            images=row.images,
            credits_spent=row.credits_spent,
            success_rate=row.success_rate,
            average_generation_time=row.average_generation_time,
        )
        for row in usage.usage_by_model(request.user, days=count)
    ]


# -- credits --------------------------------------------------------------------------------------------


class TeamCreditBalanceOut(Schema):
    workspace_id: UUID
    name: str
    balance: int


class CreditBalanceOut(Schema):
    balance: int = Field(description="Your own credits now (held credits already taken out)")
    reserved: int = Field(description="Held by your queued and running jobs; settled or refunded when they end")
    spent_month: int = Field(description="This calendar month (your time zone), net of refunds")
    month_start: datetime
    teams: list[TeamCreditBalanceOut] = Field(description="Balances of the team workspaces you are a member of")


class CreditEntryOut(Schema):
    id: UUID
    kind: str = Field(description="grant, reserve, settle, refund, purchase, adjustment, transfer or expire")
    amount: int = Field(description="Signed: negative takes credits, positive gives them")
    balance_after: int
    note: str
    job_id: UUID | None
    model_name: str | None = Field(description="The job's model (display name); null without a job")
    created_at: datetime


class CreditHistoryOut(Schema):
    items: list[CreditEntryOut]
    next_cursor: str | None


@credits_router.get("/balance", response={200: CreditBalanceOut, **AUTH_ERRORS}, url_name="credits_balance")
def credits_balance(request):
    """Your balance, what running jobs hold, this month's spending, and your teams' balances."""
    overview = usage.balance_overview(request.user, tz=_zone(request))
    return CreditBalanceOut(
        balance=overview.balance,
        reserved=overview.reserved,
        spent_month=overview.spent_month,
        month_start=overview.month_start,
        teams=[TeamCreditBalanceOut(workspace_id=t.id, name=t.name, balance=t.balance) for t in overview.teams],
    )


def _entry_out(entry: CreditEntry) -> CreditEntryOut:
    job = entry.job
    return CreditEntryOut(
        id=entry.pk,
        kind=entry.kind,
        amount=entry.amount,
        balance_after=entry.balance_after,
        note=entry.note,
        job_id=entry.job_id,
        model_name=job.model.display_name if job is not None else None,
        created_at=entry.created_at,
    )


@credits_router.get(
    "/history", response={200: CreditHistoryOut, 400: UsageFieldErrorOut, **RANGE_ERRORS}, url_name="credits_history"
)
def credits_history(
    request,
    cursor: str | None = Query(None, description="`next_cursor` of the previous page"),
    limit: str | None = Query(None, description="Entries per page: 1–100 (25)"),
):
    """Your personal credit ledger, newest first; pass `next_cursor` back as `cursor` for the next page."""
    try:
        size = _whole(limit, field="limit", default=HISTORY_PAGE, high=MAX_HISTORY_PAGE)
    except RangeError as exc:
        return _range_error(exc)
    page = usage.ledger_history(request.user, cursor=cursor or None, limit=size)  # BadCursor: 400 (api.py)
    return CreditHistoryOut(items=[_entry_out(entry) for entry in page.items], next_cursor=page.next_cursor)


# -- spending cap ---------------------------------------------------------------------------------------


class CreditLimitsOut(Schema):
    monthly_cap: int | None = Field(
        description="Credits you may spend from your own balance per calendar month (your time zone); null: no cap"
    )
    alert_thresholds: list[int] = Field(
        description="Percentages of the cap at which you are notified, once each per month; 100 = cap reached"
    )
    spent_month: int = Field(description="Spent this calendar month from your own balance, net of refunds")
    left_month: int | None = Field(description="What the cap still allows this month; null without a cap")
    month_start: datetime


class CreditLimitsIn(Schema):
    """Either field or both; one left out keeps its value."""

    monthly_cap: Any = Field(default=None, description="A whole number of credits 0–10,000,000, or null for no cap")
    alert_thresholds: Any = Field(
        default=None, description="Up to 5 whole percentages 1–100, e.g. [50, 80, 100]; [] no alerts; null the default"
    )


def _limits_out(user) -> CreditLimitsOut:
    row = limits.limits_for(user)
    since = limits.month_start(user.pk)
    spent = limits.spent_since(user.pk, since)
    cap = row.monthly_cap
    return CreditLimitsOut(
        monthly_cap=cap,
        alert_thresholds=list(row.alert_thresholds),
        spent_month=spent,
        left_month=None if cap is None else max(0, cap - spent),
        month_start=since,
    )


@credits_router.get("/limits", response={200: CreditLimitsOut, **AUTH_ERRORS}, url_name="credits_limits")
def credits_limits(request):
    """Your monthly spending cap, its alert thresholds, and what you spent this month. At the cap, paid
    generations are refused with 402 until the next month or until you raise it."""
    return _limits_out(request.user)


@credits_router.put(
    "/limits", response={200: CreditLimitsOut, 400: UsageAuthErrorOut, **RANGE_ERRORS}, url_name="credits_limits_put"
)
def credits_limits_put(request, payload: CreditLimitsIn):
    """Set the cap and/or the alert thresholds. A bad value answers 422 naming its field; nothing changes."""
    current = limits.limits_for(request.user)
    sent = payload.model_dump(exclude_unset=True)
    try:
        limits.set_limits(
            user=request.user,
            monthly_cap=sent.get("monthly_cap", current.monthly_cap),
            alert_thresholds=sent.get("alert_thresholds", current.alert_thresholds),
        )
    except limits.LimitError as exc:
        return Status(422, {"detail": exc.message, "field": exc.field})
    return _limits_out(request.user)
