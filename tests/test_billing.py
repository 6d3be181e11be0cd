from __future__ import annotations

import pytest

from imagestudio.accounts.models import User
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry

pytestmark = pytest.mark.django_db


def balance(user) -> int:
    return User.objects.get(pk=user.pk).credits_balance


def test_reserving_more_than_the_balance_changes_nothing(alice):
    entries = CreditEntry.objects.count()
    with pytest.raises(billing.InsufficientCredits) as error:
        billing._apply(alice.pk, -501, "reserve")
    assert error.value.balance == 500
    assert balance(alice) == 500
    assert CreditEntry.objects.count() == entries


def test_the_ledger_always_sums_to_the_balance(alice):
    billing._apply(alice.pk, -120, "reserve")
    billing._apply(alice.pk, 20, "settle")
    billing.grant(alice, 50, note="Bonus")
    assert balance(alice) == 450
    assert billing.ledger_total(alice) == 450
    last = CreditEntry.objects.filter(user=alice).order_by("-created_at").first()
    assert last.balance_after == 450


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_overdraw(catalog):
    """Twelve requests race for 500 credits at 100 each: exactly five win, the ledger still balances."""
    import threading

    from django.db import connection

    from imagestudio.accounts.services import register

    user = register("racer@example.com", "correct-Horse-battery-9")
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def reserve() -> None:
        barrier.wait()
        try:
            billing._apply(user.pk, -100, "adjustment", note="race")
            outcomes.append("won")
        except billing.InsufficientCredits:
            outcomes.append("short")
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 5 and outcomes.count("short") == 7
    assert balance(user) == 0
    assert billing.ledger_total(user) == 0
    assert sorted(CreditEntry.objects.filter(user=user, kind="adjustment").values_list("balance_after", flat=True)) == [0, 100, 200, 300, 400]
