"""Jobs on fal.ai: submit to fal's queue, then finish from a signed webhook or by polling.

A submitted job holds no worker thread. The poller (a thread in each worker process, with a small pool
the worker creates) picks the jobs whose `next_check_at` has come, checks many at once — network only —
and applies the outcomes through `outcomes` from its own thread.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from types import TracebackType
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from imagestudio.accounts import provider_keys
from imagestudio.accounts.provider_keys import OwnKeyUnavailable
from imagestudio.catalog.models import AIModel
from imagestudio.generation import jobqueue, operation_inputs, outcomes, selectors
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers.base import Progress, ProviderError, ProviderResult, Submission
from imagestudio.generation.providers.fal import FalProvider, parse_webhook
from imagestudio.lib import pgnotify

log = logging.getLogger(__name__)
POLL_BATCH = 64
DEFAULT_JWKS_URLS = ["https://rest.alpha.fal.ai/.well-known/jwks.json", "https://rest.fal.ai/.well-known/jwks.json"]


@cache
def _provider(key: str, timeout: float) -> FalProvider:
    return FalProvider(key=key, timeout=timeout)


def provider() -> FalProvider:
    return _provider(settings.FAL_KEY, settings.FAL_TIMEOUT)


@lru_cache(maxsize=256)  # users' own keys: bounded, unlike the studio's one
def _own_provider(key: str, timeout: float) -> FalProvider:
    return FalProvider(key=key, timeout=timeout)


def provider_for(job: GenerationJob) -> FalProvider:
    """The fal client for this job: the user's own key when the job was queued on it, else the studio's.

    Raises OwnKeyUnavailable when the user removed their key (or it can no longer be decrypted): such a job
    must not fall back to the studio's key, which would bill the studio for a job charged nothing."""
    if not job.own_fal_key:
        return provider()
    return _own_provider(provider_keys.fal_key_for(job.user_id), settings.FAL_TIMEOUT)


def fail_without_own_key(job: GenerationJob, exc: OwnKeyUnavailable) -> str:
    outcomes.fail(
        job,
        f"{exc} This job ran on your own fal.ai key, so it stopped; nothing was charged. "
        "Add your key again under Settings → API keys and generate again.",
    )
    return JobStatus.FAILED


def webhook_url() -> str | None:
    return f"{settings.PUBLIC_URL}{reverse('fal_webhook')}" if settings.PUBLIC_URL else None


def _next_check(
    job: GenerationJob | None = None, *, after_webhook: bool = False, submitted_at: float | None = None
) -> datetime:
    """When to look at a request next: with webhooks, only as a safety net; else every poll interval,
    except around the moment this model's requests usually finish: looks aimed at it (see `RunTime`),
    then quick looks until a poll interval past it."""
    now = timezone.now()
    if after_webhook:
        return now + timedelta(seconds=settings.FAL_WEBHOOK_FALLBACK_SECONDS)
    interval = settings.FAL_POLL_INTERVAL_SECONDS
    delay = interval
    if job is not None:
        submitted_at = submitted_at or job.provider_state.get("submitted_at")
    if job is not None and submitted_at and (run_time := _run_times.get(job.model_id)) and run_time.done:
        delay = run_time.next_look(time.time() - submitted_at, interval)
    elif job is not None and job.started_at is not None and (expected := _expected_seconds(job.model_id)):
        elapsed = (now - job.started_at).total_seconds()
        first_look = EARLY_LOOK * expected
        if elapsed < first_look <= elapsed + EXPECTED_END_HORIZON * interval:
            delay = max(first_look - elapsed, END_POLL_SECONDS)
        elif first_look <= elapsed <= expected + interval:
            delay = END_POLL_SECONDS
    return now + timedelta(seconds=delay)


EARLY_LOOK = 0.9  # the first look comes at 90 % of the fastest recent run, so the estimate can improve
END_POLL_SECONDS = 0.1  # between that look and a poll interval past the expected end, look this often
EXPECTED_END_HORIZON = 3  # within this many poll intervals of the first look, wait for it instead of polling


class RunTime:
    """What this process has seen of one model's fal run time (seconds from submit to done), to aim looks.

    Every status look brackets it: "not done yet" at `elapsed` (timed when the look was sent) means the
    run takes longer; "done" (timed when the answer came) means it takes at most that. The next request's
    first look goes to the middle of the bracket and, if that was too soon, the second to its top: a miss
    costs at most the bracket's width, and each miss or hit halves it. When run times vary more than the
    bracket (a busy fal queue), the looks go to the fastest recent "done" and quick polls follow.
    """

    WINDOW = 20  # the most recent observations of each kind

    def __init__(self) -> None:
        self.done: deque[float] = deque(maxlen=self.WINDOW)
        self.not_done: deque[float] = deque(maxlen=self.WINDOW)

    def bracket(self) -> tuple[float, float] | None:
        if not self.done:
            return None
        return max(self.not_done, default=0.0), min(self.done)

    def next_look(self, elapsed: float, interval: float) -> float:
        """Seconds from now until the next look at a request submitted `elapsed` seconds ago."""
        bracket = self.bracket()
        if bracket is None:
            return interval
        lower, upper = bracket
        # Below the bracket: aim at its middle. At or in it (this request missed there): at its top.
        target = (lower + upper) / 2 if elapsed < lower and lower < upper else upper
        if target > elapsed + MIN_LOOK_GAP:
            return target - elapsed if target - elapsed <= EXPECTED_END_HORIZON * interval else interval
        return END_POLL_SECONDS if elapsed <= upper + interval else interval


MIN_LOOK_GAP = 0.005
_run_times: dict[UUID, RunTime] = {}


def note_look(model_id: UUID, *, done: bool, elapsed: float) -> None:
    """Record one status look (see `RunTime`); the poller's pool threads call this."""
    run_time = _run_times.get(model_id) or _run_times.setdefault(model_id, RunTime())
    (run_time.done if done else run_time.not_done).append(elapsed)


_expected: dict[UUID, tuple[float, float | None]] = {}  # model id -> (computed at, seconds)
EXPECTED_TTL_SECONDS = 5


def _expected_seconds(model_id: UUID) -> float | None:
    """How soon this model's jobs were done recently (the fastest; claim to stored result), cached per process."""
    cached = _expected.get(model_id)
    # Asked again every few seconds: an estimate learned from one slow early job (a cold start) would
    # otherwise make every poll of the next minute land late.
    if cached is not None and time.monotonic() - cached[0] < EXPECTED_TTL_SECONDS:
        return cached[1]
    seconds = selectors.recent_duration(model_id, fastest=True)
    _expected[model_id] = (time.monotonic(), seconds)
    return seconds


class FalJobs:
    """The fal provider as the runner sees it: `start` submits and frees the worker; polling finishes."""

    def start(self, job: GenerationJob, worker_id: str) -> str:
        return submit(job)

    def cancel(self, job: GenerationJob) -> None:
        """Best effort: tell fal to drop the request; our side is canceled and refunded regardless."""
        if job.submission is not None:
            try:
                fal = provider_for(job)
            except OwnKeyUnavailable:
                return  # without the user's key nobody can cancel it at fal
            cancel_request(job.model.endpoint_id, job.submission, fal=fal)


# -- submit -----------------------------------------------------------------------------------------


def submit(job: GenerationJob) -> str:
    """Hand a claimed job to fal's queue and free the worker at once."""
    schema = job.model.input_schema
    arguments = dict(job.parameters)
    if "prompt" in schema or not operation_inputs.takes_image(job):
        arguments["prompt"] = job.prompt
    if job.negative_prompt and "negative_prompt" in schema:
        arguments["negative_prompt"] = job.negative_prompt
    if operation_inputs.takes_image(job) and "seed" not in schema:
        arguments.pop("seed", None)  # tools without a seed (upscalers, cut-outs) are deterministic
    try:
        arguments.update(operation_inputs.fal_arguments(job))
    except ProviderError as exc:
        return handle_error(job, exc)
    try:
        fal = provider_for(job)
    except OwnKeyUnavailable as exc:
        return fail_without_own_key(job, exc)
    GenerationJob.objects.filter(pk=job.pk, lease_owner=job.lease_owner).update(
        lease_expires_at=jobqueue.lease_until(), progress_message="Sending to fal.ai"
    )
    try:
        # fal_client retries a submit up to 10 times on its own: the lease is renewed all along, so recovery
        # never hands the job to a second worker (and a second fal request) while this one still waits.
        with jobqueue.lease_keeper.holding(job):
            submission = fal.submit(job.model.endpoint_id, arguments, webhook_url=webhook_url())
    except ProviderError as exc:
        return handle_error(job, exc)
    submitted_at = time.time()
    updated = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, lease_owner=job.lease_owner).update(
        fal_request_id=submission.request_id,
        provider_state={"submission": dataclasses.asdict(submission), "submitted_at": submitted_at},
        lease_owner="",
        lease_expires_at=None,  # nobody holds it now: the poller or the webhook finishes it
        next_check_at=_next_check(job, after_webhook=bool(webhook_url()), submitted_at=submitted_at),
        progress_message="Sent to fal.ai",
    )
    if not updated:  # canceled or taken over meanwhile: don't leave a request running at fal
        cancel_request(job.model.endpoint_id, submission, fal=fal)
        return "abandoned"
    return "submitted"


def submit_next_pass(job: GenerationJob, result: ProviderResult) -> str:
    """Send the next upscale pass (the last output as input) as a new fal request for the same job."""
    output = result.images[0]
    url = output.url if output.url.startswith("http") else operation_inputs.data_uri(output.data)
    arguments = operation_inputs.next_pass_arguments(job, url)
    try:
        fal = provider_for(job)
        submission = fal.submit(job.model.endpoint_id, arguments, webhook_url=webhook_url())
    except OwnKeyUnavailable as exc:
        return fail_without_own_key(job, exc)
    except ProviderError as exc:
        return handle_error(job, exc)
    submitted_at = time.time()
    passes_done = int(job.provider_state.get("passes_done", 1)) + 1
    total = len(job.inputs["passes"])
    updated = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        fal_request_id=submission.request_id,
        provider_state={
            "submission": dataclasses.asdict(submission),
            "submitted_at": submitted_at,
            "passes_done": passes_done,
        },
        next_check_at=_next_check(after_webhook=bool(webhook_url())),
        progress=round((passes_done - 1) / total, 3),
        progress_message=f"Upscale pass {passes_done} of {total} on fal.ai",
    )
    if not updated:
        cancel_request(job.model.endpoint_id, submission, fal=fal)
        return "abandoned"
    return "submitted"


def handle_error(job: GenerationJob, exc: ProviderError) -> str:
    """Retry what may succeed later; fail the rest with a message a person can act on."""
    if exc.kind == "retryable" and jobqueue.retry_later(job, exc.message, max_retries=settings.FAL_MAX_SUBMIT_RETRIES):
        return "retrying"
    outcomes.fail(job, failure_message(job, exc), field="prompt" if exc.kind == "content_policy" else exc.field or "")
    return JobStatus.FAILED


def failure_message(job: GenerationJob, exc: ProviderError) -> str:
    if job.own_fal_key and exc.status_code in (401, 403):
        return (
            f"fal.ai rejected your own fal.ai key (HTTP {exc.status_code}). Check it in your fal.ai dashboard, "
            "then replace or remove it under Settings → API keys. Nothing was charged."
        )
    refunded = "Nothing was charged (your own fal.ai key)." if job.own_fal_key else outcomes.REFUNDED
    match exc.kind:
        case "retryable":
            return f"fal.ai kept failing ({exc.message}). We tried {job.retry_count + 1} times. {refunded} Try again in a few minutes."
        case "validation":
            return f"fal.ai rejected a setting: {exc.message}"
        case "content_policy":
            return f"fal.ai's content policy blocked this request. Rephrase the prompt and try again. {refunded}"
        case "canceled":
            return f"fal.ai canceled this request. {refunded}"
        case _:
            return f"fal.ai could not run this job: {exc.message}"


# -- polling ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one check learned, gathered off the database thread."""

    job_id: str
    progress: Progress | None = None
    result: ProviderResult | None = None
    error: ProviderError | None = None
    finished: bool = False  # fal is done with the request: an error is its final answer, not a hiccup


def _claim_due_checks(limit: int) -> list[GenerationJob]:
    """Take the due in-flight jobs for checking. Looking costs one light query: loops call this often."""
    now = timezone.now()
    due = (
        GenerationJob.objects.filter(status=JobStatus.RUNNING, next_check_at__lte=now, lease_expires_at__isnull=True)
        .order_by("next_check_at")
        .values_list("pk", "next_check_at")[:limit]
    )
    claimed = [
        pk
        for pk, next_check_at in due
        # Compare-and-set so two pollers never check the same request at once.
        if GenerationJob.objects.filter(pk=pk, next_check_at=next_check_at).update(
            next_check_at=now + timedelta(seconds=settings.FAL_POLL_CLAIM_SECONDS)
        )
    ]
    if not claimed:
        return []
    return list(GenerationJob.objects.filter(pk__in=claimed).select_related("model", "user", "project"))


def _check(
    endpoint_id: str,
    job_id: str,
    submission: Submission,
    webhook_body: dict | None,
    on_result: Callable[[], object] | None = None,
    *,
    fal: FalProvider | None = None,
) -> Outcome:
    """Network only: status, then result and image bytes when done. `on_result` runs the moment fal says
    the request is done, before the result and images are fetched (the caller starts the user's next job
    there). `fal`: the job's client (`provider_for`), the studio's by default."""
    fal = fal or provider()
    try:
        if webhook_body is not None:
            _, outcome = parse_webhook(webhook_body)
            if isinstance(outcome, ProviderError):
                return Outcome(job_id, error=outcome, finished=True)
            _run_quietly(on_result)
            return Outcome(job_id, result=_download_all(fal, outcome))
        progress = fal.status(endpoint_id, submission, with_logs=True)
        if progress.state != "completed":
            return Outcome(job_id, progress=progress)
    except ProviderError as exc:
        return Outcome(job_id, error=exc)
    # fal is done with the request whatever its result: the slot is free for the user's next job now.
    _run_quietly(on_result)
    try:
        # A COMPLETED status with an error: the result GET returns the error body, mapped for us.
        result = fal.result(endpoint_id, submission)
        return Outcome(job_id, result=_download_all(fal, result))
    except ProviderError as exc:
        return Outcome(job_id, error=exc, finished=bool(progress.error))


def _run_quietly(step: Callable[[], object] | None) -> None:
    try:
        if step is not None:
            step()
    except Exception:  # starting the next job is an optimisation: this job's outcome must still land
        log.exception("Starting the next job early failed")


def _download_all(fal: FalProvider, result: ProviderResult) -> ProviderResult:
    """fal's URLs expire: fetch every output now."""
    images = [
        image if image.data else dataclasses.replace(image, data=fal.download(image.url)) for image in result.images
    ]
    return dataclasses.replace(result, images=images)


class Poller:
    """Checks due fal requests on its own thread pool, and starts waiting fal jobs the moment slots free.

    The worker creates one (tests may too). A job that ends here frees its user's slot: the poller claims
    the next fal job itself and submits it on the pool, instead of waiting for the task worker's next
    look. On PostgreSQL it also wakes at once on NOTIFY (job queued or ended, webhook recorded).
    """

    def __init__(self, worker_id: str = "poller", max_workers: int = 32) -> None:
        self.worker_id = worker_id
        self.max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="fal")
        self._checking: set[Future] = set()  # checks handed to the pool and not yet done

    def __enter__(self) -> Poller:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def poll_due(self, limit: int = POLL_BATCH, *, wait: bool = True) -> int:
        """Check due in-flight jobs concurrently and apply each outcome as it lands; returns how many.

        With `wait=False` (the poller's loop) it hands the checks to the pool and returns at once, so a
        webhook that lands meanwhile is picked up on the next look, not after the slowest check of this
        batch. It claims no more than the pool has free threads: a claimed job never waits in the pool's
        backlog while its claim runs out.
        """
        self._checking = {future for future in self._checking if not future.done()}
        jobs = _claim_due_checks(min(limit, self.max_workers - len(self._checking)))
        futures = []
        for job in jobs:
            if (submission := job.submission) is None:
                outcomes.fail(job, f"This job lost track of its fal request. {outcomes.REFUNDED}")
                continue
            futures.append(self._pool.submit(self._check_and_apply, job, submission))
        self._checking.update(futures)
        if wait:
            for future in as_completed(futures):
                future.result()
        return len(jobs)

    def _check_and_apply(self, job: GenerationJob, submission: Submission) -> None:
        """On a pool thread: one slow request or slow store delays no other job."""
        try:
            # The moment fal has the result, the user's next job starts (submitted from this thread), before
            # this one's images are downloaded and stored: a wave of finishes would otherwise queue its
            # next wave behind every download and store.
            refilled: list[bool] = []
            webhook = job.provider_state.get("webhook")
            submitted_at = job.provider_state.get("submitted_at")

            def start_next() -> None:
                if operation_inputs.passes_left(job):
                    return  # another upscale pass follows on this slot
                refilled.append(True)
                if webhook is None and submitted_at:
                    note_look(job.model_id, done=True, elapsed=time.time() - submitted_at)
                jobqueue.mark_provider_done(job)
                refill_slot(job.user_id, self.worker_id, freeing=job.pk)

            try:
                fal = provider_for(job)
            except OwnKeyUnavailable as exc:
                if webhook is None:  # removed while the job ran at fal: only their key can ask for the result
                    fail_without_own_key(job, exc)
                    refill_slot(job.user_id, self.worker_id)
                    return
                fal = provider()  # the webhook brought the result; its files are public, fetched without a key
            look_sent = time.time()
            outcome = _check(job.model.endpoint_id, str(job.pk), submission, webhook, on_result=start_next, fal=fal)
            if outcome.progress is not None and submitted_at:
                note_look(job.model_id, done=False, elapsed=look_sent - submitted_at)
            apply(job, outcome, wake_queue=False)
            if job.is_final and not refilled:
                refill_slot(job.user_id, self.worker_id)  # fill the freed slot now, not at a worker's next look
        except Exception:  # one bad outcome must not stop the others
            log.exception("Applying fal outcome for job %s failed", job.pk)
        finally:
            close_old_connections()  # like a request boundary: keeps a persistent connection, drops a stale one

    def start_waiting(self, limit: int = POLL_BATCH) -> int:
        """Claim waiting fal jobs (within every user's slots) and submit them on the pool."""
        return start_waiting(
            self.worker_id, limit=limit, submit_with=lambda job: self._pool.submit(_submit_on_pool, job)
        )

    def run(self, stop: threading.Event) -> None:
        """The poller thread's loop (see `manage.py worker`).

        It starts waiting fal jobs itself (submits in parallel on the pool) when told to by a NOTIFY on
        PostgreSQL, or every `UNNOTIFIED_START_SECONDS` elsewhere; the task worker starts them too.
        Without NOTIFY it looks for due checks (e.g. a webhook recorded by the web server) every
        `UNNOTIFIED_IDLE_SECONDS`: one indexed query, and the main wait between fal finishing and us.
        """
        listener = pgnotify.Listener(jobqueue.WAKE_CHANNEL)
        idle_seconds = NOTIFIED_IDLE_SECONDS if listener.live else UNNOTIFIED_IDLE_SECONDS
        notified, last_start = True, 0.0
        try:
            while not stop.is_set():
                try:
                    close_old_connections()
                    busy = self.poll_due(wait=False)
                    if notified or (not listener.live and time.monotonic() - last_start > UNNOTIFIED_START_SECONDS):
                        busy += self.start_waiting()
                        last_start = time.monotonic()
                except Exception:  # keep polling through database hiccups
                    log.exception("fal poller iteration failed")
                    busy = 0
                if busy:
                    notified = False
                else:  # NOTIFY wakes it for news; a poll coming due wakes it on time, not up to `idle` late
                    notified = listener.wait(_until_next_check(idle_seconds) if listener.live else idle_seconds, stop)
        finally:
            listener.close()


def _until_next_check(cap: float) -> float:
    """Seconds until the earliest scheduled check of an in-flight fal request comes due (at most `cap`)."""
    nearest = (
        GenerationJob.objects.filter(
            status=JobStatus.RUNNING, lease_expires_at__isnull=True, next_check_at__isnull=False
        )
        .order_by("next_check_at")
        .values_list("next_check_at", flat=True)
        .first()
    )
    if nearest is None:
        return cap
    return min(cap, max(0.005, (nearest - timezone.now()).total_seconds()))


UNNOTIFIED_START_SECONDS = 0.1  # one light query: is a fal job waiting for a free slot?
UNNOTIFIED_IDLE_SECONDS = 0.02
NOTIFIED_IDLE_SECONDS = 0.1  # NOTIFY wakes the loop at once; due polls wake it by their own time
FAL_ONLY = Q(model__provider=AIModel.Provider.FAL)


def start_waiting(worker_id: str, *, limit: int, submit_with: Callable[[GenerationJob], object] | None = None) -> int:
    """Claim up to `limit` waiting fal jobs (within every user's slots) and submit each (here, by default)."""
    started = 0
    while started < limit and (job := jobqueue.claim_next(worker_id, only=FAL_ONLY)) is not None:
        (submit_with or submit_quietly)(job)
        started += 1
    return started


def refill_slot(user_id: UUID, worker_id: str, *, freeing: UUID | None = None) -> None:
    """A job of this user just ended here (or, with `freeing`, fal finished it and it is being stored
    here): submit their next job at once when it runs on fal.

    Their next job by their own order, whatever it is: if it renders offline (or another process took
    it), a worker is woken for it instead. Cheaper than `start_waiting`: the freed slot is this user's,
    so no other user's turn is at stake.
    """
    # A few candidates, not one: when several of the user's jobs finish together, their refills race for
    # the same next job, and the losers take the one after it instead of leaving their slots empty.
    candidates = list(jobqueue.next_job_of(user_id).select_related("model")[:REFILL_CANDIDATES])
    for following in candidates:
        if following.model.provider != AIModel.Provider.FAL:
            break  # it renders offline: a worker takes it
        if job := jobqueue.claim(following.pk, worker_id, freeing=freeing):
            submit_quietly(job)
            return
    if candidates:  # (nothing due: scheduled jobs and retries have wake-ups of their own)
        jobqueue.wake()


REFILL_CANDIDATES = 8


def submit_quietly(job: GenerationJob) -> None:
    try:
        submit(job)
    except Exception:  # the lease expires and recovery requeues it; never kill the calling thread
        log.exception("Submitting job %s to fal failed", job.pk)


def _submit_on_pool(job: GenerationJob) -> None:
    try:
        submit_quietly(job)
    finally:
        close_old_connections()  # like a request boundary: keeps a persistent connection, drops a stale one


def apply(job: GenerationJob, outcome: Outcome, *, wake_queue: bool = True) -> None:
    """Act on what a check learned. `wake_queue=False`: the caller refills the user's slot itself."""
    if outcome.result is not None and operation_inputs.passes_left(job):
        submit_next_pass(job, outcome.result)
    elif outcome.result is not None:
        submitted_at = job.provider_state.get("submitted_at") or time.time()
        outcomes.finish(job, outcome.result, generation_time=time.time() - submitted_at, wake_queue=wake_queue)
    elif outcome.error is not None and outcome.finished:
        # fal ended the request in an error: resubmit within the retry budget if it may pass, else fail.
        handle_error(job, outcome.error)
    elif outcome.error is not None:
        _check_failed(job, outcome.error)
    elif outcome.progress is not None:
        _record_progress(job, outcome.progress)


def _record_progress(job: GenerationJob, progress: Progress) -> None:
    if progress.state == "queued":
        message = (
            f"Waiting in fal.ai's queue (position {progress.queue_position})"
            if progress.queue_position is not None
            else "Waiting in fal.ai's queue"
        )
    else:
        message = progress.logs[-1] if progress.logs else "Generating on fal.ai"
    logs = (job.logs + progress.logs)[-50:] if progress.logs else job.logs
    GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        queue_position=progress.queue_position,
        progress_message=message[:200],
        logs=logs,
        progress=max(job.progress, 0.1 if progress.state == "queued" else 0.5),
        check_failures=0,
        next_check_at=_next_check(job),
    )


def _check_failed(job: GenerationJob, error: ProviderError) -> None:
    if error.kind != "retryable":
        handle_error(job, error)
        return
    failures = job.check_failures + 1
    if failures > settings.FAL_MAX_CHECK_FAILURES:
        outcomes.fail(job, f"We lost contact with fal.ai for this job ({error.message}). {outcomes.REFUNDED}")
        return
    backoff = min(30.0, settings.FAL_CHECK_BACKOFF_SECONDS * 2**failures)
    GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        check_failures=failures,
        next_check_at=timezone.now() + timedelta(seconds=backoff),
        progress_message=f"fal.ai is slow to answer; checking again in {backoff:.0f}s",
    )


# -- webhooks and cancel ----------------------------------------------------------------------------


def accept_webhook(body: dict) -> str:
    """Record a verified webhook for the poller to finish at once; duplicates change nothing.

    The web request stays short (fal wants a quick answer, and downloads can be large): on PostgreSQL a
    NOTIFY wakes a poller at once, elsewhere its next look comes within `idle_seconds`.
    """
    request_id = body.get("request_id") if isinstance(body, dict) else None
    if not request_id:
        return "ignored"
    job = (
        GenerationJob.objects.filter(fal_request_id=request_id, status=JobStatus.RUNNING, lease_expires_at__isnull=True)
        .exclude(provider_state__has_key="webhook")
        .first()
    )
    if job is None:
        return "duplicate"
    recorded = (
        GenerationJob.objects.filter(pk=job.pk)
        .exclude(provider_state__has_key="webhook")
        .update(
            provider_state={**job.provider_state, "webhook": body, "webhook_at": time.time()},
            next_check_at=timezone.now(),
        )
    )
    if not recorded:
        return "duplicate"
    pgnotify.notify(jobqueue.WAKE_CHANNEL)
    return "accepted"


def cancel_request(endpoint_id: str, submission: Submission, *, fal: FalProvider | None = None) -> None:
    try:
        (fal or provider()).cancel(endpoint_id, submission)
    except ProviderError as exc:
        log.warning("fal cancel for request %s failed: %s", submission.request_id, exc.message)


def jwks_urls() -> list[str]:
    return [settings.FAL_WEBHOOK_JWKS_URL] if settings.FAL_WEBHOOK_JWKS_URL else DEFAULT_JWKS_URLS
