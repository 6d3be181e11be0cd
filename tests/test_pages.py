from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from imagestudio.generation.models import GenerationJob, WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_the_landing_page_is_public(catalog):
    response = Client().get("/")
    assert response.status_code == 200
    assert b"Sign up" in response.content


def test_signed_in_pages_need_a_login(catalog):
    for path in ("/dashboard/", "/generate/", "/images/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_generate_page_offers_the_offline_engine_plainly(alice_browser):
    response = alice_browser.get("/generate/")
    assert response.status_code == 200
    assert b'data-testid="offline-banner"' in response.content
    assert b"offline/studio-v1" in response.content


def test_generating_from_the_page_returns_a_job_card(alice_browser, run_tasks):
    with run_tasks():
        response = alice_browser.post(
            "/generate/",
            {
                "model": "offline/studio-v1",
                "prompt": "pastel flowers in a garden",
                "aspect_ratio": "custom",
                "width": 256,
                "height": 256,
                "num_images": 1,
                "style": "watercolor",
            },
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert b'data-testid="job-card"' in response.content
    job = GenerationJob.objects.get()
    assert job.parameters["style"] == "watercolor"
    card = alice_browser.get(f"/generate/jobs/{job.pk}/")
    assert b'data-status="succeeded"' in card.content and b'data-testid="result-image"' in card.content


def test_page_errors_point_at_the_field(alice_browser):
    response = alice_browser.post(
        "/generate/",
        {"model": "offline/studio-v1", "prompt": "x", "aspect_ratio": "custom", "num_images": 1},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Retarget"] == "#generate-form"
    assert b"Enter a width" in response.content
    assert GenerationJob.objects.count() == 0


def test_pages_work_without_javascript(alice_browser, run_tasks):
    with run_tasks():
        response = alice_browser.post(
            "/generate/",
            {"model": "offline/studio-v1", "prompt": "a city at night", "aspect_ratio": "1:1", "num_images": 1},
        )
    assert response.status_code == 302
    assert GenerationJob.objects.get().status == "succeeded"


def test_healthz_reports_each_part(catalog):
    response = Client().get("/healthz")
    body = response.json()
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert response.status_code == 503 and body["checks"]["worker"]["ok"] is False
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1, started_at=now, last_seen=now)
    healthy = Client().get("/healthz")
    assert healthy.status_code == 200 and healthy.json()["status"] == "ok"
