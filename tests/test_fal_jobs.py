"""Jobs on fal models, end to end through the real fal_client against the local fal emulator:
success, 422, 429 then success, 5xx exhausted, ERROR completion, webhook vs polling, forged webhook,
cancel. The worker's steps (run_next, poll_due) are driven by hand so each test is exact."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from imagestudio.accounts.models import User
from imagestudio.billing.models import CreditEntry, UsageLog
from imagestudio.billing.services import ledger_total
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.generation import fal_jobs, queue, runner, services
from imagestudio.generation.models import GenerationJob, JobStatus
from tests.factories import RECORD_TASKS_ONLY

SMALL = {"width": 256, "height": 256}


@pytest.fixture
def fal(fal_emulator, settings, monkeypatch):
    settings.FAL_KEY = "test-key"
    settings.FAL_TIMEOUT = 5
    settings.TASKS = RECORD_TASKS_ONLY  # the test drives the worker's steps itself
    settings.FAL_WEBHOOK_JWKS_URL = fal_emulator.jwks_url
    monkeypatch.setattr(fal_jobs, "POLL_INTERVAL", fal_jobs.timedelta(milliseconds=20))
    monkeypatch.setattr(fal_jobs, "CHECK_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(queue, "RETRY_BASE_SECONDS", 0.01)
    fal_jobs._provider.cache_clear()
    return fal_emulator


def queue_job(user, endpoint="fal-ai/flux/dev", **params) -> GenerationJob:
    model = AIModel.objects.get(endpoint_id=endpoint)
    return services.enqueue(services.GenerationRequest(user=user, model=model, prompt="a teal lighthouse at dusk",
                                                       parameters={**SMALL, **params}))


def drive(job: GenerationJob, timeout: float = 20) -> GenerationJob:
    """Act as the worker until the job is final: start queued jobs, poll submitted ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_final:
            return job
        if job.status == JobStatus.QUEUED:
            runner.run(job.pk, "test-worker")
        else:
            fal_jobs.poll_due()
        time.sleep(0.02)
    raise AssertionError(f"job stayed {job.status}: {job.progress_message}")


def balance(user) -> int:
    return User.objects.get(pk=user.pk).credits_balance


pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fal_job_is_submitted_polled_downloaded_and_charged_once(fal, alice):
    job = drive(queue_job(alice, num_images=2, seed=5, output_format="png"))
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.fal_request_id and job.submission.status_url.startswith("https://127.0.0.1")
    images = list(Image.objects.filter(job=job).order_by("output_index"))
    assert len(images) == 2 and all((i.width, i.height) == (256, 256) for i in images)
    assert images[0].file.open("rb").read(4) == b"\x89PNG" and images[0].seed == 5
    # $0.025 per (rounded-up) megapixel × 2 images = $0.05 = 5 credits, reserved and charged.
    assert job.credits_reserved == 5 and job.credits_charged == 5
    assert balance(alice) == 495 and ledger_total(alice) == 495
    assert UsageLog.objects.get(job=job).success
    stats = fal.stats()["requests"][job.fal_request_id]
    assert stats["submit"] == 1 and stats["result"] == 1


def test_a_waiting_job_holds_no_worker(fal, alice):
    fal.configure(latency=2)
    job = queue_job(alice)
    assert runner.run(job.pk, "w") == "submitted"
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.lease_expires_at is None and job.lease_owner == ""
    assert queue.recover_stale_jobs() == 0  # in-flight at fal is not "stale"


def test_fal_validation_errors_fail_the_job_naming_the_field(fal, alice):
    fal.configure(validate_on="submit")
    job = drive(queue_job(alice, guidance_scale=19.9))
    assert job.status == JobStatus.SUCCEEDED  # in range for us and for fal
    fal.configure(max_pixels=100 * 100)
    failed = drive(queue_job(alice))
    assert failed.status == JobStatus.FAILED
    assert "rejected" in failed.error_message and failed.error_field
    assert balance(alice) == 500 - job.credits_charged


def test_429_then_success(fal, alice):
    fal.fail_next("429", count=2, op="submit")
    job = drive(queue_job(alice))
    assert job.status == JobStatus.SUCCEEDED
    assert fal.stats()["requests"][job.fal_request_id]["submit"] >= 1
    assert fal.stats()["faults"].get("429") == 2


def test_5xx_exhausted_fails_readably_with_a_refund(fal, alice):
    fal.fail_next("503", count=50, op="submit")
    job = drive(queue_job(alice))
    assert job.status == JobStatus.FAILED
    assert "kept failing" in job.error_message and job.retry_count == fal_jobs.MAX_SUBMIT_RETRIES
    assert balance(alice) == 500 and ledger_total(alice) == 500
    assert CreditEntry.objects.filter(job=job, kind="refund").count() == 1


def test_a_request_fal_ends_in_a_server_error_is_resubmitted_at_once(fal, alice):
    fal.fail_next("error", count=1, op="submit")  # the first request ends COMPLETED + error (HTTP 500)
    started = time.monotonic()
    job = drive(queue_job(alice))
    assert job.status == JobStatus.SUCCEEDED and job.retry_count == 1
    assert time.monotonic() - started < 10  # not polled again and again as if fal were unreachable
    assert balance(alice) == 497


def test_a_request_fal_ends_in_a_validation_error_fails_with_the_reason(fal, alice):
    fal.configure(error_status=422)
    fal.fail_next("error", count=1, op="submit")
    job = drive(queue_job(alice))
    assert job.status == JobStatus.FAILED and job.retry_count == 0
    assert "rejected" in job.error_message
    assert balance(alice) == 500


def test_content_policy_rejections_are_named(fal, alice):
    model = AIModel.objects.get(endpoint_id="fal-ai/flux/dev")
    job = services.enqueue(services.GenerationRequest(user=alice, model=model, prompt="forbidden-content please",
                                                      parameters=SMALL))
    job = drive(job)
    assert job.status == JobStatus.FAILED and "content policy" in job.error_message
    assert job.error_field == "prompt"


def test_cancel_calls_fal_and_refunds(fal, alice):
    fal.configure(latency=5, runners=1)
    job = queue_job(alice)
    runner.run(job.pk, "w")
    job.refresh_from_db()
    assert services.cancel(job)
    assert job.status == JobStatus.CANCELED and balance(alice) == 500
    assert fal.stats()["requests"][job.fal_request_id]["cancel"] == 1


def test_webhooks_finish_jobs_without_polling(fal, alice, live_server, settings):
    settings.PUBLIC_URL = live_server.url
    job = queue_job(alice)
    assert runner.run(job.pk, "w") == "submitted"
    deadline = time.monotonic() + 15
    while "webhook" not in GenerationJob.objects.get(pk=job.pk).provider_state:
        assert time.monotonic() < deadline, "no webhook arrived"
        time.sleep(0.05)
    job = drive(job)
    assert job.status == JobStatus.SUCCEEDED
    counts = fal.stats()["requests"][job.fal_request_id]
    assert counts.get("status", 0) == 0 and counts.get("result", 0) == 0  # everything came by webhook
    assert counts["webhook_deliveries"] == 1


def test_duplicate_webhooks_change_nothing(fal, alice):
    job = queue_job(alice)
    runner.run(job.pk, "w")
    job.refresh_from_db()
    body = {"request_id": job.fal_request_id, "status": "OK", "payload": {"images": []}}
    assert fal_jobs.accept_webhook(body) == "accepted"
    assert fal_jobs.accept_webhook(body) == "duplicate"


def test_forged_webhooks_are_rejected(fal, alice):
    job = queue_job(alice)
    runner.run(job.pk, "w")
    job.refresh_from_db()
    body = json.dumps({"request_id": job.fal_request_id, "status": "OK", "payload": {"images": []}}).encode()
    headers = {"X-Fal-Webhook-Request-Id": job.fal_request_id, "X-Fal-Webhook-User-Id": "x",
               "X-Fal-Webhook-Timestamp": str(int(time.time())), "X-Fal-Webhook-Signature": "ab" * 64}
    response = Client().post("/api/webhooks/fal", body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert "webhook" not in GenerationJob.objects.get(pk=job.pk).provider_state


def test_a_submit_that_outlives_its_lease_cancels_the_stray_request(fal, alice, monkeypatch):
    job = queue_job(alice)
    real_submit = fal_jobs.FalProvider.submit

    def slow_submit(self, *args, **kwargs):
        submission = real_submit(self, *args, **kwargs)
        GenerationJob.objects.filter(pk=job.pk).update(lease_owner="another-worker")  # recovered meanwhile
        return submission

    monkeypatch.setattr(fal_jobs.FalProvider, "submit", slow_submit)
    assert runner.run(job.pk, "slow-worker") == "abandoned"
    job.refresh_from_db()
    assert job.fal_request_id == "" and job.lease_owner == "another-worker"
    [request_id] = fal.stats()["requests"]
    assert fal.stats()["requests"][request_id]["cancel"] == 1


def test_deliberate_retries_do_not_count_as_lost_workers(fal, alice):
    from datetime import timedelta

    from django.utils import timezone

    job = queue_job(alice)
    for _ in range(2):
        queue.claim(job.pk, "w")
        queue.retry_later(job, "fal said 503")
        GenerationJob.objects.filter(pk=job.pk).update(run_after=None)
        job.refresh_from_db()
    queue.claim(job.pk, "dies")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert queue.recover_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
