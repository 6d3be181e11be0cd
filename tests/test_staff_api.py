"""The staff API under /api/admin: who may call it, exact numbers from known rows, the model switch, paging
and fixed query counts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagestudio.accounts.models import ApiToken, User
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from tests.conftest import bearer_client
from tests.factories import OFFLINE, enqueue_job, make_image, make_job, make_user

pytestmark = pytest.mark.django_db

OTHER = "offline/studio-turbo"
ROUTES = [
    ("get", "/api/admin/users"),
    ("get", "/api/admin/stats"),
    ("put", "/api/admin/models/{model_id}/toggle"),
    ("get", "/api/admin/usage-overview"),
]


@pytest.fixture
def staff(catalog):
    user = make_user(email="staff@example.com", name="Sam Staff", credits=500)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def staff_api(staff) -> Client:
    return bearer_client(staff)


def offline(endpoint: str = OFFLINE) -> AIModel:
    return AIModel.objects.get(endpoint_id=endpoint)


def call(client: Client, method: str, path: str, **kwargs):
    path = path.format(model_id=offline().pk)
    return getattr(client, method)(path, content_type="application/json", **kwargs)


def at_day(offset: int, hour: int = 12) -> datetime:
    """`hour` o'clock local time `offset` days before today."""
    day = timezone.localdate() - timedelta(days=offset)
    return timezone.make_aware(datetime.combine(day, time(hour)))


# --- who may call ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_callers_get_401(catalog, method, path):
    response = call(Client(), method, path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_signed_in_non_staff_get_403_by_token_and_by_session(alice, alice_api, alice_browser, method, path):
    for client in (alice_api, alice_browser):
        response = call(client, method, path)
        assert response.status_code == 403
        assert response.json() == {"detail": "This is for staff only."}
    assert offline().is_active  # the refused toggle changed nothing


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_staff_by_session_may_call_every_route(staff, method, path):
    client = Client()
    client.force_login(staff)
    assert call(client, method, path).status_code == 200


def test_a_staff_api_key_keeps_its_scopes(staff):
    _, raw = ApiToken.issue(staff, "read only", kind=ApiToken.Kind.KEY, scopes=["read"])
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/admin/stats").status_code == 200
    response = call(client, "put", "/api/admin/models/{model_id}/toggle")
    assert response.status_code == 403
    assert response.json() == {"detail": "This key lacks the 'manage' scope."}
    assert offline().is_active


def test_every_route_is_documented_with_its_errors(catalog):
    paths = Client().get("/api/openapi.json").json()["paths"]
    expected = {
        ("get", "/api/admin/users"): {"200", "400", "401", "403"},
        ("get", "/api/admin/stats"): {"200", "401", "403"},
        ("put", "/api/admin/models/{model_id}/toggle"): {"200", "401", "403", "404"},
        ("get", "/api/admin/usage-overview"): {"200", "401", "403", "422"},
    }
    for (method, path), statuses in expected.items():
        assert set(paths[path][method]["responses"]) == statuses


# --- users ------------------------------------------------------------------------------------------------


def test_users_lists_each_account_with_its_image_and_job_counts(alice, bob, staff, staff_api):
    make_image(user=alice)
    trashed = make_image(user=alice, seed=8)
    Image.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    for status in ("queued", "succeeded", "failed"):
        make_job(user=alice, status=status)
    make_job(user=bob)

    body = staff_api.get("/api/admin/users").json()

    assert body["next_cursor"] is None
    assert [item["email"] for item in body["items"]] == ["staff@example.com", "bob@example.com", "alice@example.com"]
    first_alice = body["items"][2]
    assert first_alice == {
        "id": str(alice.pk),
        "email": "alice@example.com",
        "name": "Alice",
        "is_staff": False,
        "is_active": True,
        "credits_balance": 500,
        "subscription_tier": "free",
        "created_at": first_alice["created_at"],
        "last_login": None,
        "image_count": 1,  # the trashed one is not counted
        "job_count": 3,
    }
    assert abs(datetime.fromisoformat(first_alice["created_at"]) - alice.created_at) < timedelta(milliseconds=1)
    assert [(i["image_count"], i["job_count"], i["is_staff"]) for i in body["items"][:2]] == [
        (0, 0, True),
        (0, 1, False),
    ]


def test_users_search_matches_email_or_name_case_insensitively(alice, bob, staff, staff_api):
    by_name = staff_api.get("/api/admin/users", {"q": "ALI"}).json()["items"]
    by_email = staff_api.get("/api/admin/users", {"q": "bob@EXAMPLE"}).json()["items"]
    nobody = staff_api.get("/api/admin/users", {"q": "zebra"}).json()["items"]
    assert [u["email"] for u in by_name] == ["alice@example.com"]
    assert [u["email"] for u in by_email] == ["bob@example.com"]
    assert nobody == []


def test_users_pages_with_a_cursor_without_repeats_or_gaps(staff, staff_api):
    same_moment = timezone.now() - timedelta(hours=1)  # ties on created_at are broken by id
    made = {str(User.objects.create(email=f"u{i}@example.com", created_at=same_moment).pk) for i in range(5)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = staff_api.get("/api/admin/users", params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3  # 6 accounts, 2 a page
    assert len(seen) == len(set(seen)) == 6
    assert set(seen) == made | {str(staff.pk)}
    assert seen[0] == str(staff.pk)  # newest first


def test_users_answers_400_for_a_tampered_cursor(staff_api):
    response = staff_api.get("/api/admin/users", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["field"] == "cursor"


# --- stats ------------------------------------------------------------------------------------------------


def test_stats_counts_users_jobs_images_spend_and_recent_failures(alice, bob, staff, staff_api):
    User.objects.filter(pk=bob.pk).update(created_at=timezone.now() - timedelta(days=8))
    for status, count in (("queued", 1), ("running", 2), ("succeeded", 1), ("canceled", 1)):
        for _ in range(count):
            make_job(user=alice, status=status)
    now = timezone.now()
    # Failures: two on the studio model and one on the sketch model today, one on sketch two days ago.
    make_job(user=alice, status="failed", completed_at=now - timedelta(hours=1))
    make_job(user=bob, status="failed", completed_at=now - timedelta(hours=23))
    make_job(user=alice, model=OTHER, status="failed", completed_at=now - timedelta(minutes=5))
    make_job(user=alice, model=OTHER, status="failed", completed_at=now - timedelta(days=2))
    # Spend: 10 reserved and 6 charged; 5 reserved and refunded; an old charge outside the 30 days.
    charged = make_job(user=alice, status="succeeded", credits_reserved=10)
    billing.reserve_for_job(charged)
    billing.settle_job(charged, 6)
    refunded = make_job(user=bob, status="succeeded", credits_reserved=5)
    billing.reserve_for_job(refunded)
    billing.refund_job(refunded)
    old = make_job(user=bob, status="succeeded", credits_reserved=7)
    billing.reserve_for_job(old)
    CreditEntry.objects.filter(job=old).update(created_at=now - timedelta(days=31))
    billing.grant(alice, 100, "Not spending")
    make_image(user=alice)
    make_image(user=bob, seed=9)

    body = staff_api.get("/api/admin/stats").json()

    assert body["users_total"] == 3
    assert body["users_new_7d"] == 2
    assert body["jobs_by_status"] == {"queued": 1, "running": 2, "succeeded": 4, "failed": 4, "canceled": 1}
    assert body["images_total"] == 2
    assert body["credits_spent_30d"] == 6
    studio, sketch = offline(), offline(OTHER)
    assert body["failures_by_model_24h"] == [
        {"model_id": str(studio.pk), "name": studio.name, "display_name": studio.display_name, "failures": 2},
        {"model_id": str(sketch.pk), "name": sketch.name, "display_name": sketch.display_name, "failures": 1},
    ]


# --- the model switch -------------------------------------------------------------------------------------


def test_toggle_switches_a_model_off_for_generation_and_back_on(alice, alice_api, staff_api):
    model = offline()
    path = f"/api/admin/models/{model.pk}/toggle"

    off = staff_api.put(path, content_type="application/json")
    assert off.status_code == 200
    assert off.json() == {
        "id": str(model.pk),
        "name": model.name,
        "display_name": model.display_name,
        "endpoint_id": OFFLINE,
        "enabled": False,
    }
    with pytest.raises(ParameterError):
        enqueue_job(user=alice)
    refused = alice_api.post(
        "/api/generate/text-to-image", {"prompt": "a fox", "model_id": OFFLINE}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "model_id"
    assert GenerationJob.objects.count() == 0

    on = staff_api.put(path, {"enabled": True}, content_type="application/json")
    assert on.json()["enabled"] is True
    again = staff_api.put(path, {"enabled": True}, content_type="application/json")
    assert again.json()["enabled"] is True  # setting, not flipping
    assert enqueue_job(user=alice).model_id == model.pk


def test_toggle_with_enabled_false_sets_off_and_an_empty_body_flips(staff_api):
    path = f"/api/admin/models/{offline().pk}/toggle"
    assert staff_api.put(path, {"enabled": False}, content_type="application/json").json()["enabled"] is False
    assert staff_api.put(path, {"enabled": False}, content_type="application/json").json()["enabled"] is False
    assert staff_api.put(path, {}, content_type="application/json").json()["enabled"] is True
    assert offline().is_active is True


def test_toggle_answers_404_for_an_unknown_model(staff_api):
    response = staff_api.put(
        "/api/admin/models/00000000-0000-4000-8000-000000000000/toggle", content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no model with this id.", "field": "model_id"}


# --- usage overview ---------------------------------------------------------------------------------------


def test_usage_overview_counts_each_day_and_each_model(alice, staff_api):
    studio, sketch = offline(), offline(OTHER)
    rows = [  # (days ago, model, status, credits charged)
        (0, studio, "succeeded", 4),
        (0, studio, "succeeded", 6),
        (0, sketch, "failed", 0),
        (0, sketch, "queued", 0),
        (1, studio, "succeeded", 3),
        (3, studio, "succeeded", 50),  # outside a 3-day window
    ]
    for ago, model, status, credits in rows:
        job = make_job(user=alice, model=model, status=status, credits_charged=credits)
        GenerationJob.objects.filter(pk=job.pk).update(created_at=at_day(ago))

    body = staff_api.get("/api/admin/usage-overview", {"days": 3}).json()

    today = timezone.localdate()
    assert body["days"] == 3
    assert body["since"] == str(today - timedelta(days=2))
    assert body["daily"] == [
        {"day": str(today - timedelta(days=2)), "jobs": 0, "succeeded": 0, "failed": 0, "credits": 0},
        {"day": str(today - timedelta(days=1)), "jobs": 1, "succeeded": 1, "failed": 0, "credits": 3},
        {"day": str(today), "jobs": 4, "succeeded": 2, "failed": 1, "credits": 10},
    ]
    assert body["by_model"] == [
        {
            "model_id": str(studio.pk),
            "name": studio.name,
            "display_name": studio.display_name,
            "jobs": 3,
            "succeeded": 3,
            "failed": 0,
            "credits": 13,
        },
        {
            "model_id": str(sketch.pk),
            "name": sketch.name,
            "display_name": sketch.display_name,
            "jobs": 2,
            "succeeded": 0,
            "failed": 1,
            "credits": 0,
        },
    ]


@pytest.mark.parametrize(("days", "entries"), [(None, 30), (1, 1), (365, 365)])
def test_usage_overview_answers_one_entry_per_day_asked(staff_api, days, entries):
    params = {} if days is None else {"days": days}
    assert len(staff_api.get("/api/admin/usage-overview", params).json()["daily"]) == entries


@pytest.mark.parametrize("days", [0, 366, -5])
def test_usage_overview_refuses_days_out_of_range(staff_api, days):
    response = staff_api.get("/api/admin/usage-overview", {"days": days})
    assert response.status_code == 422
    assert response.json() == {"detail": "Choose between 1 and 365 days.", "field": "days"}


# --- fixed query counts -----------------------------------------------------------------------------------


def fill(n: int) -> None:
    """n more accounts, each with a job in each of two models (one failed) and an image."""
    for i in range(n):
        user = User.objects.create(email=f"filler{i}-{User.objects.count()}@example.com")
        make_job(user=user, status="succeeded", credits_charged=2)
        make_job(user=user, model=OTHER, status="failed", completed_at=timezone.now())
        make_image(user=user, seed=i)


def counted(client: Client, path: str) -> tuple[int, dict]:
    client.get(path)  # warm up: the token's last-use stamp
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("path", ["/api/admin/users", "/api/admin/stats", "/api/admin/usage-overview"])
def test_queries_do_not_grow_with_rows(staff_api, path):
    fill(1)
    few, _ = counted(staff_api, path)
    fill(4)
    many, body = counted(staff_api, path)
    assert few == many
    if path == "/api/admin/users":
        assert len(body["items"]) == 6 and sum(item["job_count"] for item in body["items"]) == 10
