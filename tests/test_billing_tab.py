"""Settings → Billing: balance, this month's spending and the credit history with cursor paging."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from imagestudio.billing import selectors
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry
from tests.factories import make_job

pytestmark = pytest.mark.django_db
FLUX = "fal-ai/flux/dev"


def charge(user, reserved: int, actual: int | None):
    job = make_job(user=user, model=FLUX, credits_reserved=reserved, prompt="a lighthouse in fog")
    billing.reserve_for_job(job)
    if actual is None:
        billing.refund_job(job)
    else:
        billing.settle_job(job, actual)
    return job


def test_month_summary_counts_charges_net_of_refunds_and_grants(alice):
    charge(alice, 120, 100)  # 100 spent, 20 back
    charge(alice, 30, None)  # refunded in full, yet a generation was started
    billing.grant(alice, 50, note="Bonus")
    summary = selectors.month_summary(alice)
    assert (summary.spent, summary.generations) == (100, 2)
    assert summary.granted == 500 + 50  # the starting credits of this month, then the bonus


def test_month_summary_ignores_last_month(alice):
    job = charge(alice, 40, 40)
    CreditEntry.objects.filter(job=job).update(created_at=timezone.now() - timedelta(days=40))
    assert selectors.month_summary(alice).spent == 0


def test_the_tab_shows_balance_spending_and_each_entry(alice_browser, alice):
    charge(alice, 120, 100)
    html = alice_browser.get(reverse("settings_billing")).content.decode()
    alice.refresh_from_db()
    assert alice.credits_balance == 400
    assert re.search(r'data-testid="billing-balance-value">400<', html)
    assert re.search(r'data-testid="billing-month-spent">100<', html)
    kinds = re.findall(r'data-testid="ledger-row" data-kind="(\w+)"', html)
    assert kinds == ["settle", "reserve", "grant"]
    assert "a lighthouse in fog" in html
    assert "ledger-more" not in html


def test_history_pages_by_cursor_without_repeats(alice_browser, alice):
    for _ in range(14):
        charge(alice, 1, 1)  # 28 entries, plus the starting grant
    first = alice_browser.get(reverse("settings_billing")).content.decode()
    first_rows = re.findall(r'data-testid="ledger-row"', first)
    assert len(first_rows) == selectors.LEDGER_PAGE
    cursor = re.search(r'href="\?cursor=([^"]+)"', first).group(1)
    rest = alice_browser.get(reverse("settings_billing") + f"?cursor={cursor}", HTTP_HX_REQUEST="true")
    rest_html = rest.content.decode()
    assert "settings-tabs" not in rest_html  # only the rows
    assert len(re.findall(r'data-testid="ledger-row"', rest_html)) == 29 - selectors.LEDGER_PAGE
    assert "ledger-more" not in rest_html


def test_the_history_query_count_does_not_grow_with_entries(alice_browser, alice):
    for _ in range(12):
        charge(alice, 1, 1)
    alice_browser.get(reverse("settings_billing"))
    with CaptureQueriesContext(connection) as few:
        alice_browser.get(reverse("settings_billing"), {"cursor": ""})
    for _ in range(12):
        charge(alice, 1, 1)
    with CaptureQueriesContext(connection) as many:
        alice_browser.get(reverse("settings_billing"))
    assert len(many) == len(few)


def test_an_empty_ledger_shows_the_empty_state(alice_browser, alice):
    CreditEntry.objects.filter(user=alice).delete()
    html = alice_browser.get(reverse("settings_billing")).content.decode()
    assert "No credit changes yet" in html and 'data-testid="ledger"' not in html


def test_a_tampered_cursor_answers_400_not_500(alice_browser):
    response = alice_browser.get(reverse("settings_billing"), {"cursor": "not-a-cursor"})
    assert response.status_code == 400
