"""The monthly spending cap and its alerts: refusal exactly at the boundary (service, page and API), the
user's month in their time zone, alerts once per threshold per month (also under concurrency), and the
settings on the Billing tab and at /api/credits/limits."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from imagestudio.accounts.models import User
from imagestudio.billing import limits
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditAlert, CreditEntry, SpendingLimit
from imagestudio.events.models import Event, Notification
from imagestudio.generation import services as generation
from imagestudio.generation.models import GenerationJob
from imagestudio.preferences.services import update_settings
from imagestudio.workspaces import services as teams
from imagestudio.workspaces.services import create_team
from tests.factories import RECORD_TASKS_ONLY, SMALL, ai_model, enqueue_job, make_job, make_project, make_user

pytestmark = pytest.mark.django_db
FLUX = "fal-ai/flux/dev"  # a paid model: 2 small images reserve 5 credits, 1 reserves 3
TWO_SMALL = {**SMALL, "num_images": 2}
ONE_SMALL = {**SMALL, "num_images": 1}


@pytest.fixture(autouse=True)
def paid_models(settings):
    settings.FAL_KEY = "test-key"  # fal models are available (and cost credits); nothing is sent
    settings.TASKS = RECORD_TASKS_ONLY


def balance(user) -> int:
    return User.objects.values_list("credits_balance", flat=True).get(pk=user.pk)


def cap(user, credits: int | None, thresholds: list[int] | None = None) -> None:
    limits.set_limits(user=user, monthly_cap=credits, alert_thresholds=thresholds)


def charge(user, credits: int):
    """A paid job reserved and settled at its full price (what a finished generation does)."""
    job = make_job(user=user, model=FLUX, credits_reserved=credits)
    billing.reserve_for_job(job)
    billing.settle_job(job, credits)
    return job


def told(user) -> list[tuple[str, dict]]:
    events = Event.objects.filter(verb__startswith="credits.", target_id=str(user.pk)).order_by("created_at", "id")
    return [(event.verb, event.data) for event in events]


# -- the cap --------------------------------------------------------------------------------------------


def test_the_cap_refuses_the_job_that_would_pass_it_and_allows_one_that_fits_exactly(alice):
    cap(alice, 8)
    assert enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL).credits_reserved == 5
    with pytest.raises(billing.SpendingCapReached) as refused:
        enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL)
    assert str(refused.value) == (
        "This needs 5 credits; your monthly spending cap of 8 leaves 3. Raise the cap in Settings › Billing to go on."
    )
    assert isinstance(refused.value, billing.InsufficientCredits)
    assert balance(alice) == 495 == billing.ledger_total(alice)  # the refused job took nothing
    assert GenerationJob.objects.filter(user=alice).count() == 1

    assert enqueue_job(user=alice, model=FLUX, parameters=ONE_SMALL).credits_reserved == 3  # 8 of 8: at the cap
    with pytest.raises(billing.SpendingCapReached) as at_cap:
        enqueue_job(user=alice, model=FLUX, parameters=ONE_SMALL)
    assert (at_cap.value.needed, at_cap.value.balance) == (3, 0)
    assert balance(alice) == 492
    assert enqueue_job(user=alice, parameters=SMALL).credits_reserved == 0  # free models still work


def test_a_refund_gives_room_back_under_the_cap(alice):
    cap(alice, 5)
    job = enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL)
    with pytest.raises(billing.SpendingCapReached):
        enqueue_job(user=alice, model=FLUX, parameters=ONE_SMALL)
    billing.refund_job(job)
    assert enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL).credits_reserved == 5


def test_a_batch_is_refused_whole_when_it_would_pass_the_cap(alice):
    cap(alice, 9)
    requests = [
        generation.GenerationRequest(user=alice, model=ai_model(FLUX), prompt=f"kite {n}", parameters=TWO_SMALL)
        for n in range(2)
    ]
    with pytest.raises(billing.SpendingCapReached):
        generation.enqueue_batch(requests)
    assert balance(alice) == 500 and not GenerationJob.objects.exists()


def test_no_cap_and_removing_the_cap_let_spending_go_on(alice):
    cap(alice, 0)
    with pytest.raises(billing.SpendingCapReached):
        enqueue_job(user=alice, model=FLUX, parameters=ONE_SMALL)
    cap(alice, None)
    assert enqueue_job(user=alice, model=FLUX, parameters=ONE_SMALL).credits_reserved == 3


def test_team_spending_does_not_count_against_the_personal_cap(alice):
    team = create_team(alice, "Poster studio")
    teams.transfer_credits(team, by=alice, amount=100)
    project = make_project(user=alice, workspace=team, name="Launch")
    cap(alice, 5)
    for _ in range(3):  # 15 credits of the team's, while the personal cap is 5
        assert enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL, project=project).credits_reserved == 5
    assert enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL).credits_reserved == 5  # personal: fits
    assert limits.spent_since(alice.pk, limits.month_start(alice.pk)) == 5


def test_the_month_is_the_users_calendar_month_in_their_time_zone(alice):
    """At 05:00 UTC on 1 March it is still February in Los Angeles: February's spending counts there."""
    now = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    job = charge(alice, 6)
    CreditEntry.objects.filter(job=job).update(created_at=datetime(2026, 2, 28, 20, 0, tzinfo=UTC))
    cap(alice, 8)
    update_settings(user=alice, changes={"timezone": "Europe/Berlin"})
    assert limits.room_before(alice.pk, 5, now=now) is None  # a new month in Berlin: nothing spent yet
    update_settings(user=alice, changes={"timezone": "America/Los_Angeles"})
    assert limits.month_start(alice.pk, now).isoformat() == "2026-02-01T00:00:00-08:00"
    assert limits.room_before(alice.pk, 5, now=now) == (8, 2)  # 6 of 8 spent this (Pacific) month


def test_the_generate_page_shows_the_cap_message(alice_browser, alice):
    cap(alice, 4)
    form = {"model": FLUX, "prompt": "a kite over dunes", "aspect_ratio": "custom", "width": 256, "height": 256}
    response = alice_browser.post("/generate/", {**form, "num_images": 2})
    html = response.content.decode()
    assert "your monthly spending cap of 4 leaves 4" in html
    assert not GenerationJob.objects.exists() and balance(alice) == 500


def test_the_api_answers_the_cap_with_402_and_the_message(alice_api, alice):
    cap(alice, 4)
    body = {"model_id": FLUX, "prompt": "a kite over dunes", "parameters": TWO_SMALL}
    response = alice_api.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")
    assert response.status_code == 402
    assert response.json() == {
        "detail": "This needs 5 credits; your monthly spending cap of 4 leaves 4. "
        "Raise the cap in Settings › Billing to go on.",
        "needed": 5,
        "balance": 4,
    }
    assert not GenerationJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_pass_the_cap(catalog):
    """Twelve 10-credit jobs race under a 50-credit cap with plenty of balance: exactly five win."""
    user = make_user(email="racer@example.com", credits=500)
    cap(user, 50)
    jobs = [make_job(user=user, model=FLUX, credits_reserved=10) for _ in range(12)]
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def reserve(job) -> None:
        barrier.wait()
        try:
            billing.reserve_for_job(job)
            outcomes.append("won")
        except billing.SpendingCapReached:
            outcomes.append("capped")
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a reservation hung"
    assert outcomes.count("won") == 5 and outcomes.count("capped") == 7
    assert balance(user) == 450 == billing.ledger_total(user)


# -- alerts ---------------------------------------------------------------------------------------------


def test_each_threshold_alerts_once_and_the_cap_says_so(alice):
    cap(alice, 100, [50, 80, 100])
    charge(alice, 49)
    assert told(alice) == []
    charge(alice, 1)  # 50 %
    charge(alice, 20)  # 70 %: nothing new
    charge(alice, 10)  # 80 %
    charge(alice, 5)
    charge(alice, 15)  # 100 %
    assert told(alice) == [
        ("credits.alert", {"threshold": 50, "spent": 50, "cap": 100}),
        ("credits.alert", {"threshold": 80, "spent": 80, "cap": 100}),
        ("credits.cap_reached", {"spent": 100, "cap": 100}),
    ]
    notified = Notification.objects.filter(user=alice, event__verb__startswith="credits.")
    assert sorted(notified.values_list("reason", flat=True)) == ["credits"] * 3
    assert sorted(CreditAlert.objects.filter(user=alice).values_list("threshold", flat=True)) == [50, 80, 100]


def test_a_charge_crossing_two_thresholds_tells_once_about_the_higher(alice):
    cap(alice, 100, [50, 80])
    charge(alice, 85)
    assert told(alice) == [("credits.alert", {"threshold": 80, "spent": 85, "cap": 100})]
    charge(alice, 5)
    assert len(told(alice)) == 1  # 50 % was marked as told with 80 %
    assert sorted(CreditAlert.objects.values_list("threshold", flat=True)) == [50, 80]


def test_alerts_come_again_next_month_but_never_twice_in_one(alice):
    cap(alice, 100, [50])
    charge(alice, 60)
    charge(alice, 10)
    assert len(told(alice)) == 1
    last_month = timezone.now() - timedelta(days=40)
    CreditEntry.objects.filter(user=alice).update(created_at=last_month)
    CreditAlert.objects.update(month=last_month.date().replace(day=1))
    charge(alice, 20)  # 20 % of this month
    assert len(told(alice)) == 1
    charge(alice, 30)  # 50 % of this month
    assert told(alice)[-1] == ("credits.alert", {"threshold": 50, "spent": 50, "cap": 100})
    assert len(told(alice)) == 2


def test_no_alerts_without_a_cap_or_with_none_chosen(alice, bob):
    charge(alice, 400)
    cap(bob, 100, [])
    charge(bob, 100)
    assert told(alice) == [] and told(bob) == []


def test_team_charges_raise_no_personal_alerts(alice):
    team = create_team(alice, "Poster studio")
    teams.transfer_credits(team, by=alice, amount=100)
    cap(alice, 10, [50])
    job = make_job(user=alice, model=FLUX, credits_reserved=8, workspace=team)
    billing.reserve_for_job(job)
    billing.settle_job(job, 8)
    assert told(alice) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_settles_record_a_threshold_once(catalog):
    """Six settles race, each seeing 60 of 100 spent: the 50 % alert is written and told exactly once."""
    user = make_user(email="settler@example.com", credits=500)
    cap(user, 100, [50])
    jobs = [make_job(user=user, model=FLUX, credits_reserved=10) for _ in range(6)]
    for job in jobs:
        billing.reserve_for_job(job)
    barrier = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def settle(job) -> None:
        barrier.wait()
        try:
            billing.settle_job(job, 10)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=settle, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a settle hung"
    assert failures == []
    assert CreditAlert.objects.filter(user=user).count() == 1
    assert told(user) == [("credits.alert", {"threshold": 50, "spent": 60, "cap": 100})]
    assert CreditEntry.objects.filter(user=user, kind="settle").count() == 6


# -- the Billing tab ------------------------------------------------------------------------------------


def test_the_tab_saves_the_cap_and_alerts(alice_browser, alice):
    url = reverse("settings_billing")
    response = alice_browser.post(url, {"monthly_cap": "2000", "alert_thresholds": ["50", "90"]})
    assert response.status_code == 302
    row = SpendingLimit.objects.get(user=alice)
    assert (row.monthly_cap, row.alert_thresholds) == (2000, [50, 90])
    html = alice_browser.get(url).content.decode()
    assert 'name="monthly_cap"' in html and 'value="2000"' in html
    assert 'value="90" checked' in html and 'value="80">' in html


def test_the_tab_refuses_a_bad_cap_and_keeps_the_old_one(alice_browser, alice):
    cap(alice, 300)
    response = alice_browser.post(reverse("settings_billing"), {"monthly_cap": "-5", "alert_thresholds": ["50"]})
    assert response.status_code == 422
    assert "The cap cannot be negative." in response.content.decode()
    response = alice_browser.post(reverse("settings_billing"), {"monthly_cap": "10", "alert_thresholds": ["33"]})
    assert response.status_code == 422 and "Choose the alert percentages from the list." in response.content.decode()
    assert SpendingLimit.objects.get(user=alice).monthly_cap == 300


def test_the_tab_shows_spending_against_the_cap_and_when_it_is_reached(alice_browser, alice):
    cap(alice, 40)
    charge(alice, 30)
    html = alice_browser.get(reverse("settings_billing")).content.decode()
    assert 'data-testid="cap-spent">30<' in html and "10 left" in html
    assert 'data-testid="cap-reached"' not in html
    charge(alice, 10)
    html = alice_browser.get(reverse("settings_billing")).content.decode()
    assert 'data-testid="cap-reached"' in html and "0 left" in html


# -- the API --------------------------------------------------------------------------------------------


def put_limits(client, body) -> object:
    return client.put("/api/credits/limits", json.dumps(body), content_type="application/json")


def test_the_api_reads_and_sets_the_limits(alice_api, alice):
    first = alice_api.get("/api/credits/limits").json()
    assert (first["monthly_cap"], first["alert_thresholds"], first["left_month"]) == (None, [50, 80, 100], None)
    charge(alice, 30)
    saved = put_limits(alice_api, {"monthly_cap": 2000, "alert_thresholds": [80, 50, 100]})
    assert saved.status_code == 200
    assert saved.json()["alert_thresholds"] == [50, 80, 100]
    assert (saved.json()["spent_month"], saved.json()["left_month"]) == (30, 1970)
    kept = put_limits(alice_api, {"alert_thresholds": [90]})  # the cap, left out, stays
    assert (kept.json()["monthly_cap"], kept.json()["alert_thresholds"]) == (2000, [90])
    cleared = put_limits(alice_api, {"monthly_cap": None})
    assert (cleared.json()["monthly_cap"], cleared.json()["alert_thresholds"]) == (None, [90])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"monthly_cap": -1}, "monthly_cap"),
        ({"monthly_cap": "2000"}, "monthly_cap"),
        ({"monthly_cap": True}, "monthly_cap"),
        ({"monthly_cap": 10_000_001}, "monthly_cap"),
        ({"alert_thresholds": [0]}, "alert_thresholds"),
        ({"alert_thresholds": [101]}, "alert_thresholds"),
        ({"alert_thresholds": "50,80"}, "alert_thresholds"),
        ({"alert_thresholds": [10, 20, 30, 40, 50, 60]}, "alert_thresholds"),
    ],
)
def test_the_api_refuses_bad_limits_with_422_naming_the_field(alice_api, alice, body, field):
    cap(alice, 100, [50])
    response = put_limits(alice_api, body)
    assert response.status_code == 422 and response.json()["field"] == field
    row = SpendingLimit.objects.get(user=alice)
    assert (row.monthly_cap, row.alert_thresholds) == (100, [50])


def test_the_limits_api_needs_a_login(client):
    assert client.get("/api/credits/limits").status_code == 401
