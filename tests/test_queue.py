"""Queue order: priority, fair share between users, per-user concurrency, scheduled jobs; API steering."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from imagestudio.catalog.models import AIModel
from imagestudio.generation import jobqueue, services
from imagestudio.generation.models import GenerationJob, JobStatus
from tests.factories import RECORD_TASKS_ONLY, enqueue_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_inline_tasks(settings):
    settings.TASKS = RECORD_TASKS_ONLY  # these tests drive the queue by hand


def queued(user, prompt="x", **request_fields) -> GenerationJob:
    return enqueue_job(user=user, prompt=prompt, **request_fields)


def test_higher_priority_runs_first(alice):
    low = queued(alice, "low")
    high = queued(alice, "high", priority=5)
    assert jobqueue.claim_next("w").pk == high.pk
    assert jobqueue.claim_next("w").pk == low.pk


def test_users_take_turns(alice, bob, settings):
    settings.USER_MAX_CONCURRENT_JOBS = 10
    alices = [queued(alice, f"a{i}") for i in range(3)]
    bobs = queued(bob, "b0")
    order = [jobqueue.claim_next("w").prompt for _ in range(4)]
    assert order == ["a0", "b0", "a1", "a2"]
    assert {j.pk for j in alices} | {bobs.pk} == set(
        GenerationJob.objects.filter(status="running").values_list("pk", flat=True)
    )


def test_a_user_at_the_limit_waits_while_others_run(alice, bob, settings):
    settings.USER_MAX_CONCURRENT_JOBS = 2
    for i in range(4):
        queued(alice, f"a{i}")
    queued(bob, "b0")
    claimed = [jobqueue.claim_next("w") for _ in range(4)]
    assert [job.prompt if job else None for job in claimed] == ["a0", "b0", "a1", None]


def test_scheduled_jobs_wait_for_their_time(alice):
    later = queued(alice, "later", run_after=timezone.now() + timedelta(minutes=5))
    assert jobqueue.claim_next("w") is None
    GenerationJob.objects.filter(pk=later.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    assert jobqueue.claim_next("w").pk == later.pk


def test_retry_later_backs_off_then_gives_up(alice, settings):
    settings.JOB_RETRY_BASE_SECONDS = 10
    job = jobqueue.claim(queued(alice).pk, "w")
    for retry, base in ((1, 10), (2, 20)):  # the delay doubles with each retry, jittered by ±50 %
        before = timezone.now()
        assert jobqueue.retry_later(job, "fal said 503", max_retries=2)
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED and job.retry_count == retry
        assert timedelta(seconds=base / 2) <= job.run_after - before <= timedelta(seconds=base * 1.5 + 1)
        assert "Retrying" in job.progress_message
        assert jobqueue.claim(job.pk, "w") is None  # not before its time
        GenerationJob.objects.filter(pk=job.pk).update(run_after=None)
        job = jobqueue.claim(job.pk, "w")
    assert jobqueue.retry_later(job, "again", max_retries=2) is False
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.retry_count == 2  # left for the caller to fail


def api(client, method, path, body=None):
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


def test_the_queue_api_lists_cancels_and_retries(alice_api, alice):
    job = queued(alice, "a cat")
    listing = alice_api.get("/api/generate/queue", {"status": "queued,running"}).json()
    assert [row["id"] for row in listing["items"]] == [str(job.pk)]
    canceled = alice_api.delete(f"/api/generate/queue/{job.pk}")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert alice_api.delete(f"/api/generate/queue/{job.pk}").status_code == 409
    retried = api(alice_api, "post", f"/api/generate/queue/{job.pk}/retry")
    assert retried.status_code == 202
    assert retried.json()["id"] != str(job.pk) and retried.json()["prompt"] == "a cat"
    assert retried.json()["parameters"]["seed"] == job.parameters["seed"]
    history = alice_api.get("/api/generate/history").json()
    assert [row["id"] for row in history["items"]] == [str(job.pk)]


def test_running_jobs_cannot_be_retried(alice_api, alice):
    job = queued(alice)
    assert api(alice_api, "post", f"/api/generate/queue/{job.pk}/retry").status_code == 409


def test_images_generate_is_the_same_as_text_to_image(alice_api):
    response = api(
        alice_api,
        "post",
        "/api/images/generate",
        {"model_id": "offline/studio-v1", "prompt": "moon", "parameters": {"aspect_ratio": "21:9"}},
    )
    assert response.status_code == 202
    assert (response.json()["width"], response.json()["height"]) == (1536, 640)


def test_the_queue_page_shows_position_and_eta(alice_browser, alice):
    queued(alice, "first")
    queued(alice, "second")
    jobqueue.update_queue_positions()
    page = alice_browser.get("/queue/").content.decode()
    assert "position 2" in page and "ETA" in page


def test_a_batch_is_queued_all_or_nothing(alice, settings):
    settings.FAL_KEY = "k"
    settings.USER_MAX_QUEUED_JOBS = 1000  # this test is about credits, not the queue cap
    model = AIModel.objects.get(endpoint_id="fal-ai/flux/schnell")
    requests = [services.GenerationRequest(user=alice, model=model, prompt=f"p{i}", parameters={}) for i in range(50)]
    jobs = services.enqueue_batch(requests)
    assert len(jobs) == 50 and GenerationJob.objects.count() == 50
    from imagestudio.billing.services import ledger_total

    alice.refresh_from_db()
    assert alice.credits_balance == 450 and ledger_total(alice) == 450
    bad = [*requests[:3], services.GenerationRequest(user=alice, model=model, prompt="", parameters={})]
    with pytest.raises(services.params.ParameterError) as error:
        services.enqueue_batch(bad)
    assert error.value.field == "batch[3].prompt"
    too_many = [services.GenerationRequest(user=alice, model=model, prompt="x", parameters={}) for _ in range(451)]
    with pytest.raises(services.billing.InsufficientCredits):
        services.enqueue_batch(too_many)
    assert GenerationJob.objects.count() == 50


def test_etas_come_from_recent_run_times(alice):
    from imagestudio.generation import selectors

    now = timezone.now()
    for seconds in (4, 8):
        job = queued(alice, f"done in {seconds}")
        GenerationJob.objects.filter(pk=job.pk).update(
            status="succeeded", started_at=now - timedelta(seconds=seconds), completed_at=now
        )
    assert selectors.typical_duration(job.model_id) == pytest.approx(6.0, abs=0.01)
    waiting = queued(alice, "waiting")
    GenerationJob.objects.filter(pk=waiting.pk).update(queue_position=2)
    waiting.refresh_from_db()
    [(_, timing)] = selectors.with_timings([waiting])
    assert timing.eta_seconds == pytest.approx(18.0, abs=0.05)
