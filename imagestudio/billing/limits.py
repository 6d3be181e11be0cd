"""A user's own monthly spending cap and the alerts at its thresholds.

- The cap binds credits spent from the personal balance in the user's calendar month, in their time zone
  (as the usage pages count it): reserved minus what came back, so queued and running jobs count what they
  hold. Team spending is bound by the team's member limits instead (workspaces.credits).
- `services` asks `room_before` right after taking a reservation's credits: the balance UPDATE holds the
  user's row (SQLite: the write lock) until commit, so two reservations never both see the same room.
- `services.settle_job` calls `record_alerts` in the settle's transaction. Each threshold reached this month
  is written once (CreditAlert's unique row), and the highest threshold newly reached becomes one event:
  "credits.alert", or "credits.cap_reached" at 100 %. A charge crossing 50 % and 80 % at once tells the
  user once, about 80 %; 50 % is then marked as told.

Why a billing model rather than a key in the user's settings JSON: the cap is money, read on every
reservation by primary key, and changed by its own rules; the settings blob is presentation and is
validated, exported and imported as a whole by preferences.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, tzinfo
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.accounts.models import User
from imagestudio.billing.models import SPENDING, CreditAlert, CreditEntry, SpendingLimit, default_alert_thresholds
from imagestudio.events import services as events
from imagestudio.preferences.models import UserSettings

MAX_CAP = 10_000_000
MAX_THRESHOLDS = 5
CAP = 100  # the threshold that is the cap itself


class LimitError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def user_zone(user_id: Any) -> tzinfo:
    """The user's time zone from their settings (the studio's when unset or no longer known)."""
    blob = UserSettings.objects.filter(user_id=user_id).values_list("settings", flat=True).first() or {}
    name = blob.get("timezone") if isinstance(blob, dict) else ""
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_default_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def month_start(user_id: Any, now: datetime | None = None) -> datetime:
    """Midnight on the first day of the user's current calendar month, in their time zone."""
    zone = user_zone(user_id)
    local = timezone.localtime(now or timezone.now(), zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def spent_since(user_id: Any, since: datetime) -> int:
    """Credits spent from the personal balance since `since`, net of what came back."""
    entries = CreditEntry.objects.filter(user_id=user_id, workspace=None, kind__in=SPENDING, created_at__gte=since)
    return -(entries.aggregate(total=Sum("amount"))["total"] or 0)


def limits_for(user: User) -> SpendingLimit:
    """The user's limits (an unsaved row with no cap and the default thresholds when never set)."""
    return SpendingLimit.objects.filter(user=user).first() or SpendingLimit(user=user)


def set_limits(*, user: User, monthly_cap: Any, alert_thresholds: Any) -> SpendingLimit:
    """Validate and store the cap (null: none) and the alert percentages. Raises LimitError naming the field."""
    cap = clean_cap(monthly_cap)
    thresholds = clean_thresholds(alert_thresholds)
    row, _created = SpendingLimit.objects.update_or_create(
        user=user, defaults={"monthly_cap": cap, "alert_thresholds": thresholds}
    )
    return row


def clean_cap(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_CAP:
        raise LimitError(
            "monthly_cap",
            gettext("The cap is a whole number of credits from 0 to %(max)s, or empty for no cap.") % {"max": MAX_CAP},
        )
    return raw


def clean_thresholds(raw: Any) -> list[int]:
    if raw is None:
        return default_alert_thresholds()
    message = gettext("Alerts are up to %(count)s percentages from 1 to 100, e.g. [50, 80, 100].") % {
        "count": MAX_THRESHOLDS
    }
    if not isinstance(raw, list) or len(raw) > MAX_THRESHOLDS:
        raise LimitError("alert_thresholds", message)
    if any(isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= CAP for p in raw):
        raise LimitError("alert_thresholds", message)
    return sorted(set(raw))


def room_before(user_id: Any, adding: int, *, now: datetime | None = None) -> tuple[int, int] | None:
    """(cap, credits left under it) when taking `adding` more would pass the user's cap; None when it fits
    or there is no cap. Call after the balance UPDATE, inside the reservation's transaction."""
    cap = SpendingLimit.objects.filter(user_id=user_id).values_list("monthly_cap", flat=True).first()
    if cap is None or adding <= 0:
        return None
    spent = spent_since(user_id, month_start(user_id, now))
    if spent + adding <= cap:
        return None
    return cap, max(0, cap - spent)


def record_alerts(user_id: Any, *, now: datetime | None = None) -> list[int]:
    """Record the thresholds reached this month not recorded yet, and one event for the highest of them.

    Call inside the settle's transaction. Returns the thresholds recorded now (none when already told)."""
    limit = SpendingLimit.objects.filter(user_id=user_id).first()
    if limit is None or limit.monthly_cap is None or not limit.alert_thresholds:
        return []
    cap = limit.monthly_cap
    since = month_start(user_id, now)
    spent = spent_since(user_id, since)
    reached = [p for p in limit.alert_thresholds if spent > 0 and spent * 100 >= p * cap]
    fresh = [p for p in reached if _record_once(user_id, since.date(), p, spent, cap)]
    if fresh:
        _tell(user_id, max(fresh), spent, cap)
    return fresh


def _record_once(user_id: Any, month: date, threshold: int, spent: int, cap: int) -> bool:
    """Write the threshold's row for the month; False when it was there already (even from a racing settle:
    get_or_create inserts in a savepoint and reads the winner's row on a unique conflict)."""
    _row, created = CreditAlert.objects.get_or_create(
        user_id=user_id, month=month, threshold=threshold, defaults={"spent": spent, "cap": cap}
    )
    return created


def _tell(user_id: Any, threshold: int, spent: int, cap: int) -> None:
    user = User.objects.get(pk=user_id)
    if threshold >= CAP:
        verb, data = "credits.cap_reached", {"spent": spent, "cap": cap}
    else:
        verb, data = "credits.alert", {"threshold": threshold, "spent": spent, "cap": cap}
    events.record(actor=None, verb=verb, target=user, data=data, notify=[(user, "credits")])
