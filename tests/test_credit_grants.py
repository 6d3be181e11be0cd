"""Grants that expire: used first (soonest expiring first) when charges settle, what remains taken at expiry
as one `expire` entry (exactly that, never below zero, once), notices before, monthly free credits, staff
grants in the admin, and the Billing tab showing grants, refunds and expiries."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from imagestudio.accounts.models import User
from imagestudio.billing import grants
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry, CreditGrant, EntryKind, GrantSource
from imagestudio.events.models import Event, Notification
from imagestudio.workspaces import services as teams
from imagestudio.workspaces.services import create_team
from tests.factories import make_job, make_user

pytestmark = pytest.mark.django_db
FLUX = "fal-ai/flux/dev"


def balance(user) -> int:
    return User.objects.values_list("credits_balance", flat=True).get(pk=user.pk)


def issue(user, amount: int, days: float = 10, note: str = "Launch week") -> CreditGrant:
    return grants.issue_grant(user=user, amount=amount, expires_at=timezone.now() + timedelta(days=days), note=note)


def reserve(user, credits: int):
    job = make_job(user=user, model=FLUX, credits_reserved=credits)
    billing.reserve_for_job(job)
    return job


def charge(user, credits: int):
    job = reserve(user, credits)
    billing.settle_job(job, credits)
    return job


def left(grant: CreditGrant) -> int:
    return CreditGrant.objects.values_list("remaining", flat=True).get(pk=grant.pk)


def later(days: float) -> timezone.datetime:
    return timezone.now() + timedelta(days=days)


def test_a_grant_is_a_ledger_entry_with_what_remains_of_it(alice):
    grant = issue(alice, 120, note="Contest prize")
    assert balance(alice) == 620 == billing.ledger_total(alice)
    assert (grant.entry.kind, grant.entry.amount, grant.entry.note) == (EntryKind.GRANT, 120, "Contest prize")
    assert (grant.amount, grant.remaining, grant.source) == (120, 120, GrantSource.STAFF)


@pytest.mark.parametrize(
    ("amount", "days", "field"),
    [(0, 5, "amount"), (-3, 5, "amount"), (10_000_001, 5, "amount"), (10, -1, "expires_at"), (10, 0, "expires_at")],
)
def test_a_bad_grant_is_refused_naming_the_field(alice, amount, days, field):
    with pytest.raises(grants.GrantError) as refused:
        grants.issue_grant(user=alice, amount=amount, expires_at=timezone.now() + timedelta(days=days))
    assert refused.value.field == field
    assert not CreditGrant.objects.exists() and balance(alice) == 500


def test_charges_use_the_soonest_expiring_grant_first(alice):
    late = issue(alice, 50, days=20)
    soon = issue(alice, 30, days=5)
    charge(alice, 40)
    assert (left(soon), left(late)) == (0, 40)
    charge(alice, 100)  # past both grants: the rest comes from credits that do not expire
    assert (left(soon), left(late)) == (0, 0)
    assert balance(alice) == 500 + 80 - 140


def test_running_and_refunded_jobs_use_no_grant_credits(alice):
    grant = issue(alice, 50)
    held = reserve(alice, 20)
    assert left(grant) == 50
    billing.refund_job(held)
    assert left(grant) == 50
    job = reserve(alice, 20)
    billing.settle_job(job, 12)  # charged less than reserved: only the charge counts
    assert left(grant) == 38


def test_expiry_takes_exactly_what_remains(alice):
    grant = issue(alice, 100, days=2)
    charge(alice, 30)
    assert grants.expire_due(now=later(1)) == 0  # not yet
    assert grants.expire_due(now=later(3)) == 1
    expired = CreditEntry.objects.get(user=alice, kind=EntryKind.EXPIRE)
    assert (expired.amount, expired.balance_after) == (-70, 500)
    assert balance(alice) == 500 == billing.ledger_total(alice)  # the starting credits are untouched
    grant.refresh_from_db()
    assert (grant.remaining, grant.expired_entry_id) == (0, expired.pk) and grant.expired_at is not None
    assert grants.expire_due(now=later(4)) == 0  # once
    assert CreditEntry.objects.filter(kind=EntryKind.EXPIRE).count() == 1


def test_expiry_never_takes_more_than_the_balance(catalog):
    user = make_user(email="lean@example.com", credits=0)
    grant = issue(user, 100, days=1)
    job = reserve(user, 60)  # held by a running job
    grants.expire_due(now=later(2))
    assert balance(user) == 0 == billing.ledger_total(user)
    assert CreditEntry.objects.get(user=user, kind=EntryKind.EXPIRE).amount == -40
    billing.settle_job(job, 60)  # the job finishes after the expiry: the grant is gone, nothing goes negative
    assert left(grant) == 0 and balance(user) == 0


def test_a_fully_used_grant_expires_without_a_ledger_entry(alice):
    grant = issue(alice, 20, days=1)
    charge(alice, 20)
    assert grants.expire_due(now=later(2)) == 1
    assert not CreditEntry.objects.filter(kind=EntryKind.EXPIRE).exists()
    assert CreditGrant.objects.get(pk=grant.pk).expired_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_expiring_one_grant_take_it_once(catalog):
    user = make_user(email="racing@example.com", credits=200)
    grant = issue(user, 50, days=1)
    barrier = threading.Barrier(4)
    results: list[int | None] = []

    def expire() -> None:
        barrier.wait()
        try:
            results.append(grants.expire_grant(grant.pk, now=later(2)))
        finally:
            connection.close()

    threads = [threading.Thread(target=expire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "an expiry hung"
    assert sorted(results, key=str) == [50, None, None, None]
    assert CreditEntry.objects.filter(user=user, kind=EntryKind.EXPIRE).count() == 1
    assert balance(user) == 200 == billing.ledger_total(user)


def test_users_are_told_once_before_a_grant_expires(alice, settings):
    settings.GRANT_EXPIRY_NOTICE_DAYS = 3
    grant = issue(alice, 80, days=10)
    charge(alice, 30)
    assert grants.send_expiry_notices(now=later(6)) == 0  # 4 days before: too early
    assert grants.send_expiry_notices(now=later(7.5)) == 1
    assert grants.send_expiry_notices(now=later(8)) == 0
    event = Event.objects.get(verb="credits.grant_expiring")
    assert event.data == {"amount": 50, "expires_at": grant.expires_at.isoformat()}
    assert event.target_id == str(alice.pk) and event.actor_id is None
    assert Notification.objects.get(event=event).reason == "credits"


def test_no_notice_for_a_grant_already_used_up(alice):
    issue(alice, 10, days=1)
    charge(alice, 10)
    assert grants.send_expiry_notices(now=timezone.now()) == 0


def test_transfers_to_a_team_leave_the_expiring_credits(alice):
    team = create_team(alice, "Poster studio")
    issue(alice, 100)
    with pytest.raises(billing.ExpiringCreditsKept) as kept:
        teams.transfer_credits(team, by=alice, amount=501)
    assert kept.value.balance == 500
    assert balance(alice) == 600
    teams.transfer_credits(team, by=alice, amount=500)
    assert balance(alice) == 100


def test_monthly_free_credits_come_once_a_month_and_expire_at_its_end(alice, bob, settings):
    settings.MONTHLY_FREE_CREDITS = 0
    assert grants.grant_monthly_credits() == 0
    settings.MONTHLY_FREE_CREDITS = 150
    inactive = make_user(email="gone@example.com")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    assert grants.grant_monthly_credits() == 2  # alice and bob
    assert grants.grant_monthly_credits() == 0
    start, after = grants.month_bounds()
    monthly = CreditGrant.objects.get(user=alice, source=GrantSource.MONTHLY)
    assert (monthly.amount, monthly.period, monthly.expires_at) == (150, start.date(), after)
    assert monthly.entry.note == f"Free credits for {start:%Y-%m}"
    assert balance(alice) == 650
    assert grants.expire_due(now=after + timedelta(seconds=1)) == 2
    assert balance(alice) == 500
    assert grants.grant_monthly_credits(now=after + timedelta(days=1)) == 2  # the next month's


def test_unconfirmed_signups_get_no_monthly_credits(catalog, settings):
    settings.MONTHLY_FREE_CREDITS = 50
    unconfirmed = make_user(email="new@example.com", credits=None)
    CreditEntry.objects.filter(user=unconfirmed).delete()  # never received their starting credits
    User.objects.filter(pk=unconfirmed.pk).update(credits_balance=0)
    assert grants.grant_monthly_credits() == 0


def test_the_sweep_runs_everything_and_then_waits(alice, settings, monkeypatch):
    settings.MONTHLY_FREE_CREDITS = 10
    monkeypatch.setattr(grants, "_next_run", None)
    issue(alice, 5, days=1)
    assert grants.sweep(now=later(2)) == {"monthly_granted": 1, "notices_sent": 0, "grants_expired": 1}
    assert grants.sweep(now=later(2) + timedelta(seconds=5)) == {}  # too soon: nothing runs


# -- pages ----------------------------------------------------------------------------------------------


def test_the_billing_tab_lists_live_grants_and_labels_refunds_and_expiries(alice_browser, alice):
    issue(alice, 40, days=1, note="Old promo")
    job = reserve(alice, 10)
    billing.refund_job(job)
    grants.expire_due(now=later(2))
    issue(alice, 60, days=9)
    html = alice_browser.get(reverse("settings_billing")).content.decode()
    assert html.count('data-testid="grant-row"') == 1 and "60 of 60 left" in html
    expired = re.search(r'data-kind="expire">(.*?)</tr>', html, re.S).group(1)
    assert (
        "Unused grant credits expired" in expired
        and "40 of 40 credits from “Old promo”" in expired
        and "-40" in expired
    )
    refund = re.search(r'data-kind="refund">(.*?)</tr>', html, re.S).group(1)
    assert "Refund: the generation did not finish" in refund and "+10" in refund


@pytest.fixture
def staff_client(client, catalog):
    staff = User.objects.create_superuser(email="staff@example.com", password="correct-Horse-battery-9")
    client.force_login(staff)
    return client


def test_staff_issue_a_grant_from_the_admin(staff_client, alice):
    url = reverse("admin:billing_creditgrant_add")
    assert staff_client.get(url).status_code == 200
    expires = timezone.localtime(later(14))
    form = {
        "user": str(alice.pk),
        "amount": "250",
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
        "note": "Thanks for the bug report",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 302
    grant = CreditGrant.objects.get(user=alice)
    assert (grant.amount, grant.remaining, grant.entry.note) == (250, 250, "Thanks for the bug report")
    assert balance(alice) == 750 == billing.ledger_total(alice)
    refused = staff_client.post(url, {**form, "amount": "0"})
    assert refused.status_code == 200 and "Grant from 1 to" in refused.content.decode()
    assert CreditGrant.objects.count() == 1
