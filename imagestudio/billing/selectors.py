"""Reads of a user's credits for Settings → Billing (the ledger is written only by services.py; its pages
come from usage.ledger_history, shared with GET /api/credits/history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum

from imagestudio.billing.models import EntryKind
from imagestudio.billing.services import SPENDING, personal
from imagestudio.billing.usage import local_month_start

LEDGER_PAGE = 25


@dataclass(frozen=True)
class MonthSummary:
    spent: int  # credits charged this month, net of refunds
    generations: int  # jobs charged this month
    granted: int  # credits granted or bought this month


def month_summary(user, *, now: datetime | None = None) -> MonthSummary:
    """This calendar month's personal spending (in the user's time zone, like the usage API) in one query."""
    since = local_month_start(now)
    totals = (
        personal(user)
        .entries()
        .filter(created_at__gte=since)
        .aggregate(
            charged=Sum("amount", filter=Q(kind__in=SPENDING)),
            jobs=Count("job", filter=Q(kind=EntryKind.RESERVE), distinct=True),
            granted=Sum("amount", filter=Q(kind__in=[EntryKind.GRANT, EntryKind.PURCHASE])),
        )
    )
    return MonthSummary(
        spent=-(totals["charged"] or 0), generations=totals["jobs"] or 0, granted=totals["granted"] or 0
    )
