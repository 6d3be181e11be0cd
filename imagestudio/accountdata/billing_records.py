"""The account's billing records in its export: the personal credit ledger and the usage log as CSV files
(any length, written row by row), and the small rest in the manifest's `billing` section: balance, spending
limit and its alerts, expiring grants, purchases.

These are records of what happened with this account's credits; an import reads none of them back (credits
cannot move between accounts that way), so `imports` treats the files as known and leaves them alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from imagestudio.billing.models import CreditAlert, CreditGrant, CreditPurchase, SpendingLimit, UsageLog
from imagestudio.billing.services import personal
from imagestudio.projects.export import _FORMULA_STARTS

LEDGER_FILE = "billing/ledger.csv"
USAGE_FILE = "billing/usage.csv"
FILES = (LEDGER_FILE, USAGE_FILE)
LEDGER_COLUMNS = ("created_at", "kind", "amount", "balance_after", "job_id", "note")
USAGE_COLUMNS = (
    "created_at",
    "action",
    "model",
    "success",
    "num_images",
    "credits_used",
    "generation_time",
    "charged_to_team",
    "job_id",
    "error_message",
)
ITERATOR_CHUNK = 2_000
LINES_PER_CHUNK = 500


def _cell(value: Any) -> Any:
    """A CSV cell written the way the project export writes them: ISO times, true/false, and text a
    spreadsheet would run as a formula (an error message starting with "=") quoted with a leading '."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def csv_chunks(columns: tuple[str, ...], rows: Iterable[tuple]) -> Iterator[bytes]:
    """A header and `rows` as UTF-8 CSV, a few hundred lines at a time (constant memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(value) for value in row])
        if n % LINES_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def ledger_rows(user) -> Iterator[tuple]:
    """The personal ledger, oldest first (team ledgers belong to their teams)."""
    entries = personal(user).entries().order_by("created_at", "id").values_list(*LEDGER_COLUMNS)
    return entries.iterator(chunk_size=ITERATOR_CHUNK)


def usage_rows(user) -> Iterator[tuple]:
    """Every job outcome of the account, oldest first (team jobs too, marked `charged_to_team`)."""
    columns = [("model__name" if column == "model" else column) for column in USAGE_COLUMNS]
    logs = UsageLog.objects.filter(user=user).order_by("created_at", "id").values_list(*columns)
    return logs.iterator(chunk_size=ITERATOR_CHUNK)


def summary(user) -> dict[str, Any]:
    """The manifest's `billing` section (the two CSV files are named in it)."""
    limit = SpendingLimit.objects.filter(user=user).first()
    return {
        "credits_balance": user.credits_balance,
        "spending_limit": (
            {"monthly_cap": limit.monthly_cap, "alert_thresholds": list(limit.alert_thresholds or [])}
            if limit
            else None
        ),
        "alerts": [
            {
                "month": _cell(a.month),
                "threshold": a.threshold,
                "spent": a.spent,
                "cap": a.cap,
                "at": _cell(a.created_at),
            }
            for a in CreditAlert.objects.filter(user=user).order_by("created_at", "id")
        ],
        "grants": [
            {
                "source": grant.source,
                "amount": grant.amount,
                "remaining": grant.remaining,
                "expires_at": _iso(grant.expires_at),
                "expired_at": _iso(grant.expired_at),
                "created_at": _iso(grant.created_at),
            }
            for grant in CreditGrant.objects.filter(user=user).order_by("created_at", "id")
        ],
        "purchases": [
            {
                "package": purchase.package,
                "credits": purchase.credits,
                "amount_cents": purchase.amount_cents,
                "currency": purchase.currency,
                "reference": purchase.session_id,
                "test_mode": purchase.test_mode,
                "created_at": _iso(purchase.created_at),
            }
            for purchase in CreditPurchase.objects.filter(user=user).order_by("created_at", "id")
        ],
        "ledger_file": LEDGER_FILE,
        "usage_file": USAGE_FILE,
    }


# (manifest count, ZIP member, columns, the user's rows): what `archive.write_archive` writes as CSV.
TABLES = (
    ("ledger_entries", LEDGER_FILE, LEDGER_COLUMNS, ledger_rows),
    ("usage_logs", USAGE_FILE, USAGE_COLUMNS, usage_rows),
)
