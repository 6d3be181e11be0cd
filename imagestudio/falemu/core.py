"""The emulated fal queue without HTTP: jobs, runners, outputs, webhooks, knobs and counters."""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image

from . import llm, operations
from .catalog import Endpoint, ModelInputError, Plan, check_input
from .config import EmulatorConfig, FaultPlan
from .render import RenderSpec, encode, render
from .sources import load_image
from .state import COMPLETED, IN_PROGRESS, IN_QUEUE, FileStore, Job, JobError, Stats
from .webhooks import WebhookSender, WebhookSigner

logger = logging.getLogger(__name__)

CANCELLED = JobError(
    400,
    {"detail": "Request was cancelled", "error_type": "request_cancelled"},
    "request_cancelled",
    "Request was cancelled",
)
_SLICE = 0.05  # runners sleep in slices this long so cancellation and shutdown are prompt


class JobFailure(Exception):
    def __init__(self, error: JobError) -> None:
        super().__init__(error.summary)
        self.error = error


class EmulatorCore:
    def __init__(self, config: EmulatorConfig, key_path: Path | None = None) -> None:
        self._initial = config
        self.config = config
        self.faults = FaultPlan()
        self.faults.rng.seed(config.fault_seed or None)  # --fault-seed on the command line counts too
        self.stats = Stats()
        self.files = FileStore()
        self.signer = WebhookSigner(key_path)
        self._stop = threading.Event()
        self._sender = WebhookSender(self.signer, self._stop, self._on_webhook_attempt)
        self._cond = threading.Condition(threading.RLock())
        self._jobs: dict[str, Job] = {}
        self._waiting: deque[Job] = deque()
        self._workers: list[threading.Thread] = []
        self._renderers: Counter[str] = Counter()
        self._ensure_workers()

    # -- knobs ---------------------------------------------------------------------------------

    def configure(self, changes: Mapping[str, Any]) -> dict:
        """Apply knobs plus the actions `fail_next` (rules) and `clear_faults`; all-or-nothing."""
        changes = dict(changes)
        rules = FaultPlan.parse(changes.pop("fail_next")) if "fail_next" in changes else []
        clear = bool(changes.pop("clear_faults", False))
        with self._cond:
            self.config = self.config.updated(changes)
            if changes.get("fault_seed"):
                self.faults.rng.seed(self.config.fault_seed)
            if clear:
                self.faults.clear()
            self.faults.extend(rules)
            self._ensure_workers()
            self._cond.notify_all()  # more runners may take waiting jobs now
        return self.describe()

    def describe(self) -> dict:
        return {"config": self.config.to_dict(), "fail_next": self.faults.pending()}

    def reset(self) -> None:
        """Forget every job, file, counter, fault rule and rotated key; restore the knobs given at start."""
        with self._cond:
            for job in self._jobs.values():
                job.discarded = job.cancel_requested = True
            self._jobs.clear()
            self._waiting.clear()
            self.config = self._initial
            self.faults.clear()
            self.faults.rng.seed(self.config.fault_seed or None)
            self.stats.clear()
            self.files.clear()
            self.signer.reset()
            self._renderers.clear()

    def snapshot(self) -> dict:
        with self._cond:
            queue = {
                "waiting": len(self._waiting),
                "running": sum(j.state == IN_PROGRESS for j in self._jobs.values()),
                "completed": sum(j.state == COMPLETED for j in self._jobs.values()),
            }
            renderers = dict(self._renderers)
        return {**self.stats.snapshot(), "queue": queue, "renderers": renderers}

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for worker in self._workers:
            worker.join(timeout=2)

    def wait(self, seconds: float) -> bool:
        """Sleep unless the emulator stops first; True when stopping."""
        return self._stop.wait(seconds)

    # -- queue protocol ------------------------------------------------------------------------

    def submit(
        self,
        endpoint: Endpoint,
        body: Any,
        *,
        app_path: str,
        base_url: str,
        webhook_url: str | None,
        forced_error: bool,
    ) -> Job:
        """Queue a request; raises ModelInputError at once only when validate_on == "submit"."""
        config = self.config
        plan = check_input(endpoint, body, max_pixels=config.max_pixels) if config.validate_on == "submit" else None
        job = Job(endpoint, app_path, base_url, body, webhook_url=webhook_url, plan=plan, forced_error=forced_error)
        job.log(f"Request queued for {endpoint.endpoint_id}")
        with self._cond:
            self._jobs[job.id] = job
            job.submitted_position = len(self._waiting)
            self._waiting.append(job)
            # notify_all: a single wake-up could land on a runner idled by a lower `runners` knob.
            self._cond.notify_all()
        return job

    def find(self, app_path: str, request_id: str) -> Job | None:
        with self._cond:
            job = self._jobs.get(request_id)
        return job if job is not None and job.app_path == app_path else None

    def status_body(self, job: Job, *, with_logs: bool) -> dict:
        with self._cond:
            body: dict[str, Any] = {"status": job.state, "request_id": job.id, **job.urls()}
            if job.state == IN_QUEUE:
                body["queue_position"] = self._waiting.index(job) if job in self._waiting else 0
                return body
            body["logs"] = list(job.logs) if with_logs else None
            if job.state == COMPLETED:
                elapsed = job.finished_at - job.started_at if job.started_at and job.finished_at else None
                body["metrics"] = {"inference_time": elapsed}
                if job.error is not None:
                    body["error"], body["error_type"] = job.error.summary, job.error.error_type
            return body

    def result_response(self, job: Job) -> tuple[int, dict, dict[str, str]]:
        with self._cond:
            if job.state != COMPLETED:
                return 400, {"detail": "Request is still in progress"}, {}
            if job.error is not None:
                return job.error.status_code, job.error.body, {"X-Fal-Error-Type": job.error.error_type}
            return 200, job.result or {}, {}

    def cancel(self, job: Job) -> tuple[int, dict]:
        with self._cond:
            if job.state == COMPLETED:
                return 400, {"status": "ALREADY_COMPLETED", "detail": "Request already completed"}
            job.cancel_requested = True
            was_queued = job.state == IN_QUEUE
            if was_queued:
                self._waiting.remove(job)
        if was_queued:
            self._finish(job, error=CANCELLED)
        # A running job sees the flag between work slices (fal: "may or may not stop").
        return 202, {"status": "CANCELLATION_REQUESTED"}

    # -- runners -------------------------------------------------------------------------------

    def _ensure_workers(self) -> None:
        while len(self._workers) < self.config.runners:
            index = len(self._workers)
            worker = threading.Thread(
                target=self._run_worker, args=(index,), name=f"falemu-runner-{index}", daemon=True
            )
            self._workers.append(worker)
            worker.start()

    def _run_worker(self, index: int) -> None:
        while True:
            with self._cond:
                # Runners above the configured count idle, so lowering `runners` takes effect too.
                while not self._stop.is_set() and (index >= self.config.runners or not self._waiting):
                    self._cond.wait(timeout=1)
                if self._stop.is_set():
                    return
                job = self._waiting.popleft()
                job.state, job.started_at = IN_PROGRESS, time.monotonic()
            self._process(job, index)

    def _process(self, job: Job, runner: int) -> None:
        try:
            result = self._generate(job, runner)
        except JobFailure as failure:
            self._finish(job, error=failure.error)
        except Exception as exc:  # a bug here must fail the job, not kill the runner thread
            logger.exception("emulated runner crashed on %s", job.id)
            body = {"detail": f"Internal error in the emulated runner: {exc}", "error_type": "internal_server_error"}
            self._finish(job, error=JobError(500, body, "internal_server_error"))
        else:
            self._finish(job, result=result)

    def _generate(self, job: Job, runner: int) -> dict:
        config = self.config
        job.log(f"Runner {runner} started processing the request")
        plan = job.plan or self._validated(job, config)
        self._work(job, config)
        if job.forced_error:
            job.log("Model raised an error (emulated fault)", level="ERROR")
            raise JobFailure(_forced_error(config.error_status))
        if job.endpoint.category == llm.CATEGORY:
            return llm.answer(job.body)
        return self._outputs(job, plan, config)

    def _validated(self, job: Job, config: EmulatorConfig) -> Plan:
        try:
            return check_input(job.endpoint, job.body, max_pixels=config.max_pixels)
        except ModelInputError as exc:
            raise _rejected(job, exc) from exc

    def _work(self, job: Job, config: EmulatorConfig) -> None:
        steps = max(config.log_lines, 1)
        for step in range(1, steps + 1):
            self._sleep(job, config.latency / steps)
            if config.log_lines:
                job.log(f"Generating: step {step}/{steps} ({100 * step // steps}%)")

    def _sleep(self, job: Job, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if job.cancel_requested:
                raise JobFailure(CANCELLED)
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._stop.wait(min(left, _SLICE)):
                raise JobFailure(JobError(503, {"detail": "Emulator shutting down"}, "runner_disconnected"))

    def _outputs(self, job: Job, plan: Plan, config: EmulatorConfig) -> dict:
        started = time.monotonic()
        seed = plan.seed if plan.seed is not None else random.randrange(2**32)
        pictures = self._pictures(job, plan, seed, config)
        images = [self._file(job, plan, picture.image, str(i), config) for i, picture in enumerate(pictures)]
        timings = {"inference": round(time.monotonic() - started + config.latency, 4)}
        result = {"seed": seed, "timings": timings, "prompt": plan.prompt}
        if job.endpoint.output_key == "images":
            return {"images": images, "has_nsfw_concepts": [False] * len(images), **result}
        # Single-image tools answer only the keys fal lists for them (esrgan: just "image").
        listed = job.endpoint.output_fields
        extras = {k: self._file(job, plan, v, k, config) for k, v in pictures[0].extras.items() if k in listed}
        return {"image": images[0], **extras, **{k: v for k, v in result.items() if k in listed}}

    def _pictures(self, job: Job, plan: Plan, seed: int, config: EmulatorConfig) -> list[operations.Output]:
        """The output images: renders of the prompt, or the endpoint's operation on its input images."""
        operation = plan.operation
        if operation is None:
            size = (plan.width, plan.height)
            renders = [self._render(plan, plan.prompt, size, seed + i, config) for i in range(plan.num_images)]
            return [operations.Output(image) for image in renders]
        try:
            sources = {name: self._source(job, name) for name in operation.inputs}
            operations.prepare(operation, sources, max_pixels=config.max_pixels)
            return [self._operate(plan, operation, sources, seed + i, config) for i in range(plan.num_images)]
        except ModelInputError as exc:
            raise _rejected(job, exc) from exc

    def _source(self, job: Job, name: str) -> Image.Image:
        image = load_image(job.body[name], name, own_base=job.base_url, files=self.files.get)
        job.log(f"Loaded {name} ({image.width}x{image.height})")
        return image

    def _operate(
        self,
        plan: Plan,
        operation: operations.Operation,
        sources: operations.Sources,
        seed: int,
        config: EmulatorConfig,
    ) -> operations.Output:
        size = operation.render_size(sources)
        # A request without a prompt (redux, outpaint) still needs something to render.
        prompt = plan.prompt or operations.GENERIC_PROMPT
        rendered = self._render(plan, prompt, size, seed, config) if size else None
        return operations.apply(operation, sources, rendered)

    def _render(self, plan: Plan, prompt: str, size: tuple[int, int], seed: int, config: EmulatorConfig) -> Image.Image:
        spec = RenderSpec(prompt, size[0], size[1], seed, plan.negative_prompt, plan.steps, plan.guidance)
        image, renderer = render(spec, config.renderer)
        with self._cond:
            self._renderers[renderer] += 1
        return image

    def _file(self, job: Job, plan: Plan, image: Image.Image, suffix: str, config: EmulatorConfig) -> dict:
        """Encode one output image and describe it the way fal's Image object does."""
        data, content_type = encode(image, plan.output_format)
        name = f"{job.id}-{suffix}.{'jpg' if plan.output_format == 'jpeg' else 'png'}"
        if plan.sync_mode:  # fal returns inline data URIs and keeps nothing
            url = f"data:{content_type};base64,{base64.b64encode(data).decode()}"
        else:
            self.files.put(name, data, content_type, keep=config.files_kept)
            url = f"{job.base_url}/files/{name}"
        return {
            "url": url,
            "content_type": content_type,
            "file_name": name,
            "file_size": len(data),
            "width": image.width,
            "height": image.height,
        }

    def _finish(self, job: Job, *, result: dict | None = None, error: JobError | None = None) -> None:
        with self._cond:
            if job.state == COMPLETED:
                return
            job.state, job.finished_at = COMPLETED, time.monotonic()
            job.started_at = job.started_at or job.finished_at
            job.result, job.error = result, error
            job.log(
                "Request failed: " + error.summary if error else "Request completed", level="ERROR" if error else "INFO"
            )
            send = job.webhook_url is not None and not job.discarded
        if send:
            self._send_webhook(job)

    # -- webhooks ------------------------------------------------------------------------------

    def _send_webhook(self, job: Job) -> None:
        ok = job.error is None
        payload = job.result if ok else job.error.body  # type: ignore[union-attr]
        body = {
            "request_id": job.id,
            "gateway_request_id": job.id,
            "status": "OK" if ok else "ERROR",
            "payload": payload,
            "error": None if ok else job.error.summary,  # type: ignore[union-attr]
        }
        config = self.config
        self._sender.send(
            job.webhook_url or "",
            job.id,
            json.dumps(body, separators=(",", ":")).encode(),
            user_id=config.user_id,
            attempts=config.webhook_attempts,
            backoff=config.webhook_backoff,
            timeout=config.webhook_timeout,
        )

    def _on_webhook_attempt(self, request_id: str, delivered: bool) -> None:
        self.stats.hit("webhook_attempts", request_id)
        if delivered:
            self.stats.hit("webhook_deliveries", request_id)


def _rejected(job: Job, exc: ModelInputError) -> JobFailure:
    """The model's 422 as the job's outcome: fal completes the request with the error."""
    job.log(f"Input rejected: {exc}", level="ERROR")
    return JobFailure(JobError(exc.status_code, exc.body, exc.error_type))


def _forced_error(status: int) -> JobError:
    if status == 422:
        detail = [
            {
                "loc": ["body"],
                "msg": "The model could not generate an image from this input (emulated)",
                "type": "generation_error",
            }
        ]
        return JobError(422, {"detail": detail}, "generation_error")
    body = {"detail": "Internal error while running the model (emulated)", "error_type": "internal_server_error"}
    return JobError(status, body, "internal_server_error")
