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
