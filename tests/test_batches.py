"""Batches: sources become rows (errors name their line), every row is checked before anything is queued,
and the feeder keeps only a few items in the queue at a time; pause, resume, cancel, retry, scheduling and
the budget cap change what it feeds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from imagestudio.batches import feeder, services, sources
from imagestudio.batches.models import Batch, BatchItem, BatchStatus, ItemStatus
from imagestudio.billing.models import CreditEntry
from imagestudio.generation import jobqueue, outcomes, runner
from imagestudio.generation import services as generation
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.workspaces.services import personal_workspace
from tests.factories import RECORD_TASKS_ONLY, ai_model, enqueue_job

pytestmark = pytest.mark.django_db(transaction=True)
TURBO = "offline/studio-turbo"
SMALL = {"width": 256, "height": 256, "num_inference_steps": 1}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""
    settings.BATCH_FEED_AHEAD = 3


def make_batch(user, rows, *, model=TURBO, **options) -> Batch:
    settings = services.Settings(
        model=ai_model(model), parameters={**SMALL, **options.pop("parameters", {})}, **options
    )
    return services.create(user, personal_workspace(user), "prompts", rows, settings)


def statuses(batch: Batch) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in BatchItem.objects.filter(batch=batch).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def queued_jobs(batch: Batch) -> list[GenerationJob]:
    return list(GenerationJob.objects.filter(batch_id=batch.pk, status=JobStatus.QUEUED).order_by("created_at"))


# -- sources ----------------------------------------------------------------------------------------


def test_a_list_skips_blank_lines_but_keeps_their_numbers():
    rows = sources.from_lines("a fox\n\n  a whale  \n")
    assert [(row.line, row.prompt) for row in rows] == [(1, "a fox"), (3, "a whale")]


def test_a_csv_reports_every_bad_line_by_its_number():
    text = "prompt,seed,guidance_scale\na fox,1,3.5\n,2,4\na whale,abc,4\na kite,4,5,extra\n"
    with pytest.raises(sources.SourceError) as raised:
        sources.from_csv(text)
    assert [(e.line, e.field) for e in raised.value.errors] == [(3, "prompt"), (4, "seed"), (5, "csv")]


def test_a_csv_row_carries_its_own_model_and_parameters():
    (row,) = sources.from_csv(
        "Prompt,negative_prompt,model,seed,width,style\na fox,blur,offline/studio-v1,7,512,anime\n"
    )
    assert (row.prompt, row.negative_prompt, row.model) == ("a fox", "blur", "offline/studio-v1")
    assert row.parameters == {"seed": 7, "width": 512, "style": "anime"}


def test_a_csv_needs_a_prompt_column():
    with pytest.raises(sources.SourceError, match="prompt"):
        sources.from_csv("text,seed\na,1\n")


def test_a_template_makes_every_combination():
    rows = sources.from_template(
        "a {{animal}} in the {{place}}", {"animal": ["fox", "owl"], "place": ["snow", "rain", " "]}
    )
    assert [row.prompt for row in rows] == [
        "a fox in the snow",
        "a fox in the rain",
        "a owl in the snow",
        "a owl in the rain",
    ]
    assert rows[1].label == "animal=fox, place=rain"


@pytest.mark.parametrize(
    ("template", "variables", "field"),
    [
        ("a {{animal}}", {}, "animal"),
        ("a fox", {"x": ["1"]}, "template"),
        ("a {{animal}}", {"animal": ["f"], "x": ["1"]}, "x"),
    ],
)
def test_a_bad_template_names_the_problem(template, variables, field):
    with pytest.raises(sources.SourceError) as raised:
        sources.from_template(template, variables)
    assert field in [error.field for error in raised.value.errors]


def test_too_many_combinations_are_refused_before_making_them():
    with pytest.raises(sources.SourceError, match="at most 2000"):
        sources.from_template("{{a}}{{b}}{{c}}", {name: [str(i) for i in range(20)] for name in "abc"})


# -- creating and feeding ---------------------------------------------------------------------------


def test_every_row_is_checked_and_a_bad_one_stops_the_whole_batch(alice):
    rows = sources.from_csv("prompt,guidance_scale\na fox,3\na whale,99\na kite,4\n")
    with pytest.raises(sources.SourceError) as raised:
        make_batch(alice, rows)
    assert [(e.line, e.field) for e in raised.value.errors] == [(3, "guidance_scale")]
    assert not Batch.objects.exists() and not GenerationJob.objects.exists()


def test_only_a_few_items_wait_in_the_queue_and_each_end_feeds_the_next(alice):
    batch = make_batch(alice, sources.from_lines("\n".join(f"prompt {i}" for i in range(8))))
    assert statuses(batch) == {"queued": 3, "pending": 5}
    first = queued_jobs(batch)[0]
    assert runner.run(first.pk) == JobStatus.SUCCEEDED
    assert statuses(batch) == {"succeeded": 1, "queued": 3, "pending": 4}
    assert BatchItem.objects.get(job=first).status == ItemStatus.SUCCEEDED
    while jobs := queued_jobs(batch):
        runner.run(jobs[0].pk)
    batch.refresh_from_db()
    assert statuses(batch) == {"succeeded": 8}
    assert (batch.status, batch.status_message) == (BatchStatus.COMPLETED, "Done")
    positions = [item.job.user_prompt for item in BatchItem.objects.filter(batch=batch).select_related("job")]
    assert positions == [f"prompt {i}" for i in range(8)]  # fed in order


def test_pause_takes_waiting_jobs_back_and_lets_running_ones_finish(alice):
    batch = make_batch(alice, sources.from_lines("\n".join(f"p{i}" for i in range(6))))
    running, *waiting = queued_jobs(batch)
    GenerationJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING)  # a worker took it
    services.pause(batch)
    assert statuses(batch) == {"queued": 1, "pending": 5}
    assert {job.status for job in GenerationJob.objects.filter(pk__in=[j.pk for j in waiting])} == {"canceled"}
    assert GenerationJob.objects.get(pk=running.pk).status == JobStatus.RUNNING
    services.resume(batch)
    assert statuses(batch) == {"queued": 3, "pending": 3}
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.RUNNING


def test_a_paused_batch_feeds_nothing_when_its_jobs_end(alice):
    batch = make_batch(alice, sources.from_lines("a\nb\nc\nd\ne"))
    first = queued_jobs(batch)[0]
    GenerationJob.objects.filter(pk=first.pk).update(status=JobStatus.RUNNING)
    services.pause(batch)
    outcomes.fail(GenerationJob.objects.get(pk=first.pk), "boom")
    assert statuses(batch) == {"failed": 1, "pending": 4}
    assert not queued_jobs(batch)


def test_the_budget_cap_stops_feeding(alice, settings):
    settings.FAL_KEY = "test-key"
    batch = make_batch(
        alice,
        sources.from_lines("a\nb\nc\nd"),
        model="fal-ai/flux/dev",
        budget_credits=7,
        parameters={"width": 1024, "height": 1024},
    )
    batch.refresh_from_db()
    assert statuses(batch) == {"queued": 2, "pending": 2}  # 3 credits each: a third would pass 7
    assert (batch.status, batch.credits_committed, batch.estimated_credits) == (BatchStatus.BUDGET_REACHED, 6, 12)
    assert "budget of 7" in batch.status_message
    services.resume(batch, budget_credits=12)
    assert statuses(batch) == {"queued": 3, "pending": 1}


def test_a_scheduled_batch_waits_for_its_time(alice):
    batch = make_batch(alice, sources.from_lines("a\nb"), run_after=timezone.now() + timedelta(hours=1))
    assert batch.status == BatchStatus.SCHEDULED and statuses(batch) == {"pending": 2}
    assert feeder.sweep() == 0
    Batch.objects.filter(pk=batch.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    assert feeder.sweep() == 2
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.RUNNING


def test_cancel_drops_waiting_items_and_refunds_fed_jobs(alice, settings):
    settings.FAL_KEY = "test-key"
    batch = make_batch(
        alice, sources.from_lines("a\nb\nc\nd"), model="fal-ai/flux/dev", parameters={"width": 1024, "height": 1024}
    )
    fed = queued_jobs(batch)
    services.cancel(batch)
    assert statuses(batch) == {"canceled": 4}
    for job in fed:
        kinds = sorted(CreditEntry.objects.filter(job=job).values_list("kind", "amount"))
        assert kinds == [("refund", 3), ("reserve", -3)]
    with pytest.raises(services.BatchError):
        services.cancel(batch)


def test_retry_failed_feeds_the_failed_items_again(alice):
    batch = make_batch(alice, sources.from_lines("a\nb"))
    for job in queued_jobs(batch):
        outcomes.fail(job, "the model hiccuped")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED and statuses(batch) == {"failed": 2}
    assert services.retry_failed(batch) == 2
    assert statuses(batch) == {"queued": 2}
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.RUNNING


def test_a_full_queue_holds_the_batch_back_without_failing_it(alice, settings):
    settings.USER_MAX_QUEUED_JOBS = 2
    batch = make_batch(alice, sources.from_lines("a\nb\nc\nd"))
    assert statuses(batch) == {"queued": 2, "pending": 2}
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.RUNNING


def test_progress_counts_and_throughput(alice):
    batch = make_batch(alice, sources.from_lines("a\nb\nc\nd"))
    runner.run(queued_jobs(batch)[0].pk)
    progress = services.progress(Batch.objects.get(pk=batch.pk))
    assert (progress.total, progress.succeeded, progress.queued, progress.pending, progress.done) == (4, 1, 3, 0, 1)
    assert progress.per_minute and progress.per_minute > 0 and progress.eta is not None


def test_alternations_make_every_combination_or_one_pick_per_item():
    rows = sources.from_lines("a {red|blue} {kite|boat}\na plain fox")
    every = sources.expand_dynamic(rows, "all")
    assert [(row.line, row.prompt) for row in every] == [
        (1, "a red kite"),
        (1, "a red boat"),
        (1, "a blue kite"),
        (1, "a blue boat"),
        (2, "a plain fox"),
    ]
    assert every[1].label == "Line 1 · 2/4"
    picked = sources.expand_dynamic(rows, "random")
    assert len(picked) == 2 and picked[0].prompt in {r.prompt for r in every[:4]}
    assert sources.expand_dynamic(rows, "none") == rows
    with pytest.raises(sources.SourceError) as raised:
        sources.expand_dynamic(sources.from_lines("fine\na {red|blue"), "all")
    assert [(e.line, e.field) for e in raised.value.errors] == [(2, "prompt")]


def test_a_batch_dragged_ahead_keeps_its_place_for_the_items_it_feeds_next(alice):
    lone = enqueue_job(user=alice)
    batch = make_batch(alice, sources.from_lines("\n".join(f"p{i}" for i in range(5))))
    assert generation.reorder_queue(alice, [("batch", batch.pk), ("job", lone.pk)]) == 2
    order = list(jobqueue.next_job_of(alice.pk).values_list("batch_id", flat=True))
    assert order == [batch.pk, batch.pk, batch.pk, None]
    runner.run(queued_jobs(batch)[0].pk)  # its end feeds the next item, which takes the batch's place
    order = list(jobqueue.next_job_of(alice.pk).values_list("batch_id", flat=True))
    assert order == [batch.pk, batch.pk, batch.pk, None]
