"""The generation queue. The job table is the truth; tasks are only wake-ups.

Every queued job, finished job and recovery sweep sends a wake-up. A wake-up claims the best eligible job
at that moment, in two steps:
1. the user: staff-boosted work first, then the user with the fewest running jobs (fair share), then the
   user who waited longest since one of their jobs last started (so a flood from one user never starves
   another, even with a single worker), then the oldest waiting job; users at their concurrency limit wait;
2. that user's job: their own priority first (it orders only their own jobs), then the oldest.
Claiming is one compare-and-set UPDATE under a per-user lock, so two workers never take the same job and
never push a user past `USER_MAX_CONCURRENT_JOBS`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, F, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from imagestudio.generation.models import GenerationJob, JobStatus, QueueHold
from imagestudio.lib import locks, pgnotify

log = logging.getLogger(__name__)
MAX_CLAIM_TRIES = 5
WAKE_CHANNEL = "imagestudio_jobs"  # PostgreSQL NOTIFY channel: a job was queued, ended, or a webhook came

# How a wake-up is delivered (a task enqueue in production). Installed by `generation.tasks`, the
# composition root, when the app loads: the queue never imports the task that drives it.
Waker = Callable[[datetime | None], None]
_waker: Waker | None = None


def install_waker(waker: Waker) -> None:
    global _waker
    _waker = waker


def wake(run_after: datetime | None = None) -> None:
    """Ask a worker to claim the next job (no earlier than `run_after`).

    On PostgreSQL, listening pollers hear it at once too (a NOTIFY, delivered when the transaction commits).
    """
    if _waker is None:
        raise RuntimeError("No wake-up installed: imagestudio.generation.tasks was not loaded")
    _waker(run_after)
    if run_after is None or run_after <= timezone.now():
        pgnotify.notify(WAKE_CHANNEL)


def lease_until(seconds: float | None = None) -> datetime:
    return timezone.now() + timedelta(seconds=seconds or settings.JOB_LEASE_SECONDS)


class LeaseKeeper:
    """Renews the leases of jobs this process is busy with in one long network call (a fal submit, which
    fal_client retries up to ten times): while the process lives the lease stays fresh, so recovery never
    hands the job to a second worker; if the process dies, the lease runs out within one lease length.

    One daemon thread per process, started on first use, renewing every third of a lease. Between jobs it
    makes no query and closes its database connection (a worker waiting for work holds none for it).
    """

    def __init__(self) -> None:
        self._held: dict[UUID, str] = {}  # job id -> lease owner
        self._lock = threading.Lock()
        self._changed = threading.Event()  # a lease was taken or given back
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, job: GenerationJob) -> Iterator[None]:
        with self._lock:
            self._held[job.pk] = job.lease_owner
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()
        self._changed.set()  # the new lease must be renewed within a third of a lease from now
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(job.pk, None)
            self._changed.set()  # the last one given back: the thread lets its connection go now

    def renew(self) -> int:
        """Push every held lease one lease length ahead; returns how many were still ours."""
        with self._lock:
            held = dict(self._held)
        renewed = 0
        for job_id, owner in held.items():
            renewed += GenerationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, lease_owner=owner).update(
                lease_expires_at=lease_until()
            )
        return renewed

    def _run(self) -> None:
        next_round = time.monotonic() + settings.JOB_LEASE_SECONDS / 3
        while True:
            if self._changed.wait(timeout=max(0.0, next_round - time.monotonic())):
                self._changed.clear()
                next_round = min(next_round, time.monotonic() + settings.JOB_LEASE_SECONDS / 3)
            with self._lock:
                idle = not self._held
            if idle:  # nothing to renew: no query, and no connection kept open until the next job
                connection.close()
                next_round = time.monotonic() + settings.JOB_LEASE_SECONDS / 3
                continue
            if time.monotonic() < next_round:
                continue
            next_round = time.monotonic() + settings.JOB_LEASE_SECONDS / 3
            try:
                self.renew()
            except Exception:  # a database hiccup: the next round tries again, well within the lease
                log.exception("Renewing job leases failed")
            finally:
                close_old_connections()


lease_keeper = LeaseKeeper()


def _due() -> Q:
    return Q(run_after__isnull=True) | Q(run_after__lte=timezone.now())


def _running_count() -> Coalesce:
    running = (
        GenerationJob.objects.filter(user=OuterRef("user"), status=JobStatus.RUNNING)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(running, output_field=IntegerField()), Value(0))


def _last_started() -> Subquery:
    latest = GenerationJob.objects.filter(user=OuterRef("user"), started_at__isnull=False).order_by("-started_at")
    return Subquery(latest.values("started_at")[:1])


def waiting_users(only: Q | None = None) -> QuerySet:
    """Users with due queued jobs (matching `only`) and a free slot, best first (see the module docstring)."""
    return (
        GenerationJob.objects.filter(status=JobStatus.QUEUED)
        .filter(_due(), only or Q())
        .exclude(user__in=QueueHold.objects.values("user"))  # users who paused their queue
        .values("user")
        .annotate(
            boost=Max("staff_priority"),
            running=_running_count(),
            last_started=_last_started(),
            oldest=Min("created_at"),
        )
        .filter(running__lt=settings.USER_MAX_CONCURRENT_JOBS)
        .order_by("-boost", "running", F("last_started").asc(nulls_first=True), "oldest")
    )


def next_job_of(user_id: Any, only: Q | None = None) -> QuerySet:
    """One user's due queued jobs (matching `only`) in the order they run."""
    return (
        GenerationJob.objects.filter(user_id=user_id, status=JobStatus.QUEUED)
        .filter(_due(), only or Q())
        .exclude(user__in=QueueHold.objects.values("user"))
        .order_by("-staff_priority", F("queue_rank").asc(nulls_last=True), "-priority", "created_at")
    )


def has_eligible_jobs() -> bool:
    return waiting_users().exists()


PROVIDER_DONE = "provider_done"


def mark_provider_done(job: GenerationJob) -> None:
    """The provider has finished this running job; only storing its outputs is left, so its slot is free."""
    state = {**job.provider_state, PROVIDER_DONE: True}
    GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(provider_state=state)
    job.provider_state = state


def claim(job_id: UUID | str, worker_id: str, *, freeing: UUID | None = None) -> GenerationJob | None:
    """Take one specific queued job (or one whose worker's lease expired), within the user's slots.

    `freeing`: a running job of the same user that fal has finished and this process is storing now; its
    slot counts as free, so the next job starts without waiting for the store. Jobs marked
    `provider_state[PROVIDER_DONE]` (see `mark_provider_done`) count as free too: when a wave of jobs
    finishes together, each refill must see every slot its neighbours are freeing, not just its own.
    """
    now = timezone.now()
    with transaction.atomic():
        user_id = GenerationJob.objects.filter(pk=job_id).values_list("user_id", flat=True).first()
        if user_id is None:
            return None
        locks.hold("claim", user_id)  # one claim per user at a time: the concurrency cap holds across workers
        stale = Q(status=JobStatus.RUNNING, lease_expires_at__lt=now)  # re-taking a dead worker's slot
        running_jobs = GenerationJob.objects.filter(user_id=user_id, status=JobStatus.RUNNING).exclude(stale)
        if freeing is not None:
            running_jobs = running_jobs.exclude(pk=freeing)
        # has_key first: a missing key compares as NULL, and NOT (NULL) would drop every other job too.
        done = Q(**{"provider_state__has_key": PROVIDER_DONE, f"provider_state__{PROVIDER_DONE}": True})
        running_jobs = running_jobs.exclude(done)
        running = running_jobs.count()
        claimable = stale if running >= settings.USER_MAX_CONCURRENT_JOBS else Q(status=JobStatus.QUEUED) | stale
        updated = GenerationJob.objects.filter(claimable, _due(), pk=job_id).update(
            status=JobStatus.RUNNING,
            lease_owner=worker_id,
            lease_expires_at=lease_until(),
            attempts=F("attempts") + 1,
            progress_message="Starting",
            queue_position=None,
            started_at=Coalesce(F("started_at"), Value(now)),
        )
    if not updated:
        return None
    return GenerationJob.objects.select_related("model", "user", "project").get(pk=job_id)


def claim_next(worker_id: str, *, only: Q | None = None) -> GenerationJob | None:
    """Claim the best eligible job; `only` narrows the choice (e.g. the fal poller starts only fal jobs)."""
    for _ in range(MAX_CLAIM_TRIES):
        user = waiting_users(only).values_list("user", flat=True).first()
        if user is None:
            return None
        candidate = next_job_of(user, only).values_list("pk", flat=True).first()
        if candidate is not None and (job := claim(candidate, worker_id)) is not None:
            return job
    return None  # lost every race: another wake-up will come


def retry_later(job: GenerationJob, reason: str, *, max_retries: int) -> bool:
    """Put a job back in the queue after an exponential, jittered delay. False when retries are used up."""
    if job.retry_count >= max_retries:
        return False
    delay = min(60.0, settings.JOB_RETRY_BASE_SECONDS * 2**job.retry_count) * random.uniform(0.5, 1.5)
    run_after = timezone.now() + timedelta(seconds=delay)
    updated = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED,
        retry_count=F("retry_count") + 1,
        run_after=run_after,
        lease_owner="",
        lease_expires_at=None,
        next_check_at=None,
        provider_state={},
        progress_message=f"Retrying in {delay:.0f}s: {reason}"[:200],
    )
    if updated:
        wake(run_after)
    return bool(updated)


def requeue_stale(job: GenerationJob, now: datetime) -> bool:
    """Give a job whose worker stopped renewing its lease back to the queue."""
    moved = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, lease_expires_at__lt=now).update(
        status=JobStatus.QUEUED, lease_owner="", progress_message="Requeued after a worker stopped"
    )
    if moved:
        wake()
    return bool(moved)


def ensure_wakeups(pending_wakeups: Callable[[], bool]) -> bool:
    """Safety net: if due jobs wait and no wake-up is pending (e.g. lost to a crash), add one."""
    if not has_eligible_jobs() or pending_wakeups():
        return False
    wake()
    return True


def update_queue_positions() -> None:
    """Approximate positions for the queue page: staff boost, then each user's own order, then age."""
    ordered = GenerationJob.objects.filter(status=JobStatus.QUEUED).order_by(
        "-staff_priority", "-priority", "created_at"
    )
    for position, pk in enumerate(ordered.values_list("pk", flat=True)[:500]):
        GenerationJob.objects.filter(pk=pk).exclude(queue_position=position).update(queue_position=position)
