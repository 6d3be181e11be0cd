"""One home for a job's outcome: whoever ends a job first wins, and an ended job never gains images."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.tasks import default_task_backend

from imagestudio.billing.models import CreditEntry
from imagestudio.gallery.models import Image
from imagestudio.generation import jobqueue, outcomes, services
from imagestudio.generation.models import GenerationJob, JobStatus
from tests.factories import RECORD_TASKS_ONLY, enqueue_job, provider_result

pytestmark = pytest.mark.django_db
PAID = "fal-ai/flux/dev"


@pytest.fixture(autouse=True)
def paid_models(settings):
    settings.FAL_KEY = "test-key"
    settings.TASKS = RECORD_TASKS_ONLY


def stored_files() -> int:
    return sum(
        1 for image in Image.objects.all() for f in (image.file, image.thumbnail) if default_storage.exists(f.name)
    )


def kinds(job: GenerationJob) -> list[str]:
    return sorted(CreditEntry.objects.filter(job=job).values_list("kind", flat=True))


def test_finishing_a_failed_job_keeps_no_images_and_the_refund(alice):
    job = jobqueue.claim(enqueue_job(user=alice, model=PAID).pk, "w")
    assert outcomes.fail(job, "fal said no") is True
    assert outcomes.finish(job, provider_result(count=2), generation_time=1.0) == JobStatus.FAILED
    assert Image.objects.filter(job=job).count() == 0
    assert kinds(job) == ["refund", "reserve"]
    alice.refresh_from_db()
    assert alice.credits_balance == 500


def test_outputs_arriving_after_a_cancel_are_discarded_with_their_files(alice):
    job = jobqueue.claim(enqueue_job(user=alice, model=PAID).pk, "w")
    assert services.cancel(job) is True
    before = stored_files()
    assert outcomes.finish(job, provider_result(), generation_time=1.0) == JobStatus.CANCELED
    assert Image.objects.filter(job=job).count() == 0 and stored_files() == before
    assert GenerationJob.objects.get(pk=job.pk).credits_charged == 0


def test_a_finished_job_cannot_be_failed_or_canceled_afterwards(alice):
    job = jobqueue.claim(enqueue_job(user=alice, model=PAID).pk, "w")
    assert outcomes.finish(job, provider_result(), generation_time=1.0) == JobStatus.SUCCEEDED
    charged = GenerationJob.objects.get(pk=job.pk).credits_charged
    assert charged > 0
    assert outcomes.fail(job, "too late") is False
    assert services.cancel(job) is False
    job.refresh_from_db()
    assert (job.status, job.credits_charged, job.error_message) == (JobStatus.SUCCEEDED, charged, "")
    assert kinds(job) == ["reserve", "settle"]
    assert Image.objects.filter(job=job).count() == 1


def test_an_empty_result_fails_the_job_with_a_refund(alice):
    job = jobqueue.claim(enqueue_job(user=alice, model=PAID).pk, "w")
    assert outcomes.finish(job, provider_result(count=0), generation_time=1.0) == JobStatus.FAILED
    job.refresh_from_db()
    assert "no images" in job.error_message and kinds(job) == ["refund", "reserve"]


def test_every_end_frees_the_slot_and_wakes_a_worker(alice, django_capture_on_commit_callbacks):
    default_task_backend.clear()
    ends = [
        lambda job: outcomes.finish(job, provider_result(), generation_time=1.0),
        lambda job: outcomes.fail(job, "no"),
        lambda job: services.cancel(job),
    ]

    def wakeups() -> int:  # other tasks (a notification's email) may be enqueued too
        return sum(1 for result in default_task_backend.results if result.task.func.__name__ == "run_next")

    for end in ends:
        job = jobqueue.claim(enqueue_job(user=alice, model=PAID).pk, "w")
        woken = wakeups()
        with django_capture_on_commit_callbacks(execute=True):  # wake-ups are sent when the end commits
            end(job)
        assert wakeups() == woken + 1
        assert GenerationJob.objects.get(pk=job.pk).lease_owner == ""
