"""Queue flooding: priority orders only a user's own jobs, a per-user cap on waiting jobs, a rate limit on
every generate route, and a concurrency cap that holds even when workers race."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from imagestudio.generation import jobqueue, outcomes, services
from imagestudio.generation.models import GenerationJob, JobStatus
from tests.conftest import bearer_client
from tests.factories import OFFLINE, RECORD_TASKS_ONLY, ai_model, enqueue_job, make_user, provider_result

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def record_tasks(settings):
    settings.TASKS = RECORD_TASKS_ONLY  # these tests play the worker themselves


def work_one(worker: str = "the-only-worker") -> GenerationJob | None:
    """What one worker does per wake-up: claim the best job and finish it."""
    job = jobqueue.claim_next(worker)
    if job is not None:
        outcomes.finish(job, provider_result(), generation_time=0.1)
    return job


def test_a_flood_at_top_priority_does_not_starve_another_user(alice, bob, settings):
    flood = [enqueue_job(user=alice, prompt=f"a{i}", priority=100) for i in range(100)]
    assert work_one().user_id == alice.pk  # alice's flood is already being worked on
    late = enqueue_job(user=bob, prompt="b", priority=0)
    claimed = [work_one() for _ in range(settings.USER_MAX_CONCURRENT_JOBS)]
    assert late.pk in [job.pk for job in claimed]
    assert GenerationJob.objects.filter(user=alice, status=JobStatus.QUEUED).count() == len(flood) - 1 - (
        settings.USER_MAX_CONCURRENT_JOBS - 1
    )


def test_a_users_priority_orders_only_their_own_jobs(alice, bob):
    bobs_older = enqueue_job(user=bob, prompt="bob first", priority=0)
    alices_low = enqueue_job(user=alice, prompt="alice low", priority=0)
    alices_high = enqueue_job(user=alice, prompt="alice high", priority=100)
    order = [work_one().pk for _ in range(3)]
    assert order == [bobs_older.pk, alices_high.pk, alices_low.pk]


def test_staff_priority_orders_everyone(alice, bob):
    bob.is_staff = True
    bob.save(update_fields=["is_staff"])
    alices = enqueue_job(user=alice, prompt="alice, older")
    urgent = enqueue_job(user=bob, prompt="staff, urgent", priority=50)
    assert urgent.staff_priority == 50 and alices.staff_priority == 0
    assert [work_one().pk for _ in range(2)] == [urgent.pk, alices.pk]


def test_non_staff_priority_is_never_a_staff_priority(alice_api):
    response = alice_api.post(
        "/api/generate/text-to-image",
        json.dumps(
            {
                "model_id": "offline/studio-v1",
                "prompt": "x",
                "priority": 100,
                "parameters": {"width": 256, "height": 256},
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 202
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert (job.priority, job.staff_priority) == (100, 0)


def post_generate(client: Client, prompt: str = "a red kite over dunes"):
    body = {"model_id": "offline/studio-v1", "prompt": prompt, "parameters": {"width": 256, "height": 256}}
    return client.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")


def test_the_queued_jobs_cap_answers_429_and_loses_nothing(alice, alice_api, settings):
    settings.USER_MAX_QUEUED_JOBS = 3
    assert [post_generate(alice_api).status_code for _ in range(3)] == [202, 202, 202]
    refused = post_generate(alice_api)
    assert refused.status_code == 429
    assert refused.json()["limit"] == 3 and "queue is full" in refused.json()["detail"]
    assert GenerationJob.objects.filter(user=alice).count() == 3
    work_one()  # one finishes: there is room again
    assert post_generate(alice_api).status_code == 202


def test_a_batch_past_the_cap_is_refused_whole(alice, settings):
    settings.USER_MAX_QUEUED_JOBS = 5
    enqueue_job(user=alice)
    model = ai_model(OFFLINE)
    requests = [services.GenerationRequest(user=alice, model=model, prompt=f"p{i}", parameters={}) for i in range(5)]
    with pytest.raises(services.QueueFull):
        services.enqueue_batch(requests)
    assert GenerationJob.objects.filter(user=alice).count() == 1


def test_the_cap_counts_only_waiting_jobs(alice, settings):
    settings.USER_MAX_QUEUED_JOBS = 1
    enqueue_job(user=alice)
    work_one()
    assert enqueue_job(user=alice).status == JobStatus.QUEUED  # the finished one no longer counts


@pytest.fixture
def rate_limits_on(rate_limits):
    rate_limits.GENERATE_RATE_LIMIT = "2/m"


def test_the_generate_api_is_rate_limited_per_user(alice, bob, rate_limits_on):
    alice_api, bob_api = bearer_client(alice), bearer_client(bob)
    assert [post_generate(alice_api).status_code for _ in range(2)] == [202, 202]
    refused = post_generate(alice_api)
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 59
    assert GenerationJob.objects.filter(user=alice).count() == 2
    assert post_generate(bob_api).status_code == 202  # another user has their own budget


def test_every_generate_route_shares_the_limit(alice, alice_browser, rate_limits_on):
    job = enqueue_job(user=alice)
    alice_api = bearer_client(alice)
    assert post_generate(alice_api).status_code == 202  # 1: the API
    page = alice_browser.post(f"/generate/jobs/{job.pk}/regenerate/")  # 2: a page route
    assert page.status_code == 302 and GenerationJob.objects.filter(user=alice).count() == 3  # queued: 1 + API + page
    refused = alice_browser.post(
        "/generate/", {"model": "offline/studio-v1", "prompt": "x", "aspect_ratio": "1:1", "num_images": 1}
    )
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert post_generate(alice_api).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_racing_workers_never_push_a_user_past_the_concurrency_cap(catalog, settings):
    settings.USER_MAX_CONCURRENT_JOBS = 2
    user = make_user(email="racer@example.com")
    jobs = [enqueue_job(user=user, prompt=f"r{i}") for i in range(8)]
    barrier = threading.Barrier(len(jobs))
    won: list[bool] = []

    def take(job: GenerationJob, worker: str) -> None:
        barrier.wait()
        try:
            won.append(jobqueue.claim(job.pk, worker) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(job, f"w{i}")) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a claim hung"
    assert won.count(True) == 2
    assert GenerationJob.objects.filter(user=user, status=JobStatus.RUNNING).count() == 2


# -- the user's own queue: order and hold ---------------------------------------------------------


def test_dragging_jobs_sets_the_order_they_run_in(alice):
    first, second, third = (enqueue_job(user=alice) for _ in range(3))
    assert list(jobqueue.next_job_of(alice.pk).values_list("pk", flat=True)) == [first.pk, second.pk, third.pk]
    assert services.reorder_queue(alice, [("job", third.pk), ("job", first.pk)]) == 2
    assert list(jobqueue.next_job_of(alice.pk).values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]


def test_a_paused_queue_starts_nothing_until_resumed(alice, bob):
    mine, theirs = enqueue_job(user=alice), enqueue_job(user=bob)
    services.pause_queue(alice)
    assert [row["user"] for row in jobqueue.waiting_users()] == [bob.pk]
    assert jobqueue.claim_next("w1").pk == theirs.pk
    assert jobqueue.claim_next("w1") is None
    services.resume_queue(alice)
    assert jobqueue.claim_next("w1").pk == mine.pk


def test_the_queue_api_orders_pauses_and_resumes(alice, alice_api):
    jobs = [enqueue_job(user=alice) for _ in range(2)]
    body = json.dumps({"job_ids": [str(jobs[1].pk), str(jobs[0].pk)]})
    response = alice_api.put("/api/generate/queue/order", body, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"paused": False, "ranked": 2}
    assert list(jobqueue.next_job_of(alice.pk).values_list("pk", flat=True)) == [jobs[1].pk, jobs[0].pk]
    assert alice_api.post("/api/generate/queue/pause").json()["paused"] is True
    assert alice_api.get("/api/generate/queue").json()["paused"] is True
    assert alice_api.post("/api/generate/queue/resume").json()["paused"] is False


def test_the_queue_page_pauses_and_orders(alice, alice_browser):
    jobs = [enqueue_job(user=alice) for _ in range(2)]
    assert alice_browser.post("/queue/hold/", {"paused": "1"}).status_code == 302
    assert 'data-testid="queue-paused"' in alice_browser.get("/queue/").content.decode()
    order = [f"job:{jobs[1].pk}", "job:not-an-id", "flavour:x", f"job:{jobs[0].pk}"]
    response = alice_browser.post("/queue/order/", {"order": order})
    assert response.status_code == 302
    assert list(jobqueue.next_job_of(alice.pk).values_list("pk", flat=True)) == []  # paused: nothing due
    alice_browser.post("/queue/hold/", {"paused": "0"})
    assert list(jobqueue.next_job_of(alice.pk).values_list("pk", flat=True)) == [jobs[1].pk, jobs[0].pk]
