"""Job and batch notifications, told only to someone who is not watching.

A job card on the generate (or iterate) page polls its job every second while it runs, and the queue page and
comparison grids poll theirs; each poll marks those jobs "watched". The mark is a key in the shared cache (the database table or Redis, seen by web and worker
processes alike) rather than a column on the job: it expires by itself, needs no migration, and a poll never
waits for the job's row lock while a worker ends the job. To keep polling cheap, a poll rewrites the key only
when the stored time is REFRESH old, and the key outlives WATCH_WINDOW so an unbroken stream of polls always
leaves a fresh mark.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache

from imagestudio.events.services import record

WATCH_WINDOW = 30.0  # seconds: a job polled this recently is being watched, so nobody is told it ended
REFRESH = 10.0  # seconds between rewrites of the mark while the page keeps polling
clock = time.time  # tests move it


def _key(job_id: Any) -> str:
    return f"job-watched:{job_id}"


def mark_watched(*job_ids: Any) -> None:
    """The page shows these jobs right now (called by the polls of job cards, the queue and comparison grids).
    One read and at most one write of the cache, however many jobs."""
    if not job_ids:
        return
    now = clock()
    keys = [_key(job_id) for job_id in job_ids]
    last = cache.get_many(keys)
    stale = {key: now for key in keys if key not in last or now - float(last[key]) >= REFRESH}
    if stale:
        cache.set_many(stale, timeout=int(WATCH_WINDOW + REFRESH))


def watched_recently(job_id: Any) -> bool:
    last = cache.get(_key(job_id))
    return last is not None and clock() - float(last) < WATCH_WINDOW


def job_ended(job: Any, *, succeeded: bool, image_id: Any = None, count: int = 0) -> None:
    """Tell the job's owner it finished or failed (inside the transaction that ended it), unless they watch
    it on the page or it belongs to a batch (the batch tells them once, when all of it is done).

    No event is written when nobody is told: the job row already keeps the outcome, and the event stream
    would only double it.
    """
    if job.batch_id is not None or watched_recently(job.pk):
        return
    data: dict[str, Any] = {"prompt": job.prompt[:80], "model": job.model.display_name}
    if succeeded:
        data |= {"count": count, "image_id": str(image_id) if image_id else ""}
    else:
        data["error"] = (job.error_message or "")[:300]
    reason = "job_finished" if succeeded else "job_failed"
    record(
        actor=None,
        verb="job.finished" if succeeded else "job.failed",
        target=job,
        project_id=job.project_id,
        data=data,
        notify=[(job.user, reason)],
    )


def batch_completed(batch: Any, *, succeeded: int, failed: int) -> None:
    """Tell the batch's owner that every item of it has ended (inside the transaction that completed it)."""
    record(
        actor=None,
        verb="batch.completed",
        target=batch,
        workspace_id=batch.workspace_id,
        project_id=batch.project_id,
        data={"name": batch.name, "total": batch.total, "succeeded": succeeded, "failed": failed},
        notify=[(batch.user, "batch_done")],
    )
