"""The credit ledger, through the billing service's public commands (reserve, settle, refund, grant, adjust)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from imagestudio.accounts.models import User
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry
from tests.factories import make_job, make_user

pytestmark = pytest.mark.django_db
FLUX = "fal-ai/flux/dev"


def balance(user) -> int:
    return User.objects.get(pk=user.pk).credits_balance


def entries(user) -> list[tuple[str, int, int]]:
    return list(
        CreditEntry.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("kind", "amount", "balance_after")
    )


def test_reserving_more_than_the_balance_changes_nothing(alice):
    job = make_job(user=alice, model=FLUX, credits_reserved=501)
    before = entries(alice)
    with pytest.raises(billing.InsufficientCredits) as error:
        billing.reserve_for_job(job)
    assert (error.value.needed, error.value.balance) == (501, 500)
    assert balance(alice) == 500
    assert entries(alice) == before
    assert not CreditEntry.objects.filter(job=job).exists()


def test_a_negative_adjustment_larger_than_the_balance_changes_nothing(alice):
    before = entries(alice)
    with pytest.raises(billing.InsufficientCredits):
        billing.adjust(user=alice, amount=-501, reason="chargeback")
    assert balance(alice) == 500 and entries(alice) == before


def test_the_ledger_always_sums_to_the_balance(alice):
    start = entries(alice)
    settled = make_job(user=alice, model=FLUX, credits_reserved=120)
    refunded = make_job(user=alice, model=FLUX, credits_reserved=30)
    billing.reserve_for_job(settled)
    billing.reserve_for_job(refunded)
    billing.settle_job(settled, 100)  # cheaper than estimated: 20 come back
    billing.refund_job(refunded)
    billing.grant(alice, 50, note="Bonus")
    assert (settled.credits_charged, refunded.credits_charged) == (100, 0)
    assert entries(alice)[len(start) :] == [
        ("reserve", -120, 380),
        ("reserve", -30, 350),
        ("settle", 20, 370),
        ("refund", 30, 400),
        ("grant", 50, 450),
    ]
    assert balance(alice) == 450
    assert billing.ledger_total(alice) == 450


def test_settling_never_charges_more_than_was_reserved(alice):
    job = make_job(user=alice, model=FLUX, credits_reserved=10)
    billing.reserve_for_job(job)
    billing.settle_job(job, 25)
    assert job.credits_charged == 10
    ledger = CreditEntry.objects.filter(job=job).order_by("created_at", "id")
    assert list(ledger.values_list("kind", "amount")) == [("reserve", -10), ("settle", 0)]
    assert balance(alice) == 490 == billing.ledger_total(alice)


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_overdraw(catalog):
    """Twelve jobs race to reserve 100 credits each from 500: exactly five win, the ledger still balances."""
    user = make_user(email="racer@example.com", credits=500)
    jobs = [make_job(user=user, model=FLUX, credits_reserved=100) for _ in range(12)]
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def reserve(job) -> None:
        barrier.wait()
        try:
            billing.reserve_for_job(job)
            outcomes.append("won")
        except billing.InsufficientCredits:
            outcomes.append("short")
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a reservation hung"
    assert outcomes.count("won") == 5 and outcomes.count("short") == 7
    assert balance(user) == 0
    assert billing.ledger_total(user) == 0
    reserved = CreditEntry.objects.filter(user=user, kind="reserve")
    assert sorted(reserved.values_list("balance_after", flat=True)) == [0, 100, 200, 300, 400]
