from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image as PILImage

from imagestudio.accounts.models import User
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry, UsageLog
from imagestudio.gallery.models import Image
from imagestudio.generation import jobqueue, offline_jobs, outcomes, services
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers import offline
from tests.factories import RECORD_TASKS_ONLY, ai_model, enqueue_job, provider_result

pytestmark = pytest.mark.django_db
SMALL = {"width": 256, "height": 256}


def generate(client, **body):
    body.setdefault("model_id", "offline/studio-v1")
    body.setdefault("prompt", "a calm blue ocean under a night sky with stars")
    return client.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")


def test_the_api_queues_a_job_and_the_worker_renders_it(alice_api, run_tasks):
    with run_tasks():
        response = generate(alice_api, parameters={**SMALL, "num_images": 2, "seed": 1234})
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    status = alice_api.get(f"/api/generate/queue/{job_id}/status").json()
    assert status["status"] == "succeeded" and status["error"] is None
    assert len(status["image_ids"]) == 2
    images = [Image.objects.get(pk=pk) for pk in status["image_ids"]]
    assert [image.seed for image in images] == [1234, 1235]
    assert all((image.width, image.height) == (256, 256) for image in images)
    assert PILImage.open(images[0].file.open("rb")).size == (256, 256)
    assert images[0].parameters["seed"] == 1234 and images[0].job_id == images[1].job_id


def test_offline_generation_is_free_and_logged(alice_api, alice, run_tasks):
    with run_tasks():
        job_id = generate(alice_api, parameters=SMALL).json()["id"]
    assert User.objects.get(pk=alice.pk).credits_balance == 500
    log = UsageLog.objects.get(job_id=job_id)
    assert log.success and log.credits_used == 0 and log.generation_time > 0


def test_same_seed_same_pixels(alice_api, run_tasks):
    with run_tasks():
        first = generate(alice_api, parameters={**SMALL, "seed": 99}).json()["id"]
        second = generate(alice_api, parameters={**SMALL, "seed": 99}).json()["id"]
    a, b = (Image.objects.get(job_id=job) for job in (first, second))
    assert PILImage.open(a.file.open("rb")).tobytes() == PILImage.open(b.file.open("rb")).tobytes()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "   "}, "prompt"),
        ({"parameters": {"num_images": 5}}, "num_images"),
        ({"parameters": {"aspect_ratio": "7:5"}}, "aspect_ratio"),
        ({"model_id": "fal-ai/flux/dev"}, "model_id"),
        ({"model_id": "no/such-model"}, "model_id"),
        ({"model_id": "fal-ai/clarity-upscaler"}, "model_id"),
    ],
)
def test_bad_requests_are_422_naming_the_field_and_queue_nothing(alice_api, body, field):
    response = generate(alice_api, **body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert GenerationJob.objects.count() == 0


def test_fal_models_reserve_credits_and_refuse_when_short(alice_api, alice, settings):
    settings.FAL_KEY = "test-key"
    settings.TASKS = RECORD_TASKS_ONLY  # keep the job queued: this test is about reserving
    response = generate(alice_api, model_id="fal-ai/flux/dev", parameters={"aspect_ratio": "1:1", "num_images": 4})
    assert response.status_code == 202
    assert response.json()["credits_reserved"] == 10  # 4 × $0.025 = $0.10
    assert User.objects.get(pk=alice.pk).credits_balance == 490
    billing.adjust(user=alice, amount=-485, reason="leave 5 credits")
    short = generate(alice_api, model_id="fal-ai/flux/dev", parameters={"num_images": 4})
    assert short.status_code == 402
    assert short.json()["needed"] == 10 and short.json()["balance"] == 5
    assert GenerationJob.objects.count() == 1
    assert User.objects.get(pk=alice.pk).credits_balance == 5 == billing.ledger_total(alice)  # nothing reserved


def test_other_users_cannot_see_a_job(alice_api, bob_api, run_tasks):
    with run_tasks():
        job_id = generate(alice_api, parameters=SMALL).json()["id"]
    assert bob_api.get(f"/api/generate/queue/{job_id}/status").status_code == 404


def job_ledger(job) -> list[tuple[str, int]]:
    return list(CreditEntry.objects.filter(job=job).order_by("created_at", "id").values_list("kind", "amount"))


def balance(user) -> int:
    return User.objects.get(pk=user.pk).credits_balance


def test_a_job_is_claimed_once(alice):
    job = enqueue_job(user=alice)
    assert jobqueue.claim(job.pk, "worker-a") is not None
    assert jobqueue.claim(job.pk, "worker-b") is None


def test_a_job_whose_worker_died_is_requeued_and_finishes_once(alice, run_tasks):
    job = enqueue_job(user=alice)
    assert jobqueue.claim(job.pk, "dead-worker") is not None
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with run_tasks():
        assert outcomes.recover_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert Image.objects.filter(job=job).count() == 1


def test_finishing_twice_stores_one_image_and_charges_once(alice, settings):
    settings.FAL_KEY = "test-key"
    settings.TASKS = RECORD_TASKS_ONLY  # the test finishes the job itself
    job = enqueue_job(user=alice, model="fal-ai/flux/dev", parameters={**SMALL, "num_images": 2})
    assert job.credits_reserved == 5 and balance(alice) == 495  # 2 × $0.025 = $0.05
    job = jobqueue.claim(job.pk, "w")
    # fal made one of the two images: $0.025 = 3 credits charged, 2 given back (a settle that a second
    # finish would repeat, leaving 497 + 2).
    result = provider_result(count=1, width=256, height=256)
    assert outcomes.finish(job, result, generation_time=1.0) == JobStatus.SUCCEEDED
    assert outcomes.finish(job, result, generation_time=1.0) == JobStatus.SUCCEEDED
    assert Image.objects.filter(job=job).count() == 1
    assert job_ledger(job) == [("reserve", -5), ("settle", 2)]
    job.refresh_from_db()
    assert job.credits_charged == 3 and Image.objects.get(job=job).cost_credits == 3
    assert balance(alice) == 497 == billing.ledger_total(alice)
    assert UsageLog.objects.get(job=job).credits_used == 3


def test_a_job_that_keeps_killing_workers_fails_with_a_refund(alice, settings):
    settings.FAL_KEY = "k"
    settings.TASKS = RECORD_TASKS_ONLY
    job = enqueue_job(user=alice, model="fal-ai/flux/schnell", prompt="x", parameters={})
    GenerationJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        attempts=settings.JOB_MAX_WORKER_ATTEMPTS,
        lease_expires_at=timezone.now() - timedelta(seconds=5),
    )
    assert outcomes.recover_stale_jobs() == 0  # failed, not requeued
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped" in job.error_message
    assert job_ledger(job) == [("reserve", -job.credits_reserved), ("refund", job.credits_reserved)]
    assert balance(alice) == 500 == billing.ledger_total(alice)


def test_canceling_a_queued_job_refunds_it(alice, settings):
    settings.FAL_KEY = "k"
    settings.TASKS = RECORD_TASKS_ONLY
    job = enqueue_job(user=alice, model="fal-ai/flux/dev", prompt="x", parameters={})
    assert balance(alice) == 497
    assert services.cancel(job) is True
    assert services.cancel(job) is False
    assert job.status == JobStatus.CANCELED
    assert job_ledger(job) == [("reserve", -3), ("refund", 3)]  # refunded once, not per cancel call
    assert balance(alice) == 500 == billing.ledger_total(alice)
    assert jobqueue.claim(job.pk, "w") is None


def test_progress_is_reported_while_rendering(alice):
    job = jobqueue.claim(enqueue_job(user=alice, parameters={**SMALL, "num_images": 2}).pk, "w")
    seen = []
    reporter = offline_jobs.ProgressReporter(job, "w", min_interval=0)

    def spy(fraction, message):
        seen.append(fraction)
        reporter(fraction, message)

    offline.render_job(
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        arguments=job.parameters,
        width=job.width,
        height=job.height,
        num_images=job.num_images,
        seed=job.seed,
        on_progress=spy,
    )
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen) and len(seen) > 4
    job.refresh_from_db()
    assert job.progress == pytest.approx(1.0)


def test_a_model_that_ignores_weights_gets_the_prompt_without_the_syntax(alice, settings):
    settings.FAL_KEY = "test-key"
    job = services.enqueue(
        services.GenerationRequest(
            user=alice,
            model=ai_model("fal-ai/flux/dev"),
            prompt="a (red fox:1.4) in the snow <lora:film:0.6>",
            parameters={"width": 512, "height": 512},
        )
    )
    assert (job.prompt, job.user_prompt) == ("a red fox in the snow", "a (red fox:1.4) in the snow <lora:film:0.6>")
    offline = enqueue_job(user=alice, prompt="a (red fox:1.4) in the snow")
    assert offline.prompt == "a (red fox:1.4) in the snow"  # the offline engine reads weights itself
    prose = services.enqueue(
        services.GenerationRequest(
            user=alice,
            model=ai_model("fal-ai/flux/dev"),
            prompt="a cat (sleeping",
            parameters={"width": 512, "height": 512},
        )
    )
    assert prose.prompt == "a cat (sleeping"  # not prompt syntax: sent as typed


def test_dynamic_prompts_pick_one_option_per_job(alice):
    picks = {enqueue_job(user=alice, prompt="a {red|green|blue} kite").prompt for _ in range(30)}
    assert picks == {"a red kite", "a green kite", "a blue kite"}
    job = enqueue_job(user=alice, prompt="a {red|green} kite")
    assert job.user_prompt == "a {red|green} kite"  # regenerating picks again
