"""The usage page (/usage/): a period's credits and images, daily and monthly charts, breakdowns by model,
operation and project, the model price comparison, tips from the user's own history, and the ledger."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.accounts.models import User
from imagestudio.billing import selectors, usage, usage_tips
from imagestudio.catalog.labels import CAPABILITIES
from imagestudio.generation.operations import OPERATIONS
from imagestudio.lib.pagination import BadCursor

# The comparison table's sort keys (a leading "-" reverses); models the user never used sort last by "average".
SORTS = {
    "model": lambda row: row.model.display_name.lower(),
    "cost": lambda row: (row.cost_per_image, row.model.display_name.lower()),
    "average": lambda row: (row.average_cost is None, row.average_cost or 0, row.model.display_name.lower()),
    "images": lambda row: (row.images, row.model.display_name.lower()),
}
DEFAULT_SORT = "cost"


@login_required
def usage_page(request: AuthenticatedRequest) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    try:
        history = usage.ledger_history(request.user, cursor=cursor, limit=selectors.LEDGER_PAGE)
    except BadCursor as exc:
        return HttpResponseBadRequest(str(exc))
    context: dict[str, Any] = {"entries": history.items, "next_cursor": history.next_cursor}
    if request.htmx and cursor:  # "Older entries": just the next rows of the history table
        return render(request, "settings/partials/ledger_rows.html", context)
    period_key, sort, problems = _choices(request)
    context.update(_report(request.user, usage.period_for(period_key), sort), problems=problems)
    return render(request, "billing/usage.html", context)


def _choices(request: AuthenticatedRequest) -> tuple[str, str, list[str]]:
    """The period and sort the URL asks for; an unknown one falls back to the default, with a message."""
    problems = []
    period_key = request.GET.get("period") or usage.DEFAULT_PERIOD
    if period_key not in usage.PERIODS:
        problems.append(
            gettext("There is no period “%(period)s”: showing the last 30 days.") % {"period": period_key[:40]}
        )
        period_key = usage.DEFAULT_PERIOD
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort.removeprefix("-") not in SORTS:
        problems.append(gettext("The price table can't be sorted by “%(sort)s”: sorted by cost.") % {"sort": sort[:40]})
        sort = DEFAULT_SORT
    return period_key, sort, problems


def _report(user: User, period: usage.Period, sort: str) -> dict[str, Any]:
    groups = usage.period_usage(user, since=period.since)
    totals = usage.totals(groups)
    daily = usage.daily_usage(user, days=period.days)
    monthly = usage.monthly_usage(user, months=12)
    by_model = usage.breakdown(groups, "model")
    by_action = [_with_label(row, operation_label(row.name)) for row in usage.breakdown(groups, "action")]
    by_project = [_with_label(row, row.label or gettext("No project")) for row in usage.breakdown(groups, "project")]
    costs = usage.model_costs(by_model)
    habit = usage.batch_habit(user, groups, since=period.since)
    tips = usage_tips.tips(totals, by_model, costs, usage.size_usage(groups), habit)
    key = sort.removeprefix("-")
    labels = dict(_periods())
    return {
        "period": period,
        "period_label": labels[period.key],
        "period_links": [
            {"key": k, "label": label, "href": _query(k, sort), "current": k == period.key}
            for k, label in labels.items()
        ],
        "sort_links": _sort_links(period.key, sort),
        "totals": totals,
        "empty": not (totals.jobs or totals.credits),
        "daily": daily,
        "daily_chart": usage.bucket_chart(daily),
        "monthly": monthly,
        "monthly_chart": usage.bucket_chart(monthly, monthly=True),
        "monthly_any": any(month.jobs or month.credits_spent for month in monthly),
        "by_model": by_model,
        "model_chart": usage.share_chart(by_model, [row.label for row in by_model]),
        "by_action": by_action,
        "action_chart": usage.share_chart(by_action, [row.label for row in by_action]),
        "by_project": by_project,
        "costs": sorted(costs, key=SORTS[key], reverse=sort.startswith("-")),
        "sort": sort,
        "categories": CAPABILITIES,
        "tips": tips,
    }


def _query(period_key: str, sort: str) -> str:
    """The page's URL query for a period and sort (the default sort is left out)."""
    params = {"period": period_key} | ({"sort": sort} if sort != DEFAULT_SORT else {})
    return "?" + urlencode(params)


def _sort_links(period_key: str, sort: str) -> dict[str, dict[str, str]]:
    """Per comparison column: the link that sorts by it (again: reversed) and its aria-sort state."""
    links = {}
    for key in SORTS:
        first = f"-{key}" if key == "images" else key  # most used first
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
        target = first if state == "none" else (f"-{key}" if state == "ascending" else key)
        links[key] = {"href": _query(period_key, target) + "#model-costs", "aria": state}
    return links


def _with_label(row: usage.Slice, label: str) -> usage.Slice:
    return usage.Slice(row.jobs, row.succeeded, row.images, row.credits, key=row.key, name=row.name, label=label)


def operation_label(action: str) -> str:
    """What a person calls an operation (the usage log's `action`)."""
    if action == "generate":
        return gettext("Text to image")
    if action == "remix":
        return gettext("Remix")
    operation = OPERATIONS.get(action)
    return gettext(operation.label) if operation else (action or gettext("Other"))


def _periods() -> list[tuple[str, str]]:
    return [
        ("7", gettext("7 days")),
        ("30", gettext("30 days")),
        ("90", gettext("90 days")),
        ("month", gettext("This month")),
    ]
