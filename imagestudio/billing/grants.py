"""Grants that expire: staff grants with an end date and the optional monthly free credits.

The rule, kept simple on purpose:
- A grant is a `grant` ledger entry plus a CreditGrant row holding what is left of it (`remaining`).
- Generations charged to the personal balance use grant credits first, the soonest expiring grant first,
  counted when the charge is settled (services.settle_job): a refunded or running job uses none.
- At `expires_at` the worker's housekeeping takes what remains off the balance as one `expire` entry —
  never more than the balance (credits held by a running job are not taken twice) — and marks the grant
  expired. GRANT_EXPIRY_NOTICE_DAYS before that, the user is told once ("credits.grant_expiring").
- Grant credits stay with the user: a transfer to a team must leave enough to cover the live grants.
- MONTHLY_FREE_CREDITS (0 = off) gives each active user with confirmed credits (starting credits
  granted) that many credits per calendar month of the studio's TIME_ZONE, expiring at the month's end;
  the unique (user, month) row makes it once per month however many workers sweep.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.accounts.models import User
from imagestudio.accounts.services import STARTING_CREDITS_NOTE
from imagestudio.billing import services
from imagestudio.billing.models import CreditEntry, CreditGrant, EntryKind, GrantSource
from imagestudio.events import services as events

log = logging.getLogger(__name__)
PER_RUN = 500  # grants expired, notices sent or monthly grants issued per run at most
RUN_EVERY = timedelta(minutes=1)
MAX_GRANT = 10_000_000

_next_run: datetime | None = None


class GrantError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def issue_grant(
    *,
    user: User,
    amount: int,
    expires_at: datetime,
    note: str = "",
    source: str = GrantSource.STAFF,
    period: date | None = None,
    now: datetime | None = None,
) -> CreditGrant:
    """Grant `amount` credits to the user's own balance until `expires_at`. Raises GrantError naming the field."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= MAX_GRANT:
        raise GrantError("amount", gettext("Grant from 1 to %(max)s credits.") % {"max": MAX_GRANT})
    if expires_at <= (now or timezone.now()):
        raise GrantError("expires_at", gettext("The expiry must be in the future."))
    with transaction.atomic():
        # Ledger notes are stored in English, like every other note; the Billing tab labels entries by kind.
        entry = services.grant(user, amount, note=(note.strip() or "Credits granted")[:200])
        return CreditGrant.objects.create(
            user=user,
            entry=entry,
            source=source,
            amount=amount,
            remaining=amount,
            expires_at=expires_at,
            period=period,
        )


def expire_grant(grant_id: UUID, *, now: datetime | None = None) -> int | None:
    """Expire one grant: take what remains of it off the balance (at most the balance, as one `expire`
    entry). Returns the credits taken, or None when it was expired already (by another worker)."""
    now = now or timezone.now()
    with transaction.atomic():
        user_id = CreditGrant.objects.filter(pk=grant_id).values_list("user_id", flat=True).first()
        if user_id is None:
            return None
        # The user's row first, as every settle locks it before the grants: the two never wait on each other.
        balance = User.objects.select_for_update().filter(pk=user_id).values_list("credits_balance", flat=True).get()
        if not CreditGrant.objects.filter(pk=grant_id, expired_at=None).update(expired_at=now):
            return None  # expired already
        grant = CreditGrant.objects.select_related("entry").get(pk=grant_id)
        taken = min(grant.remaining, balance)
        entry = None
        if taken > 0:
            note = f"{taken} of {grant.amount} credits from “{grant.entry.note}”"
            entry = services.expire_credits(user_id=user_id, amount=taken, note=note)
        CreditGrant.objects.filter(pk=grant_id).update(remaining=0, expired_entry=entry)
        return taken


def expire_due(*, now: datetime | None = None, limit: int = PER_RUN) -> int:
    """Expire the grants whose time has come. Returns how many were expired."""
    now = now or timezone.now()
    due = CreditGrant.objects.filter(expired_at=None, expires_at__lte=now).order_by("expires_at")
    ids = list(due.values_list("id", flat=True)[:limit])
    return sum(1 for grant_id in ids if expire_grant(grant_id, now=now) is not None)


def send_expiry_notices(*, now: datetime | None = None, limit: int = PER_RUN) -> int:
    """Tell users once about grant credits expiring within GRANT_EXPIRY_NOTICE_DAYS. Returns notices sent."""
    now = now or timezone.now()
    soon = now + timedelta(days=settings.GRANT_EXPIRY_NOTICE_DAYS)
    due = CreditGrant.objects.filter(
        expired_at=None, notice_sent_at=None, remaining__gt=0, expires_at__gt=now, expires_at__lte=soon
    ).order_by("expires_at")
    sent = 0
    for grant_id in list(due.values_list("id", flat=True)[:limit]):
        with transaction.atomic():
            # The conditional update claims the notice: a second worker updates nothing and sends nothing.
            if not CreditGrant.objects.filter(pk=grant_id, notice_sent_at=None).update(notice_sent_at=now):
                continue
            grant = CreditGrant.objects.select_related("user").get(pk=grant_id)
            events.record(
                actor=None,
                verb="credits.grant_expiring",
                target=grant.user,
                data={"amount": grant.remaining, "expires_at": grant.expires_at.isoformat()},
                notify=[(grant.user, "credits")],
            )
            sent += 1
    return sent


def month_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """This calendar month of the studio's TIME_ZONE: its first moment and the next month's."""
    local = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    after = (start + timedelta(days=32)).replace(day=1)
    return start, after


def grant_monthly_credits(*, now: datetime | None = None, limit: int = PER_RUN) -> int:
    """Give this month's MONTHLY_FREE_CREDITS to eligible users who have not had them. Returns how many."""
    amount = settings.MONTHLY_FREE_CREDITS
    if amount <= 0:
        return 0
    now = now or timezone.now()
    start, after = month_bounds(now)
    had = CreditGrant.objects.filter(user=OuterRef("pk"), source=GrantSource.MONTHLY, period=start.date())
    confirmed = CreditEntry.objects.filter(user=OuterRef("pk"), kind=EntryKind.GRANT, note=STARTING_CREDITS_NOTE)
    users = User.objects.filter(is_active=True).filter(Exists(confirmed)).exclude(Exists(had)).order_by("pk")
    given = 0
    note = f"Free credits for {start:%Y-%m}"
    for user in users[:limit]:
        try:
            with transaction.atomic():
                issue_grant(
                    user=user,
                    amount=amount,
                    expires_at=after,
                    note=note,
                    source=GrantSource.MONTHLY,
                    period=start.date(),
                    now=now,
                )
        except IntegrityError:  # another worker gave it a moment ago
            continue
        given += 1
    return given


def sweep(now: datetime | None = None) -> dict[str, int]:
    """The worker heartbeat's call (at most every RUN_EVERY): monthly grants, expiry notices, expiries."""
    global _next_run
    now = now or timezone.now()
    if _next_run is not None and now < _next_run:
        return {}
    _next_run = now + RUN_EVERY
    return {
        "monthly_granted": grant_monthly_credits(now=now),
        "notices_sent": send_expiry_notices(now=now),
        "grants_expired": expire_due(now=now),
    }
