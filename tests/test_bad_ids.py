"""Malformed ids, numbers and cursors are the caller's mistake: a 4xx naming what is wrong, never a 500."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.django_db


def cursor_of(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


TAMPERED_CURSORS = [
    "abc",
    "%%%",
    cursor_of("2026-01-01T00:00:00+00:00|not-a-uuid"),
    cursor_of("2026-01-01T00:00:00|6f1c1e9e-8e55-4c1e-9f0e-2b7d6c1d2a10"),  # no zone
    cursor_of("yesterday|6f1c1e9e-8e55-4c1e-9f0e-2b7d6c1d2a10"),
    cursor_of("no separator"),
]


@pytest.mark.parametrize("cursor", TAMPERED_CURSORS)
@pytest.mark.parametrize("path", ["/api/generate/queue", "/api/generate/history", "/api/images"])
def test_tampered_cursors_are_a_400_naming_the_cursor(alice_api, path, cursor):
    response = alice_api.get(path, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["field"] == "cursor"


@pytest.mark.parametrize("cursor", TAMPERED_CURSORS)
def test_the_gallery_page_with_a_tampered_cursor_is_not_a_server_error(alice_browser, cursor):
    assert 400 <= alice_browser.get("/gallery/", {"cursor": cursor}).status_code < 500


@pytest.mark.parametrize(
    "query",
    [{"preset": "abc"}, {"preset": "1' OR '1'='1"}, {"from": "abc"}, {"from": "00000000-0000-0000-0000-000000000000"}],
)
def test_the_generate_page_with_a_bad_reference_is_a_404(alice_browser, query):
    assert alice_browser.get("/generate/", query).status_code == 404


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e999", "abc", ""])
def test_odd_resolutions_never_break_the_generate_page_or_the_estimate(alice_browser, value):
    assert alice_browser.get("/generate/", {"resolution": value}).status_code == 200
    estimate = alice_browser.get(
        "/generate/estimate/", {"model": "offline/studio-v1", "aspect_ratio": "1:1", "resolution": value}
    )
    assert estimate.status_code == 200


@pytest.mark.parametrize(
    ("job_id", "status"), [("abc", 422), ("0", 422), ("6f1c1e9e-8e55-4c1e-9f0e-2b7d6c1d2a10", 404)]
)
def test_unknown_or_malformed_job_ids_are_4xx_over_the_api(alice_api, job_id, status):
    assert alice_api.get(f"/api/generate/queue/{job_id}/status").status_code == status


def test_someone_elses_job_is_a_404(alice, bob_api, alice_api):
    from tests.factories import enqueue_job

    job = enqueue_job(user=alice)
    assert bob_api.get(f"/api/generate/queue/{job.pk}/status").status_code == 404
    assert bob_api.delete(f"/api/generate/queue/{job.pk}").status_code == 404
    assert alice_api.get(f"/api/generate/queue/{job.pk}/status").status_code == 200


def test_next_redirects_stay_on_this_site(alice, alice_browser):
    from tests.factories import enqueue_job

    job = enqueue_job(user=alice)
    evil = alice_browser.post(f"/generate/jobs/{job.pk}/cancel/", {"next": "https://evil.example/phish"})
    assert evil.status_code == 302 and evil["Location"] == "/generate/"
    job2 = enqueue_job(user=alice)
    local = alice_browser.post(f"/generate/jobs/{job2.pk}/cancel/", {"next": "/queue/"})
    assert local["Location"] == "/queue/"


@pytest.mark.parametrize(
    "raw", ['["x", 5]', '["x", null]', '["x", [1]]', '[5, "6f1c1e9e-8e55-4c1e-9f0e-2b7d6c1d2a10"]']
)
def test_a_keyset_cursor_with_a_wrong_type_inside_is_a_400(alice_api, raw):
    response = alice_api.get("/api/projects", {"cursor": cursor_of(raw), "sort": "name"})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "cursor"
