"""How fast are the usage page and the dashboard for someone with 100,000 jobs in a year?

Run from the repo root:
    .venv/bin/python benchmarks/usage.py                      # SQLite file (default)
    .venv/bin/python benchmarks/usage.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
Options: --jobs N (default 100,000), --samples N (timed requests per page, default 10), --zone NAME (the user's
time zone, default UTC, e.g. Asia/Kolkata).

Seeds one user's year of finished jobs in bulk: a job, its usage log and its reserve entry in the ledger each,
at random times, over several models, 1–4 images a job, 5 % failed. The quarter-hour totals are filled by their
triggers, as in production. Then, through Django's test client, it times the usage page (30 and 90 days) and
the dashboard, and prints p50/p95, queries and the slowest query of each. Figures are printed, never asserted;
everything it made is removed at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Stack, make_user, percentile, terminate_on_signals

BATCH = 5_000


def seed(user, jobs: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from imagestudio.billing.models import CreditEntry, UsageLog
    from imagestudio.catalog.models import AIModel
    from imagestudio.generation.models import GenerationJob

    models = list(AIModel.objects.order_by("name")[:6])
    now = timezone.now()
    started = time.perf_counter()
    for first in range(0, jobs, BATCH):
        rows = []
        for _ in range(first, min(jobs, first + BATCH)):
            when = now - timedelta(seconds=rng.randrange(365 * 86_400))
            ok = rng.random() < 0.95
            job = GenerationJob(
                user=user,
                model=rng.choice(models),
                prompt="a red fox in the snow",
                num_images=rng.choice([1, 1, 2, 4]),
                status="succeeded" if ok else "failed",
                created_at=when,
            )
            log = UsageLog(
                user=user,
                job=job,
                action="generate",
                model=job.model,
                credits_used=4 if ok else 0,
                num_images=job.num_images,
                generation_time=rng.random() * 5,
                success=ok,
            )
            reserve = CreditEntry(user=user, kind="reserve", amount=-4, balance_after=0, job=job)
            rows.append((when, job, log, reserve))
        GenerationJob.objects.bulk_create([row[1] for row in rows])
        # created_at is set on insert (auto_now_add): logs and entries are written with their own times
        for model, index in ((UsageLog, 2), (CreditEntry, 3)):
            objects = [row[index] for row in rows]
            model.objects.bulk_create(objects)
            for (when, *_), obj in zip(rows, objects, strict=True):
                obj.created_at = when
            model.objects.bulk_update(objects, ["created_at"], batch_size=1_000)
        print(f"  … {min(jobs, first + BATCH):,} jobs ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: statistics (and the visibility map on PostgreSQL).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def measure(client, label: str, url: str, samples: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        client.get(url)
    times, queries, slowest = [], 0, (0.0, "")
    for _ in range(samples):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
        worst = max(captured.captured_queries, key=lambda query: float(query["time"]))
        if float(worst["time"]) > slowest[0]:
            slowest = (float(worst["time"]), " ".join(worst["sql"].split())[:140])
    print(
        f"{label:<26} p50 {percentile(times, 50) * 1000:7.1f} ms  p95 {percentile(times, 95) * 1000:7.1f} ms  "
        f"{queries:3d} queries  slowest {slowest[0] * 1000:6.1f} ms  {slowest[1]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--zone", default="UTC")
    args = parser.parse_args()
    terminate_on_signals()
    stack = Stack("usage", database_url=args.database_url)
    try:
        stack.setup_django()
        run(args, stack)
    finally:
        stack.close()


def run(args, stack: Stack) -> None:
    from django.conf import settings
    from django.test import Client

    from imagestudio.billing.models import UsageSlot
    from imagestudio.preferences.services import update_settings

    settings.ALLOWED_HOSTS = ["*"]
    print(f"== usage benchmark on {stack.database_label}: {args.jobs:,} jobs in a year, time zone {args.zone}")
    user = make_user("bench-usage@example.com")
    update_settings(user=user, changes={"timezone": args.zone})
    seed(user, args.jobs, random.Random(8))
    print(f"  quarter-hour totals: {UsageSlot.objects.filter(user_id=user.pk).count():,} rows for {args.jobs:,} jobs")
    client = Client()
    client.force_login(user)
    for label, url in (
        ("usage page, 30 days", "/usage/"),
        ("usage page, 90 days", "/usage/?period=90"),
        ("dashboard", "/dashboard/"),
    ):
        measure(client, label, url, args.samples)


if __name__ == "__main__":
    main()
