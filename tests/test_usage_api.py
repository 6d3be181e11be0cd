"""GET /api/usage/{stats,daily,monthly,by-model} and /api/credits/{balance,history}, over ledger and usage
rows written by the billing service's own commands (reserve, settle, refund, log_usage)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagestudio.accounts import api_keys
from imagestudio.billing import services as billing
from imagestudio.billing import usage
from imagestudio.billing.models import CreditEntry, UsageLog
from imagestudio.catalog.models import AIModel
from imagestudio.preferences.services import update_settings
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.factories import OFFLINE, make_job, make_project

pytestmark = pytest.mark.django_db
FLUX = "fal-ai/flux/dev"


def run_job(
    user,
    *,
    model: str = FLUX,
    reserved: int,
    charged: int | None = None,
    images: int = 1,
    seconds: float | None = None,
    at: datetime | None = None,
    **fields,
):
    """A job through the ledger: reserved, then settled at `charged` (succeeded) or refunded (None: failed),
    with its usage log. `at` moves all its rows to that moment."""
    job = make_job(user=user, model=model, credits_reserved=reserved, num_images=images, status="running", **fields)
    billing.reserve_for_job(job)
    if charged is None:
        billing.refund_job(job)
        job.status = "failed"
    else:
        billing.settle_job(job, charged)
        job.status = "succeeded"
    job.save(update_fields=["status", "credits_charged"])
    billing.log_usage(job, success=charged is not None, generation_time=seconds if charged is not None else None)
    if at is not None:
        CreditEntry.objects.filter(job=job).update(created_at=at)
        UsageLog.objects.filter(job=job).update(created_at=at)
    return job


def model_of(endpoint: str) -> AIModel:
    return AIModel.objects.get(endpoint_id=endpoint)


def get(client: Client, path: str, **params):
    return client.get(f"/api/{path}", params)


# -- stats --------------------------------------------------------------------------------------------


def test_stats_add_up_the_users_own_jobs_and_spending_net_of_refunds(alice, bob, alice_api):
    now = timezone.now()
    run_job(alice, reserved=120, charged=100, images=2, seconds=2.0)  # 20 given back at settling
    run_job(alice, reserved=30)  # failed: refunded in full
    run_job(alice, model=OFFLINE, reserved=10, charged=10, seconds=4.0, at=now - timedelta(days=40))
    run_job(bob, reserved=50, charged=50, images=4, seconds=9.0)
    flux = model_of(FLUX)

    response = get(alice_api, "usage/stats")

    assert response.status_code == 200
    body = response.json()
    assert body["most_used_model"] == {"id": str(flux.pk), "name": flux.name, "display_name": flux.display_name}
    del body["most_used_model"], body["month_start"]
    assert body == {
        "images_generated": 3,
        "jobs_succeeded": 2,
        "jobs_failed": 1,
        "credits_spent_total": 110,
        "credits_spent_month": 100,
        "credits_spent_30_days": 100,
        "average_generation_time": 3.0,
    }


def test_stats_of_a_new_user_are_zeros(alice_api):
    body = get(alice_api, "usage/stats").json()
    assert (body["images_generated"], body["jobs_succeeded"], body["credits_spent_total"]) == (0, 0, 0)
    assert (body["average_generation_time"], body["most_used_model"]) == (None, None)


def test_jobs_paid_by_a_team_are_not_personal_usage(alice, alice_api):
    team = create_team(alice, "Studio")
    billing.transfer_to_team(user=alice, workspace=team, amount=200)
    project = make_project(user=alice, workspace=team)
    run_job(alice, reserved=40, charged=40, project=project, workspace=team)

    stats = get(alice_api, "usage/stats").json()

    assert (stats["jobs_succeeded"], stats["credits_spent_total"]) == (0, 0)
    assert get(alice_api, "credits/balance").json()["teams"] == [
        {"workspace_id": str(team.pk), "name": "Studio", "balance": 160}
    ]


# -- daily and monthly ----------------------------------------------------------------------------------


def test_daily_rows_cover_every_day_oldest_first_with_zeros(alice, bob, alice_api):
    now = timezone.now()
    run_job(alice, reserved=20, charged=15, images=3, seconds=1.0)
    run_job(alice, reserved=8, at=now - timedelta(days=2))  # failed two days ago: a job, no images, no credits
    run_job(alice, reserved=5, charged=5, at=now - timedelta(days=3))  # before the window
    run_job(bob, reserved=50, charged=50)

    rows = get(alice_api, "usage/daily", days=3).json()

    today = timezone.localdate(now)
    assert rows == [
        {"date": str(today - timedelta(days=2)), "jobs": 1, "images": 0, "credits_spent": 0},
        {"date": str(today - timedelta(days=1)), "jobs": 0, "images": 0, "credits_spent": 0},
        {"date": str(today), "jobs": 1, "images": 3, "credits_spent": 15},
    ]


def test_daily_rows_default_to_30_days(alice_api):
    rows = get(alice_api, "usage/daily").json()
    assert len(rows) == 30 and rows[-1]["date"] == str(timezone.localdate())


def test_days_are_the_users_calendar_days_for_a_bearer_token_too(alice, alice_api):
    update_settings(user=alice, changes={"timezone": "Pacific/Kiritimati"})  # UTC+14: a day ahead of UTC's
    run_job(alice, reserved=10, charged=10)

    rows = get(alice_api, "usage/daily", days=2).json()

    local_today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    assert [row["date"] for row in rows] == [str(local_today - timedelta(days=1)), str(local_today)]
    assert rows[1]["credits_spent"] == 10


def test_a_late_evening_counts_on_the_next_day_east_of_utc(alice):
    late = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)  # 1 April, 05:00 in Tokyo
    run_job(alice, reserved=10, charged=7, at=late)
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)

    in_utc = usage.daily_usage(alice, days=3, now=now, tz=UTC)
    in_tokyo = usage.daily_usage(alice, days=3, now=now, tz=tokyo)

    assert [(b.start, b.jobs, b.credits_spent) for b in in_utc] == [
        (date(2026, 3, 31), 1, 7),
        (date(2026, 4, 1), 0, 0),
        (date(2026, 4, 2), 0, 0),
    ]
    assert [(b.start, b.jobs, b.credits_spent) for b in in_tokyo] == [
        (date(2026, 3, 31), 0, 0),
        (date(2026, 4, 1), 1, 7),
        (date(2026, 4, 2), 0, 0),
    ]


def test_a_single_day_is_one_bucket_with_everything_since_midnight(alice):
    now = datetime(2026, 4, 2, 18, 0, tzinfo=UTC)
    run_job(alice, reserved=10, charged=6, at=datetime(2026, 4, 2, 0, 30, tzinfo=UTC))
    run_job(alice, reserved=10, charged=3, at=datetime(2026, 4, 2, 17, 0, tzinfo=UTC))
    run_job(alice, reserved=10, charged=5, at=datetime(2026, 4, 1, 23, 0, tzinfo=UTC))  # yesterday: left out

    [today] = usage.daily_usage(alice, days=1, now=now, tz=UTC)

    assert (today.start, today.jobs, today.credits_spent) == (date(2026, 4, 2), 2, 9)


def test_months_split_at_the_first_of_the_month_in_the_users_zone(alice):
    run_job(alice, reserved=10, charged=10, images=2, at=datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    run_job(alice, reserved=4, charged=4, at=datetime(2026, 3, 1, 0, 10, tzinfo=UTC))
    # Before the window, in both zones:
    run_job(alice, reserved=9, charged=9, at=datetime(2025, 12, 31, 20, 0, tzinfo=UTC))
    now = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)

    in_utc = usage.monthly_usage(alice, months=3, now=now, tz=UTC)
    in_berlin = usage.monthly_usage(alice, months=3, now=now, tz=zoneinfo.ZoneInfo("Europe/Berlin"))

    assert [(b.start, b.jobs, b.images, b.credits_spent) for b in in_utc] == [
        (date(2026, 1, 1), 0, 0, 0),
        (date(2026, 2, 1), 1, 2, 10),
        (date(2026, 3, 1), 1, 1, 4),
    ]
    # 23:30 UTC on 28 February is 00:30 on 1 March in Berlin.
    assert [(b.start, b.jobs, b.credits_spent) for b in in_berlin] == [
        (date(2026, 1, 1), 0, 0),
        (date(2026, 2, 1), 0, 0),
        (date(2026, 3, 1), 2, 14),
    ]


def test_monthly_rows_reach_back_across_a_year_end(alice, alice_api):
    run_job(alice, reserved=6, charged=6)
    rows = get(alice_api, "usage/monthly", months=14).json()
    this_month = timezone.localdate().replace(day=1)
    assert len(rows) == 14
    assert rows[-1] == {"month": this_month.strftime("%Y-%m"), "jobs": 1, "images": 1, "credits_spent": 6}
    back = this_month.year * 12 + this_month.month - 1 - 13  # 13 months before this one
    assert rows[0]["month"] == f"{back // 12:04d}-{back % 12 + 1:02d}"
    months = [row["month"] for row in rows]
    assert months == sorted(set(months))  # distinct, oldest first
    assert sum(row["jobs"] for row in rows) == 1


# -- by model -------------------------------------------------------------------------------------------


def test_by_model_counts_jobs_images_credits_success_and_average_time(alice, bob, alice_api):
    now = timezone.now()
    run_job(alice, reserved=120, charged=100, images=2, seconds=2.0)
    run_job(alice, reserved=50, charged=50, images=1, seconds=5.0)
    run_job(alice, reserved=30)  # failed, refunded
    run_job(alice, model=OFFLINE, reserved=10, charged=10, seconds=1.0)
    run_job(alice, model=OFFLINE, reserved=10, charged=10, seconds=1.0, at=now - timedelta(days=8))
    run_job(bob, model=OFFLINE, reserved=50, charged=50, seconds=9.0)
    flux, offline = model_of(FLUX), model_of(OFFLINE)

    rows = get(alice_api, "usage/by-model", days=7).json()

    assert rows == [
        {
            "model": {"id": str(flux.pk), "name": flux.name, "display_name": flux.display_name},
            "jobs": 3,
            "images": 3,
            "credits_spent": 150,
            "success_rate": 0.6667,
            "average_generation_time": 3.5,
        },
        {
            "model": {"id": str(offline.pk), "name": offline.name, "display_name": offline.display_name},
            "jobs": 1,
            "images": 1,
            "credits_spent": 10,
            "success_rate": 1.0,
            "average_generation_time": 1.0,
        },
    ]


# -- credits --------------------------------------------------------------------------------------------


def test_balance_shows_what_running_jobs_hold_and_this_months_spending(alice, bob, alice_api):
    run_job(alice, reserved=60, charged=45)
    running = make_job(user=alice, model=FLUX, credits_reserved=25, status="running")
    billing.reserve_for_job(running)
    finished = make_job(user=bob, model=FLUX, credits_reserved=70, status="running")
    billing.reserve_for_job(finished)  # bob's hold is not alice's

    body = get(alice_api, "credits/balance").json()

    assert (body["balance"], body["reserved"], body["spent_month"], body["teams"]) == (430, 25, 70, [])


def test_balance_lists_teams_the_user_belongs_to_in_any_role_and_no_others(alice, bob, alice_api):
    viewer_team = create_team(bob, "Bob's team")
    set_member(viewer_team, alice, Role.VIEWER)
    billing.transfer_to_team(user=bob, workspace=viewer_team, amount=75)
    create_team(bob, "Not Alice's")

    teams = get(alice_api, "credits/balance").json()["teams"]

    assert teams == [{"workspace_id": str(viewer_team.pk), "name": "Bob's team", "balance": 75}]


def test_history_pages_through_the_ledger_without_repeats(alice, bob, alice_api):
    job = run_job(alice, reserved=120, charged=100)
    run_job(alice, reserved=30)
    run_job(bob, reserved=5, charged=5)
    expected = list(
        CreditEntry.objects.filter(user=alice, workspace=None)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert len(expected) == 5  # the starting grant, reserve + settle, reserve + refund

    seen, cursor, pages = [], "", 0
    while True:
        body = get(alice_api, "credits/history", limit=2, cursor=cursor).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert pages == 3
    assert seen == [str(pk) for pk in expected]
    settle = get(alice_api, "credits/history", limit=100).json()["items"]
    by_id = {item["id"]: item for item in settle}
    settled = CreditEntry.objects.get(job=job, kind="settle")
    assert by_id[str(settled.pk)] | {"created_at": None} == {
        "id": str(settled.pk),
        "kind": "settle",
        "amount": 20,
        "balance_after": settled.balance_after,
        "note": "Charged 100 credits",
        "job_id": str(job.pk),
        "model_name": model_of(FLUX).display_name,
        "created_at": None,
    }


def test_a_tampered_cursor_is_a_400_naming_the_cursor(alice_api):
    response = get(alice_api, "credits/history", cursor="not-a-cursor")
    assert response.status_code == 400 and response.json()["field"] == "cursor"


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("usage/daily", "days", "0"),
        ("usage/daily", "days", "366"),
        ("usage/daily", "days", "ten"),
        ("usage/monthly", "months", "0"),
        ("usage/monthly", "months", "37"),
        ("usage/by-model", "days", "366"),
        ("credits/history", "limit", "0"),
        ("credits/history", "limit", "101"),
    ],
)
def test_ranges_out_of_bounds_answer_422_naming_the_field(alice_api, path, field, value):
    response = get(alice_api, path, **{field: value})
    assert response.status_code == 422
    assert response.json()["field"] == field and "whole number" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "field", "value", "rows"), [("usage/daily", "days", "365", 365), ("usage/monthly", "months", "36", 36)]
)
def test_the_largest_ranges_are_allowed(alice_api, path, field, value, rows):
    assert len(get(alice_api, path, **{field: value}).json()) == rows


# -- auth and cost --------------------------------------------------------------------------------------

PATHS = ["usage/stats", "usage/daily", "usage/monthly", "usage/by-model", "credits/balance", "credits/history"]


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_callers_get_401(client, path):
    assert client.get(f"/api/{path}").status_code == 401


def test_a_read_only_api_key_and_a_browser_session_may_read_everything(alice, alice_browser):
    _, raw = api_keys.create_key(user=alice, name="reader", scopes=["read"], expires_in_days=None)
    reader = Client(headers={"Authorization": f"Bearer {raw}"})
    for path in PATHS:
        assert reader.get(f"/api/{path}").status_code == 200, path
        assert alice_browser.get(f"/api/{path}").status_code == 200, path


def _queries(client: Client) -> dict[str, int]:
    counts = {}
    for path in PATHS:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/{path}").status_code == 200
        counts[path] = len(captured)
    return counts


def test_query_counts_do_not_grow_with_history(alice, alice_api):
    team = create_team(alice, "One")
    run_job(alice, reserved=10, charged=10)
    _queries(alice_api)  # the first request creates the user's settings row (read for their time zone)
    before = _queries(alice_api)
    create_team(alice, "Two")
    for days_ago in range(6):
        at = timezone.now() - timedelta(days=days_ago * 20)
        run_job(alice, reserved=12, charged=10, images=2, seconds=1.5, at=at)
        run_job(alice, model=OFFLINE, reserved=3, at=at)
    billing.transfer_to_team(user=alice, workspace=team, amount=5)
    assert _queries(alice_api) == before


def test_the_routes_are_documented_at_their_exact_paths_with_their_errors(alice_api):
    paths = alice_api.get("/api/openapi.json").json()["paths"]
    documented = {path: set(paths[f"/api/{path}"]["get"]["responses"]) for path in PATHS}
    assert documented == {
        "usage/stats": {"200", "401", "403"},
        "usage/daily": {"200", "401", "403", "422"},
        "usage/monthly": {"200", "401", "403", "422"},
        "usage/by-model": {"200", "401", "403", "422"},
        "credits/balance": {"200", "401", "403"},
        "credits/history": {"200", "400", "401", "403", "422"},
    }
