"""Batches: how long a 1,000-row CSV takes to validate and queue, and what the batch page costs to update
while 1,000 items run.

Run from the repo root:
    .venv/bin/python benchmarks/batches.py
    .venv/bin/python benchmarks/batches.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

(a) CSV -> running batch: parse a 1,000-row CSV (prompt, negative_prompt, seed, guidance_scale), check every
    row against the model (the same check as enqueue), store the batch and its items and feed the first
    items into the queue. In-process, on a fal model (credits estimated per row). Goal: < 2 s.
(b) The batch page's live update (the HTMX partial polled every 2 s): a 1,000-item batch with items in
    every state (succeeded with images, failed, queued, running, waiting), rendered through Django's test
    client; p50/p95 over repeated requests, and its query count.
Figures are printed, never asserted. Each run gets its own temp dir and database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Stack, fmt_ms, make_user, percentile, terminate_on_signals

MODEL = "fal-ai/flux/schnell"
ROWS = 1000


def csv_text(rows: int) -> str:
    lines = ["prompt,negative_prompt,seed,guidance_scale"]
    lines += [f"a lighthouse on a cliff number {i},blurry,{i},{3 + i % 5}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def queue_csv(user, rows: int) -> tuple[float, float, object]:
    from imagestudio.batches import services, sources
    from imagestudio.catalog.models import AIModel
    from imagestudio.workspaces.services import personal_workspace

    model = AIModel.objects.get(endpoint_id=MODEL)
    text = csv_text(rows)
    started = time.perf_counter()
    parsed = sources.from_csv(text)
    parsed_at = time.perf_counter()
    settings = services.Settings(model=model, parameters={"width": 512, "height": 512})
    batch = services.create(user, personal_workspace(user), "csv", parsed, settings)
    return parsed_at - started, time.perf_counter() - started, batch


def mixed_states(batch) -> None:
    """Spread the items over every state, the way a running batch looks half way through."""
    from django.utils import timezone

    from imagestudio.batches.models import BatchItem, ItemStatus
    from imagestudio.gallery.services import Recipe, store_image
    from imagestudio.generation.models import GenerationJob, JobStatus
    from tests.factories import png_bytes

    items = list(BatchItem.objects.filter(batch=batch).order_by("position"))
    data = png_bytes(64, 64)
    for item in items[:500]:  # done, with an image each
        job = GenerationJob.objects.create(
            user=batch.user, model=batch.model, prompt=item.prompt, batch_id=batch.pk,
            status=JobStatus.SUCCEEDED, completed_at=timezone.now(), started_at=timezone.now(),
        )  # fmt: skip
        recipe = Recipe(prompt=item.prompt, negative_prompt="", model_endpoint=MODEL, parameters={}, seed=1)
        store_image(user=batch.user, data=data, recipe=recipe, job=job, model=batch.model)
        item.job, item.status = job, ItemStatus.SUCCEEDED
    for item in items[500:550]:
        item.status, item.error_message = ItemStatus.FAILED, "fal.ai rejected a setting"
    BatchItem.objects.bulk_update(items[:550], ["job", "status", "error_message"])


def page_cost(user, batch, repeats: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    url = f"/batches/{batch.pk}/"
    client.get(url, headers={"HX-Request": "true"})  # warm
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url, headers={"HX-Request": "true"})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers={"HX-Request": "true"})
    return times, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeats", type=int, default=3, help="(a) runs, each a fresh batch")
    parser.add_argument("--page-repeats", type=int, default=40)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    terminate_on_signals()
    stack = Stack("batches", database_url=args.database_url, keep=args.keep, env={"TASKS_BACKEND": "dummy"})
    try:
        stack.setup_django()
        from django.db import connection

        print(f"database: {connection.vendor}; rows: {args.rows}")
        user = make_user("batch-bench@example.com")
        totals = []
        for run in range(args.repeats):
            parse, total, batch = queue_csv(user, args.rows)
            totals.append(total)
            print(f"(a) run {run + 1}: parse {fmt_ms(parse)}, parse+check+store+feed {fmt_ms(total)}")
        print(f"(a) {args.rows}-row CSV -> running batch: median {fmt_ms(statistics.median(totals))} (goal < 2 s)")
        mixed_states(batch)
        times, queries = page_cost(user, batch, args.page_repeats)
        print(
            f"(b) batch page update while {args.rows} items run: p50 {fmt_ms(percentile(times, 50))}, "
            f"p95 {fmt_ms(percentile(times, 95))}, {queries} queries"
        )
    finally:
        stack.close()


if __name__ == "__main__":
    main()
