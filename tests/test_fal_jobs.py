"""Jobs on fal models, end to end through the real fal_client against the local fal emulator:
success, 422, 429 then success, 5xx exhausted, ERROR completion, webhook vs polling, forged webhook,
cancel. The worker's steps (run_next, poll_due) are driven by hand so each test is exact."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from imagestudio.accounts.models import User
from imagestudio.billing.models import CreditEntry, UsageLog
from imagestudio.billing.services import ledger_total
from imagestudio.gallery.models import Image
from imagestudio.generation import fal_jobs, jobqueue, outcomes, runner, services
from imagestudio.generation.models import GenerationJob, JobStatus
from tests.factories import RECORD_TASKS_ONLY, SMALL, enqueue_job
from tests.waiting import wait_until

FLUX = "fal-ai/flux/dev"


@pytest.fixture
def fal(fal_emulator, settings):
    settings.FAL_KEY = "test-key"
    settings.FAL_TIMEOUT = 5
    settings.TASKS = RECORD_TASKS_ONLY  # the test drives the worker's steps itself
    settings.FAL_WEBHOOK_JWKS_URL = fal_emulator.jwks_url
    settings.FAL_POLL_INTERVAL_SECONDS = 0.02
    settings.FAL_CHECK_BACKOFF_SECONDS = 0.01
    settings.JOB_RETRY_BASE_SECONDS = 0.01
    return fal_emulator


def queue_job(user, **params) -> GenerationJob:
    """A small FLUX [dev] job; `params` are added to its parameters."""
    return enqueue_job(user=user, model=FLUX, parameters={**SMALL, **params})


def drive(job: GenerationJob, timeout: float = 20) -> GenerationJob:
    """Act as the worker until the job is final: start queued jobs, poll submitted ones."""

    def step() -> GenerationJob | None:
        job.refresh_from_db()
        if job.is_final:
            return job
        if job.status == JobStatus.QUEUED:
            runner.run(job.pk, "test-worker")
        else:
            with fal_jobs.Poller() as poller:
                poller.poll_due()
        return None

    return wait_until(step, timeout, lambda: f"job {job.pk} to end; it is {job.status}: {job.progress_message}")


def job_ledger(job) -> list[tuple[str, int]]:
    return list(CreditEntry.objects.filter(job=job).order_by("created_at", "id").values_list("kind", "amount"))


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
    assert outcomes.recover_stale_jobs() == 0  # in-flight at fal is not "stale"


@pytest.mark.parametrize(
    ("public_url", "interval_setting"),
    [
        ("", "FAL_POLL_INTERVAL_SECONDS"),  # no webhooks: poll at the poll interval
        ("http://127.0.0.1:9", "FAL_WEBHOOK_FALLBACK_SECONDS"),  # webhooks: look only now and then, in case one is lost
    ],
)
def test_the_first_check_of_a_submitted_job_waits_its_interval(fal, alice, settings, public_url, interval_setting):
    settings.PUBLIC_URL = public_url
    setattr(settings, interval_setting, 40)
    fal.configure(latency=5)
    job = queue_job(alice)
    before = timezone.now()
    assert runner.run(job.pk, "w") == "submitted"
    job.refresh_from_db()
    assert timedelta(seconds=40) <= job.next_check_at - before <= timedelta(seconds=45)
    with fal_jobs.Poller() as poller:
        assert poller.poll_due() == 0  # nothing is due before then
    assert fal.stats()["requests"][job.fal_request_id].get("status", 0) == 0


def test_fal_validation_errors_fail_the_job_naming_the_field(fal, alice):
    fal.configure(validate_on="submit")
    job = drive(queue_job(alice, guidance_scale=19.9))
    assert job.status == JobStatus.SUCCEEDED  # in range for us and for fal
    fal.configure(max_pixels=100 * 100)
    failed = drive(queue_job(alice))
    assert failed.status == JobStatus.FAILED
    assert "rejected" in failed.error_message and failed.error_field == "image_size"
    assert balance(alice) == 500 - job.credits_charged


def test_429_then_success(fal, alice):
    fal.fail_next("429", count=2, op="submit")
    job = drive(queue_job(alice))
    assert job.status == JobStatus.SUCCEEDED
    stats = fal.stats()
    # fal_client retried both 429s inside one submit: three attempts, one fal request, no job-level retry.
    assert stats["totals"]["submit"] == 3 and stats["faults"] == {"429": 2}
    assert list(stats["requests"]) == [job.fal_request_id]
    assert stats["requests"][job.fal_request_id]["submit"] == 1
    assert job.retry_count == 0 and job.attempts == 1
    assert Image.objects.filter(job=job).count() == 1 and balance(alice) == 497


def test_5xx_exhausted_fails_readably_with_a_refund(fal, alice, settings):
    settings.FAL_MAX_SUBMIT_RETRIES = 2
    fal.fail_next("503", count=50, op="submit")
    job = drive(queue_job(alice))
    assert job.status == JobStatus.FAILED
    assert "kept failing" in job.error_message and job.retry_count == 2
    assert fal.stats()["totals"]["submit"] == 3  # the first try and two retries, each refused with a 503
    assert balance(alice) == 500 and ledger_total(alice) == 500
    assert job_ledger(job) == [("reserve", -3), ("refund", 3)]


def test_a_job_fal_stops_answering_about_fails_after_the_allowed_check_failures(fal, alice, settings):
    settings.FAL_MAX_CHECK_FAILURES = 2
    fal.configure(latency=5)  # still running at fal when the checks start failing
    job = queue_job(alice)
    assert runner.run(job.pk, "w") == "submitted"
    fal.fail_next("503", count=50, op="status")
    job = drive(job)
    assert job.status == JobStatus.FAILED and "lost contact" in job.error_message
    assert fal.stats()["requests"][job.fal_request_id]["status"] == 3  # two failures allowed, the third ends it
    assert balance(alice) == 500 and job_ledger(job) == [("reserve", -3), ("refund", 3)]


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
    job = drive(enqueue_job(user=alice, model=FLUX, prompt="forbidden-content please"))
    assert job.status == JobStatus.FAILED and "content policy" in job.error_message
    assert job.error_field == "prompt"


def test_cancel_calls_fal_and_refunds(fal, alice):
    fal.configure(latency=5, runners=1)
    job = queue_job(alice)
    runner.run(job.pk, "w")
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.fal_request_id
    assert services.cancel(job)
    assert job.status == JobStatus.CANCELED and balance(alice) == 500
    assert job_ledger(job) == [("reserve", -3), ("refund", 3)]
    assert fal.stats()["requests"][job.fal_request_id]["cancel"] == 1


def test_webhooks_finish_jobs_without_polling(fal, alice, live_server, settings):
    settings.PUBLIC_URL = live_server.url
    job = queue_job(alice)
    assert runner.run(job.pk, "w") == "submitted"
    wait_until(
        lambda: "webhook" in GenerationJob.objects.get(pk=job.pk).provider_state,
        15,
        "fal's webhook to reach /api/webhooks/fal",
    )
    job = drive(job)
    assert job.status == JobStatus.SUCCEEDED
    # The emulator counts a delivery once it has our answer, which may come after the job is done.
    counts = wait_until(
        lambda: (c := fal.stats()["requests"][job.fal_request_id]).get("webhook_deliveries") and c,
        10,
        "the emulator to record its webhook delivery",
    )
    assert counts.get("status", 0) == 0 and counts.get("result", 0) == 0  # everything came by webhook
    assert counts["webhook_deliveries"] == 1


def test_duplicate_webhooks_change_nothing(fal, alice):
    job = queue_job(alice)
    runner.run(job.pk, "w")
    job.refresh_from_db()
    body = {"request_id": job.fal_request_id, "status": "OK", "payload": {"images": []}}
    assert fal_jobs.accept_webhook(body) == "accepted"
    recorded = GenerationJob.objects.get(pk=job.pk)
    assert recorded.provider_state["webhook"] == body
    assert (
        fal_jobs.accept_webhook({**body, "payload": {"images": [{"url": "https://example.com/x.png"}]}}) == "duplicate"
    )
    again = GenerationJob.objects.get(pk=job.pk)
    assert (again.provider_state, again.next_check_at) == (recorded.provider_state, recorded.next_check_at)


def test_forged_webhooks_are_rejected(fal, alice):
    job = queue_job(alice)
    runner.run(job.pk, "w")
    job.refresh_from_db()
    body = json.dumps({"request_id": job.fal_request_id, "status": "OK", "payload": {"images": []}}).encode()
    headers = {
        "X-Fal-Webhook-Request-Id": job.fal_request_id,
        "X-Fal-Webhook-User-Id": "x",
        "X-Fal-Webhook-Timestamp": str(int(time.time())),
        "X-Fal-Webhook-Signature": "ab" * 64,
    }
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
    job = queue_job(alice)
    for _ in range(2):
        assert jobqueue.claim(job.pk, "w") is not None
        assert jobqueue.retry_later(job, "fal said 503", max_retries=5)
        GenerationJob.objects.filter(pk=job.pk).update(run_after=None)
        job.refresh_from_db()
    jobqueue.claim(job.pk, "dies")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert outcomes.recover_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED  # one lost worker in three claims: far from the limit
    assert (job.attempts, job.retry_count) == (3, 2)
