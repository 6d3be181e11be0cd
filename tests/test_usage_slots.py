"""The usage charts' quarter-hour totals (billing/usage_slots.py): triggers on `usage_logs` and `credit_ledger`
keep `usage_slots` equal to what the rows themselves add up to, and the day and month charts read from them give
the same figures as the rows in every time zone: on the hour, on the half and quarter hour (India, Nepal,
Newfoundland), and an odd offset whose midnights fall inside a slot."""

from __future__ import annotations

import types
import zoneinfo
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imagestudio.billing import usage, usage_slots
from imagestudio.billing.models import SPENDING, CreditEntry, UsageLog, UsageSlot
from imagestudio.billing.services import log_usage
from imagestudio.workspaces.services import create_team
from tests.factories import make_job

pytestmark = [pytest.mark.django_db]
NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "+05:20"]


def zone_of(name: str) -> tzinfo:
    """An IANA zone, or a fixed offset no zone uses today ("+05:20"), whose midnights fall inside a slot."""
    if name.startswith("+"):
        hours, minutes = name[1:].split(":")
        return timezone(timedelta(hours=int(hours), minutes=int(minutes)))
    return zoneinfo.ZoneInfo(name)


def slot_of(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def job_log(user, *, at: datetime, images: int = 1, success: bool = True, workspace=None) -> UsageLog:
    job = make_job(user=user, status="succeeded" if success else "failed", num_images=images, workspace=workspace)
    log = log_usage(job, success=success)
    UsageLog.objects.filter(pk=log.pk).update(created_at=at)
    return log


def entry(user, *, at: datetime, amount: int, kind: str = "reserve", workspace=None) -> CreditEntry:
    row = CreditEntry.objects.create(user=user, kind=kind, amount=amount, balance_after=0, workspace=workspace)
    CreditEntry.objects.filter(pk=row.pk).update(created_at=at)
    return row


def counted_slots(user) -> dict[datetime, tuple[int, int, int]]:
    """The quarter hours summed from the rows themselves, by the rules the triggers follow."""
    slots: dict[datetime, list[int]] = defaultdict(lambda: [0, 0, 0])
    for log in UsageLog.objects.filter(user=user, charged_to_team=False):
        figures = slots[slot_of(log.created_at)]
        figures[0] += 1
        figures[1] += log.num_images if log.success else 0
    for row in CreditEntry.objects.filter(user=user, workspace=None, kind__in=SPENDING):
        slots[slot_of(row.created_at)][2] += row.amount
    return {slot: tuple(figures) for slot, figures in slots.items() if any(figures)}


def kept_slots(user) -> dict[datetime, tuple[int, int, int]]:
    return {
        row.starts_at: (row.jobs, row.images, row.spent)
        for row in UsageSlot.objects.filter(user_id=user.pk)
        if (row.jobs, row.images, row.spent) != (0, 0, 0)
    }


def assert_in_step(*users) -> None:
    for user in users:
        assert kept_slots(user) == counted_slots(user)


def test_every_write_keeps_the_slots_equal_to_the_rows(alice, bob):
    team = create_team(alice, "Studio")
    first = job_log(alice, at=NOW, images=4)
    job_log(alice, at=NOW + timedelta(minutes=20), images=2, success=False)
    job_log(alice, at=NOW, images=3, workspace=team)  # the team's usage, not alice's own
    job_log(bob, at=NOW, images=1)
    entry(alice, at=NOW, amount=-8)
    entry(alice, at=NOW, amount=-5, workspace=team)
    entry(alice, at=NOW, amount=500, kind="purchase")  # not spending
    assert kept_slots(alice) == {NOW: (1, 4, -8), NOW.replace(minute=45): (1, 0, 0)}
    assert_in_step(alice, bob)

    retried = UsageLog.objects.get(job__num_images=2, user=alice)
    log_usage(retried.job, success=True)  # a retried job's log is updated in place
    refund = entry(alice, at=NOW + timedelta(hours=3), amount=8, kind="refund")
    UsageLog.objects.filter(pk=first.pk).update(created_at=NOW - timedelta(days=40))  # moved to another slot
    assert_in_step(alice, bob)
    assert kept_slots(alice)[NOW] == (0, 0, -8)
    assert kept_slots(alice)[NOW.replace(minute=45)] == (1, 2, 0)

    first.job.delete()  # the log keeps the job's figures as logged
    assert UsageLog.objects.get(pk=first.pk).job_id is None
    refund.delete()
    UsageLog.objects.filter(user=bob).delete()
    assert_in_step(alice, bob)
    assert kept_slots(bob) == {}
    assert not UsageSlot.objects.filter(user_id=bob.pk).exists()  # emptied slots are removed


def test_deleting_an_account_leaves_no_slots(alice, bob):
    job_log(bob, at=NOW, images=2)
    entry(bob, at=NOW, amount=-4)
    bob_id = bob.pk
    bob.delete()
    assert not UsageSlot.objects.filter(user_id=bob_id).exclude(jobs=0, images=0, spent=0).exists()


def _history(user) -> None:
    """Activity around local midnights of several zones, on either side of them."""
    start = datetime(2026, 9, 1, tzinfo=UTC)
    for day in range(0, 80, 3):
        for minute in (10, 40, 55):
            for hour in (2, 3, 4, 5, 18, 22, 23):  # 18:xx: India's midnight is 18:30 UTC, +05:20's 18:40
                at = start + timedelta(days=day, hours=hour, minutes=minute)
                job_log(user, at=at, images=1 + (day + hour) % 4, success=(minute != 55))
                entry(user, at=at, amount=-(1 + minute % 7))


@pytest.mark.parametrize("zone_name", ZONES)
def test_charts_from_the_slots_equal_the_charts_from_the_rows(alice, zone_name):
    _history(alice)
    zone = zone_of(zone_name)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    for starts in (
        [usage._months_back(date(2026, 11, 1), back) for back in range(11, -1, -1)],
        [date(2026, 11, 25) - timedelta(days=back) for back in range(89, -1, -1)],
    ):
        bounds = [usage._local_midnight(start, zone) for start in starts]
        from_rows = usage._rows_buckets(alice, bounds)
        charted = usage._buckets(alice, zone, starts)
        assert [(b.jobs, b.images, b.credits_spent) for b in charted] == [
            tuple(from_rows.get(index, [0, 0, 0])) for index in range(len(starts))
        ]
        assert sum(b.jobs for b in charted) > 0
    monthly = usage.monthly_usage(alice, now=now, tz=zone)
    assert [b.start for b in monthly][-1] == date(2026, 11, 1)


@pytest.mark.parametrize(("zone_name", "queries"), [("UTC", 1), ("Asia/Kolkata", 1), ("+05:20", 3)])
def test_a_chart_is_one_read_of_the_slots_unless_a_midnight_falls_inside_one(alice, zone_name, queries):
    job_log(alice, at=NOW, images=2)
    with CaptureQueriesContext(connection) as captured:
        months = usage.monthly_usage(alice, now=NOW, tz=zone_of(zone_name))
    assert len(captured) == queries
    assert months[-1].jobs == 1 and months[-1].images == 2
    assert usage.split_slots([usage._local_midnight(date(2026, 11, 1), zone_of(zone_name))]) == (
        [datetime(2026, 10, 31, 18, 30, tzinfo=UTC)] if zone_name == "+05:20" else []
    )


def test_triggers_dropped_by_a_table_rebuild_come_back_with_recounted_slots(alice):
    job_log(alice, at=NOW)
    if connection.vendor != "sqlite":  # PostgreSQL keeps a table's triggers through ALTER TABLE
        assert usage_slots.ensure_triggers() is False
        return
    with connection.cursor() as cursor:  # what a migration that rebuilds `usage_logs` on SQLite leaves behind
        for statement in usage_slots.SQLITE_UNINSTALL:
            cursor.execute(statement)
    job_log(alice, at=NOW, images=3)  # written while no trigger counted it
    assert kept_slots(alice) != counted_slots(alice)

    assert usage_slots.ensure_triggers() is True
    assert_in_step(alice)
    entry(alice, at=NOW, amount=-2)
    assert_in_step(alice)
    assert usage_slots.ensure_triggers() is False


def test_installing_counts_the_rows_already_there(alice, bob):
    """What migration billing/0006 does on a database with usage: triggers, then slots summed from the rows."""
    job_log(alice, at=NOW, images=4)
    job_log(alice, at=NOW - timedelta(days=3), success=False)
    entry(alice, at=NOW, amount=-4)
    entry(bob, at=NOW, amount=-1)
    UsageSlot.objects.all().delete()
    with connection.cursor() as cursor:
        usage_slots.install(types.SimpleNamespace(connection=connection, execute=cursor.execute))
    assert_in_step(alice, bob)
    assert UsageSlot.objects.filter(user_id__in=[alice.pk, bob.pk]).count() == 3
    job_log(bob, at=NOW)  # the reinstalled triggers count
    assert_in_step(bob)
