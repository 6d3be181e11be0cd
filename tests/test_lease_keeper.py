"""Leases held through a long fal submit: renewed while the submitting process lives, so recovery never
takes the job from a live worker, and never longer than one lease once it dies (jobqueue.LeaseKeeper)."""

from __future__ import annotations

import threading
import time
import types
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from imagestudio.generation import fal_jobs, jobqueue, outcomes
from imagestudio.generation.models import GenerationJob, JobStatus
from tests.factories import SMALL, make_job, make_user
from tests.waiting import wait_until

FLUX = "fal-ai/flux/dev"


def leased_job(owner: str = "w1", seconds: float = 1.0) -> GenerationJob:
    user = make_user(email=f"lease-{owner}-{time.monotonic_ns()}@example.com")
    return make_job(
        user=user,
        model=FLUX,
        status=JobStatus.RUNNING,
        lease_owner=owner,
        lease_expires_at=timezone.now() + timedelta(seconds=seconds),
        parameters=dict(SMALL),
    )


def lease_of(job: GenerationJob):
    return GenerationJob.objects.values_list("lease_expires_at", flat=True).get(pk=job.pk)


@pytest.mark.django_db
def test_a_held_lease_is_renewed_and_a_released_one_is_not(catalog, settings):
    settings.JOB_LEASE_SECONDS = 120
    keeper = jobqueue.LeaseKeeper()
    job, other = leased_job("w1"), leased_job("w2")
    with keeper.holding(job):
        assert keeper.renew() == 1
        assert lease_of(job) > timezone.now() + timedelta(seconds=110)
    assert lease_of(other) < timezone.now() + timedelta(seconds=2)  # not held: untouched
    before = lease_of(job)
    assert keeper.renew() == 0
    assert lease_of(job) == before


@pytest.mark.django_db
def test_a_lease_taken_over_meanwhile_is_not_renewed(catalog, settings):
    keeper = jobqueue.LeaseKeeper()
    job = leased_job("w1")
    with keeper.holding(job):
        GenerationJob.objects.filter(pk=job.pk).update(lease_owner="w9")  # recovery gave it to another worker
        assert keeper.renew() == 0
        GenerationJob.objects.filter(pk=job.pk).update(lease_owner="w1", status=JobStatus.CANCELED)
        assert keeper.renew() == 0


@pytest.mark.django_db(transaction=True)
def test_the_keepers_thread_renews_every_third_of_a_lease(catalog, settings):
    settings.JOB_LEASE_SECONDS = 0.6
    keeper = jobqueue.LeaseKeeper()
    job = leased_job("w1", seconds=0.6)
    first = lease_of(job)
    with keeper.holding(job):
        wait_until(lambda: lease_of(job) > first, 5, "the keeper thread to renew the lease")
        assert lease_of(job) > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_submit_longer_than_the_lease_is_never_recovered_from_under_its_worker(catalog, fal_emulator, settings):
    """fal hangs on the first submit; fal_client times out and retries. The lease (1.5 s) is shorter than
    that, yet recovery, run all along, must not requeue the job: its worker is alive and renewing."""
    settings.FAL_KEY = "test-key"
    settings.FAL_TIMEOUT = 2.0
    settings.JOB_LEASE_SECONDS = 1.5
    fal_jobs._provider.cache_clear()
    fal_emulator.configure(hang_seconds=3.0)
    fal_emulator.fail_next("timeout", count=1, op="submit")
    job = leased_job("w1", seconds=1.5)
    job = GenerationJob.objects.select_related("model").get(pk=job.pk)
    answers: list[str] = []

    def submit() -> None:
        answers.append(fal_jobs.submit(job))
        connection.close()  # this thread's own connection (a worker thread closes its own, too)

    submitting = threading.Thread(target=submit)
    started = time.monotonic()
    submitting.start()
    recovered = 0
    while submitting.is_alive():
        recovered += outcomes.recover_stale_jobs()
        time.sleep(0.05)
    submitting.join()
    assert time.monotonic() - started > settings.JOB_LEASE_SECONDS  # the submit outlasted one lease
    assert answers == ["submitted"] and recovered == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.fal_request_id and job.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_a_lease_held_after_a_long_quiet_spell_is_renewed_on_time(catalog, settings):
    """The keeper's thread may be asleep for a third of a long lease when a job with a short one arrives."""
    keeper = jobqueue.LeaseKeeper()
    settings.JOB_LEASE_SECONDS = 120
    with keeper.holding(leased_job("w0", seconds=120)):
        pass  # the thread now sleeps up to 40 s
    settings.JOB_LEASE_SECONDS = 0.6
    job = leased_job("w1", seconds=0.6)
    first = lease_of(job)
    with keeper.holding(job):
        wait_until(lambda: lease_of(job) > first, 5, "the keeper thread to renew the new lease")


@pytest.mark.django_db(transaction=True)
def test_an_idle_keeper_makes_no_query_and_lets_its_connection_go(catalog, settings, monkeypatch):
    """Once no lease is held, each round closes the thread's connection instead of touching the database
    (a worker between jobs keeps no connection open, and a test's database can be dropped after it)."""
    settings.JOB_LEASE_SECONDS = 0.6
    keeper = jobqueue.LeaseKeeper()
    renewals: list[float] = []
    real_renew = keeper.renew
    monkeypatch.setattr(keeper, "renew", lambda: renewals.append(time.monotonic()) or real_renew())
    idle_round = threading.Event()
    real = jobqueue.connection

    def close() -> None:
        real.close()  # the calling thread's own connection, as the keeper does
        if threading.current_thread() is keeper._thread:  # (other tests' idle keepers call it too)
            idle_round.set()

    monkeypatch.setattr(jobqueue, "connection", types.SimpleNamespace(close=close))
    job = leased_job("w1", seconds=0.6)
    with keeper.holding(job):
        wait_until(lambda: renewals, 5, "the keeper thread to renew the held lease")
        assert not idle_round.is_set()
    assert idle_round.wait(5), "no idle round within 5 s"
    idle_round.clear()
    after_release = len(renewals)
    assert idle_round.wait(5), "no second idle round within 5 s"
    assert len(renewals) == after_release  # idle rounds renew nothing
