"""Reads of a user's credits for the settings page (the ledger is written only by services.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum

from imagestudio.billing.models import CreditEntry, EntryKind
from imagestudio.billing.services import month_start, personal
from imagestudio.lib.pagination import Page, paginate_newest_first

LEDGER_PAGE = 25


@dataclass(frozen=True)
class MonthSummary:
    spent: int  # credits charged this month, net of refunds
    generations: int  # jobs charged this month
    granted: int  # credits granted or bought this month


def month_summary(user, *, now: datetime | None = None) -> MonthSummary:
    """This calendar month's personal spending in one query."""
    since = month_start(now)
    totals = (
        personal(user)
        .entries()
        .filter(created_at__gte=since)
        .aggregate(
            charged=Sum("amount", filter=Q(kind__in=[EntryKind.RESERVE, EntryKind.SETTLE, EntryKind.REFUND])),
            jobs=Count("job", filter=Q(kind=EntryKind.RESERVE), distinct=True),
            granted=Sum("amount", filter=Q(kind__in=[EntryKind.GRANT, EntryKind.PURCHASE])),
        )
    )
    return MonthSummary(
        spent=-(totals["charged"] or 0), generations=totals["jobs"] or 0, granted=totals["granted"] or 0
    )


def ledger_page(user, *, cursor: str | None) -> Page:
    """The personal ledger, newest first, with each entry's job and model in the same query."""
    entries = personal(user).entries().select_related("job", "job__model")
    return paginate_newest_first(entries, cursor, LEDGER_PAGE)


def entry_kinds() -> dict[str, str]:
    return {str(kind.value): str(kind.label) for kind in EntryKind}


__all__ = ["LEDGER_PAGE", "CreditEntry", "MonthSummary", "entry_kinds", "ledger_page", "month_summary"]
