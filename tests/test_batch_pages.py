"""Batch pages: review shows count, cost and bad lines before anything is queued; start queues; the detail
page shows progress and results and controls the batch; the export streams the batch's images."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from imagestudio.batches.models import Batch, BatchStatus
from imagestudio.generation import runner
from imagestudio.generation.models import GenerationJob, JobStatus
from tests.factories import RECORD_TASKS_ONLY

pytestmark = pytest.mark.django_db(transaction=True)
TURBO = "offline/studio-turbo"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""
    settings.BATCH_FEED_AHEAD = 2


def form(**values) -> dict:
    return {"model_id": TURBO, "aspect_ratio": "1:1", "priority": "0", **values}


def test_review_shows_the_count_and_queues_nothing(alice_browser):
    response = alice_browser.post("/batches/new/", form(source="prompts", prompts="a fox\na whale\n\na kite"))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="batch-review-count">3<' in body
    assert 'data-testid="batch-start"' in body
    assert not Batch.objects.exists() and not GenerationJob.objects.exists()


def test_a_csv_upload_with_bad_lines_lists_them(alice_browser):
    csv = SimpleUploadedFile("rows.csv", b"prompt,seed\na fox,1\n,2\na kite,x\n", content_type="text/csv")
    response = alice_browser.post("/batches/new/", {**form(source="csv"), "csv_file": csv})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Line 3</span> · The prompt is empty." in body and "Line 4</span> · seed must be a whole number" in body
    assert "a fox,1" in body  # the uploaded CSV is kept, to fix and resubmit
    assert not Batch.objects.exists()


def test_start_queues_the_batch_and_the_page_follows_it(alice_browser):
    response = alice_browser.post(
        "/batches/new/",
        form(
            source="template", template="a {{animal}}", variables="animal: fox, owl, hare", confirm="1", name="Animals"
        ),
    )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/batches/{batch.pk}/"
    assert (batch.total, batch.name, batch.status) == (3, "Animals", BatchStatus.RUNNING)
    first = GenerationJob.objects.filter(batch_id=batch.pk).order_by("created_at").first()
    assert runner.run(first.pk) == JobStatus.SUCCEEDED
    page = alice_browser.get(f"/batches/{batch.pk}/").content.decode()
    assert 'data-testid="batch-done">1 / 3<' in page and "a fox" in page
    assert 'hx-trigger="every 2s"' in page
    assert alice_browser.post(f"/batches/{batch.pk}/pause/").status_code == 302
    assert Batch.objects.get().status == BatchStatus.PAUSED
    assert alice_browser.get("/batches/").status_code == 200


def test_the_export_streams_the_batchs_images(alice_browser):
    alice_browser.post("/batches/new/", form(source="prompts", prompts="a fox\na owl", confirm="1"))
    batch = Batch.objects.get()
    for job in GenerationJob.objects.filter(batch_id=batch.pk):
        runner.run(job.pk)
    response = alice_browser.get(f"/batches/{batch.pk}/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert sum(name.startswith("images/") for name in names) == 2 and "metadata.json" in names


def test_someone_elses_batch_is_not_found(alice_browser, bob):
    bobs = Client()
    bobs.force_login(bob)
    bobs.post("/batches/new/", form(source="prompts", prompts="a fox", confirm="1"))
    batch = Batch.objects.get()
    assert alice_browser.get(f"/batches/{batch.pk}/").status_code == 404
    assert alice_browser.post(f"/batches/{batch.pk}/cancel/").status_code == 404


def test_the_batch_list_asks_the_same_queries_for_one_batch_or_many(alice_browser):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_browser.get("/batches/").status_code == 200
        return len(queries)

    alice_browser.post("/batches/new/", form(source="prompts", prompts="a fox", confirm="1"))
    one = queries_for_list()
    for _ in range(4):
        alice_browser.post("/batches/new/", form(source="prompts", prompts="a fox\na owl", confirm="1"))
    assert queries_for_list() == one
    page = alice_browser.get("/batches/").content.decode()
    assert page.count('data-testid="batch-row"') == 5
