"""Slots refill at once: a fal job that ends in the poller starts the next waiting fal job right there,
and on PostgreSQL pollers wake on NOTIFY instead of waiting for their next look."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from imagestudio.generation import fal_jobs, jobqueue, outcomes
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers.fal import clear_jwks_cache
from imagestudio.lib import pgnotify
from tests.factories import RECORD_TASKS_ONLY, SMALL, enqueue_job, make_job, make_user
from tests.waiting import wait_until

FLUX = "fal-ai/flux/dev"


@pytest.fixture
def fal_only_poller(fal_emulator, settings):
    settings.FAL_KEY = "test-key"
    settings.FAL_TIMEOUT = 5
    settings.FAL_POLL_INTERVAL_SECONDS = 0.02
    settings.TASKS = RECORD_TASKS_ONLY  # no task worker: only the poller can start anything
    settings.FAL_WEBHOOK_JWKS_URL = fal_emulator.jwks_url
    clear_jwks_cache()
    fal_jobs._provider.cache_clear()
    with fal_jobs.Poller(worker_id="test-poller") as poller:
        yield poller


@pytest.fixture
def wakeups(monkeypatch) -> list:
    """Every wake-up sent, from any thread (task backends are per thread; the queue's waker is not)."""
    sent: list = []
    real = jobqueue._waker

    def counting(run_after):
        sent.append(run_after)
        if real is not None:
            real(run_after)

    monkeypatch.setattr(jobqueue, "_waker", counting)
    return sent


def status_of(job: GenerationJob) -> str:
    return GenerationJob.objects.values_list("status", flat=True).get(pk=job.pk)


def submitted(job: GenerationJob) -> bool:
    return bool(GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exclude(fal_request_id="").exists())


@pytest.mark.django_db(transaction=True)
def test_a_job_ending_in_the_poller_starts_the_next_waiting_one(catalog, fal_only_poller, settings, wakeups):
    settings.USER_MAX_CONCURRENT_JOBS = 1
    user = make_user(email="refill@example.com")
    first, second = (enqueue_job(user=user, model=FLUX, parameters=dict(SMALL)) for _ in range(2))

    assert fal_only_poller.start_waiting() == 1  # one slot: only the first starts
    wait_until(lambda: submitted(first), 10, "the first job to reach fal")
    assert status_of(second) == JobStatus.QUEUED

    wakeups_before = len(wakeups)

    def first_done() -> bool:
        fal_only_poller.poll_due()
        return status_of(first) == JobStatus.SUCCEEDED

    wait_until(first_done, 20, "the first job to finish")
    # Nobody ran a task or called start_waiting: finishing the first started the second.
    wait_until(lambda: submitted(second), 10, "the second job to be submitted by the poller")
    assert GenerationJob.objects.get(pk=second.pk).lease_owner == ""  # submitted and released, not stuck
    # The poller filled the slot itself, so it asked no task worker to look for a job.
    assert len(wakeups) == wakeups_before


@pytest.mark.django_db(transaction=True)
def test_when_the_next_job_renders_offline_the_poller_wakes_a_worker_for_it(
    catalog, fal_only_poller, settings, wakeups
):
    settings.USER_MAX_CONCURRENT_JOBS = 1
    user = make_user(email="mixed@example.com")
    first = enqueue_job(user=user, model=FLUX, parameters=dict(SMALL))
    offline = enqueue_job(user=user)
    assert fal_only_poller.start_waiting() == 1
    wait_until(lambda: submitted(first), 10, "the first job to reach fal")
    wakeups_before = len(wakeups)

    def first_done() -> bool:
        fal_only_poller.poll_due()
        return status_of(first) == JobStatus.SUCCEEDED

    wait_until(first_done, 20, "the first job to finish")
    assert status_of(offline) == JobStatus.QUEUED  # offline jobs render in the task worker, not the poller
    assert len(wakeups) == wakeups_before + 1  # exactly one wake-up for it


@pytest.mark.django_db(transaction=True)
def test_the_poller_starts_only_fal_jobs(catalog, fal_only_poller):
    user = make_user(email="offline@example.com")
    offline = enqueue_job(user=user)  # offline jobs render in the task worker, never in the poller's pool
    assert fal_only_poller.start_waiting() == 0
    assert status_of(offline) == JobStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_listeners_wake_on_notify_on_postgresql_and_sleep_elsewhere(catalog):
    listener = pgnotify.Listener(jobqueue.WAKE_CHANNEL)
    stop = threading.Event()
    try:
        if connection.vendor != "postgresql":
            assert listener.wait(0.05, stop) is False  # nothing to listen on: a plain short sleep
            return
        assert listener.wait(0.05, stop) is False  # LISTEN is set up; nothing sent yet
        timer = threading.Timer(0.2, lambda: (pgnotify.notify(jobqueue.WAKE_CHANNEL), connection.close()))
        timer.start()
        assert listener.wait(10, stop) is True
        timer.join()
    finally:
        listener.close()


@pytest.mark.django_db(transaction=True)
def test_a_webhook_is_finished_by_the_poller_which_refills_the_slot(catalog, fal_only_poller, live_server, settings):
    settings.PUBLIC_URL = live_server.url
    settings.USER_MAX_CONCURRENT_JOBS = 1
    user = make_user(email="hooked@example.com")
    first, second = (enqueue_job(user=user, model=FLUX, parameters=dict(SMALL)) for _ in range(2))
    assert fal_only_poller.start_waiting() == 1
    wait_until(lambda: "webhook" in GenerationJob.objects.get(pk=first.pk).provider_state, 15, "fal's webhook")
    # The webhook made the job due at once (not after the 30 s webhook fallback): one look finishes it.
    assert GenerationJob.objects.get(pk=first.pk).next_check_at <= timezone.now()

    def first_done() -> bool:
        fal_only_poller.poll_due()
        return status_of(first) == JobStatus.SUCCEEDED

    wait_until(first_done, 20, "the poller to finish the first job from its webhook")
    wait_until(lambda: submitted(second), 10, "the poller to submit the second job")
    assert GenerationJob.objects.get(pk=first.pk).images.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_next_job_is_claimed_before_the_finished_one_is_stored(catalog, fal_only_poller, settings, monkeypatch):
    """Storing outputs is CPU work; the user's next job must not wait for it (queue throughput)."""
    settings.USER_MAX_CONCURRENT_JOBS = 1
    user = make_user(email="early@example.com")
    first, second = (enqueue_job(user=user, model=FLUX, parameters=dict(SMALL)) for _ in range(2))
    assert fal_only_poller.start_waiting() == 1
    wait_until(lambda: submitted(first), 10, "the first job to reach fal")
    seen_when_storing: list[str] = []
    real_finish = outcomes.finish

    def finish(job, *args, **kwargs):
        seen_when_storing.append(status_of(second))
        return real_finish(job, *args, **kwargs)

    monkeypatch.setattr(outcomes, "finish", finish)

    def first_done() -> bool:
        fal_only_poller.poll_due()
        return status_of(first) == JobStatus.SUCCEEDED

    wait_until(first_done, 20, "the first job to finish")
    assert seen_when_storing == [JobStatus.RUNNING]  # the second held the slot before the first was stored
    wait_until(lambda: submitted(second), 10, "the second job to reach fal")


@pytest.mark.django_db
def test_a_user_at_the_cap_claims_only_by_naming_the_job_being_stored(catalog, settings):
    settings.USER_MAX_CONCURRENT_JOBS = 1
    user = make_user(email="capped@example.com")
    other = make_user(email="other@example.com")
    storing = make_job(user=user, model=FLUX, status=JobStatus.RUNNING, lease_expires_at=jobqueue.lease_until())
    theirs = make_job(user=other, model=FLUX, status=JobStatus.RUNNING, lease_expires_at=jobqueue.lease_until())
    waiting = make_job(user=user, model=FLUX)
    assert jobqueue.claim(waiting.pk, "w") is None
    assert jobqueue.claim(waiting.pk, "w", freeing=theirs.pk) is None  # another user's job frees nothing here
    claimed = jobqueue.claim(waiting.pk, "w", freeing=storing.pk)
    assert claimed is not None and claimed.status == JobStatus.RUNNING


def test_the_expected_run_time_is_asked_again_after_a_few_seconds(monkeypatch):
    """One slow early job (a cold start) must not set when polls land for the next minute."""
    model_id = "00000000-0000-0000-0000-00000000000a"
    history = iter([2.0])
    monkeypatch.setattr(fal_jobs.selectors, "recent_duration", lambda model, fastest: next(history))
    monkeypatch.setitem(fal_jobs._expected, model_id, (time.monotonic() - 1, 3.5))
    assert fal_jobs._expected_seconds(model_id) == 3.5  # fresh: no query
    monkeypatch.setitem(fal_jobs._expected, model_id, (time.monotonic() - fal_jobs.EXPECTED_TTL_SECONDS - 0.1, 3.5))
    assert fal_jobs._expected_seconds(model_id) == 2.0  # stale: the faster history wins
    assert fal_jobs._expected[model_id][1] == 2.0


@pytest.mark.django_db
def test_jobs_fal_has_finished_free_their_slots_for_every_refill(catalog, settings):
    """A wave of finishes: each refill names only its own job, yet must see its neighbours' slots free."""
    settings.USER_MAX_CONCURRENT_JOBS = 2
    user = make_user(email="wave@example.com")
    storing = [
        make_job(user=user, model=FLUX, status=JobStatus.RUNNING, lease_expires_at=jobqueue.lease_until())
        for _ in range(2)
    ]
    waiting = [make_job(user=user, model=FLUX) for _ in range(3)]
    assert jobqueue.claim(waiting[0].pk, "w") is None  # both slots are taken while fal works
    for job in storing:
        jobqueue.mark_provider_done(job)
    assert jobqueue.claim(waiting[0].pk, "w") is not None
    assert jobqueue.claim(waiting[1].pk, "w") is not None
    assert jobqueue.claim(waiting[2].pk, "w") is None  # the two new jobs fill the cap again
    assert GenerationJob.objects.get(pk=storing[0].pk).provider_state[jobqueue.PROVIDER_DONE] is True


@pytest.mark.django_db
def test_the_poller_sleeps_until_the_next_check_comes_due(catalog):
    """With NOTIFY the poller waits for news, but a poll scheduled sooner must wake it on time."""
    user = make_user(email="sleepy@example.com")
    assert fal_jobs._until_next_check(0.1) == 0.1  # nothing in flight: the whole pause
    job = make_job(user=user, model=FLUX, status=JobStatus.RUNNING)
    GenerationJob.objects.filter(pk=job.pk).update(next_check_at=timezone.now() + timedelta(seconds=0.05))
    assert 0.0 < fal_jobs._until_next_check(0.1) <= 0.05
    GenerationJob.objects.filter(pk=job.pk).update(next_check_at=timezone.now() - timedelta(seconds=1))
    assert fal_jobs._until_next_check(0.1) == 0.005  # overdue: look almost at once
    GenerationJob.objects.filter(pk=job.pk).update(next_check_at=timezone.now() + timedelta(seconds=5))
    assert fal_jobs._until_next_check(0.1) == 0.1


# -- aiming status looks at the moment fal finishes (RunTime) -------------------------------------------


def test_with_nothing_seen_looks_come_every_poll_interval():
    assert fal_jobs.RunTime().next_look(0.0, 1.0) == 1.0


def test_the_first_look_halves_the_bracket_and_a_miss_is_followed_by_a_look_at_its_top():
    run_time = fal_jobs.RunTime()
    run_time.done.append(2.2)  # done when looked at 2.2 s after submit
    run_time.not_done.append(1.8)  # not done at 1.8 s
    assert run_time.next_look(0.0, 1.0) == pytest.approx(2.0)  # the middle of (1.8, 2.2]
    run_time.not_done.append(2.0)  # that look was too soon
    assert run_time.next_look(2.0, 1.0) == pytest.approx(0.2)  # so the next goes to the top: 2.2 s
    assert run_time.bracket() == (2.0, 2.2)


def test_past_the_bracket_looks_come_quickly_then_at_the_poll_interval():
    run_time = fal_jobs.RunTime()
    run_time.done.append(2.0)
    run_time.not_done.append(1.9)
    assert run_time.next_look(2.5, 1.0) == fal_jobs.END_POLL_SECONDS  # late: fal is slower this time
    assert run_time.next_look(3.5, 1.0) == 1.0  # well past any recent run: back to the interval


def test_a_first_look_too_far_ahead_waits_no_longer_than_the_poll_interval():
    run_time = fal_jobs.RunTime()
    run_time.done.append(60.0)  # a slow model: the aimed look is a minute away
    run_time.not_done.append(59.0)
    assert run_time.next_look(0.0, 1.0) == 1.0  # progress still shows every interval meanwhile
    assert run_time.next_look(58.0, 1.0) == pytest.approx(1.5)


def test_when_run_times_vary_more_than_the_bracket_looks_go_to_the_fastest_done():
    run_time = fal_jobs.RunTime()
    run_time.done.extend([2.0, 3.5])
    run_time.not_done.extend([2.4])  # a slower run was still going at 2.4 s: lower > upper
    assert run_time.next_look(0.0, 1.0) == pytest.approx(2.0)
    assert run_time.next_look(2.0, 1.0) == fal_jobs.END_POLL_SECONDS


@pytest.mark.django_db(transaction=True)
def test_polling_records_each_look_and_aims_the_next_request_at_the_bracket(
    catalog, fal_only_poller, fal_emulator, monkeypatch, settings
):
    monkeypatch.setattr(fal_jobs, "_run_times", {})
    fal_emulator.configure(latency=0.3)
    user = make_user(email="aim@example.com")
    job = enqueue_job(user=user, model=FLUX, parameters=dict(SMALL))
    assert fal_only_poller.start_waiting() == 1
    wait_until(lambda: submitted(job), 10, "the job to reach fal")

    def done() -> bool:
        fal_only_poller.poll_due()
        return status_of(job) == JobStatus.SUCCEEDED

    wait_until(done, 20, "the job to finish")
    run_time = fal_jobs._run_times[job.model_id]
    lower, upper = run_time.bracket()
    assert len(run_time.done) == 1 and len(run_time.not_done) >= 5  # polled every 0.02 s while fal ran
    # Not done at `lower`, done by `upper`: a poll interval apart, around the 0.3 s fal takes. fal's clock
    # starts when it receives the submit, ours when the submit's answer arrives (a few ms later): so
    # `lower` may fall a little short of 0.3.
    assert 0.25 <= lower < upper < lower + 0.2 and upper >= 0.28
    settings.FAL_POLL_INTERVAL_SECONDS = 1.0  # the aimed look is sooner than the interval
    second = enqueue_job(user=user, model=FLUX, parameters=dict(SMALL))
    assert fal_only_poller.start_waiting() == 1
    wait_until(lambda: submitted(second), 10, "the second job to reach fal")
    second.refresh_from_db()
    first_look = second.next_check_at.timestamp() - second.provider_state["submitted_at"]
    assert first_look == pytest.approx((lower + upper) / 2, abs=0.01)
