"""Jobs on the offline engine: rendered inside the worker that claimed them, under a renewed lease."""

from __future__ import annotations

import logging
import time

from imagestudio.generation import jobqueue, operation_inputs, outcomes
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers import offline, offline_ops
from imagestudio.generation.providers.base import ProviderError, ProviderResult

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The job was canceled or taken over while we worked on it: stop quietly."""


class ProgressReporter:
    """Writes progress at most a few times a second, renewing the lease each time."""

    def __init__(self, job: GenerationJob, worker_id: str, min_interval: float = 0.25) -> None:
        self.job = job
        self.worker_id = worker_id
        self.min_interval = min_interval
        self.last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < self.min_interval and fraction < 1:
            return
        self.last = now
        updated = GenerationJob.objects.filter(
            pk=self.job.pk, status=JobStatus.RUNNING, lease_owner=self.worker_id
        ).update(
            progress=round(min(fraction, 1.0), 4),
            progress_message=message[:200],
            lease_expires_at=jobqueue.lease_until(),
        )
        if not updated:
            raise LeaseLost(str(self.job.pk))


class OfflineJobs:
    """The offline provider as the runner sees it: `start` renders and finishes the job."""

    def start(self, job: GenerationJob, worker_id: str) -> str:
        started = time.monotonic()
        try:
            result = _run(job, ProgressReporter(job, worker_id))
        except LeaseLost:
            return "abandoned"
        except ProviderError as exc:
            outcomes.fail(job, exc.message, field=exc.field or "")
            return JobStatus.FAILED
        except Exception as exc:  # never leave a job running because of a bug: fail it readably
            log.exception("Job %s crashed", job.pk)
            outcomes.fail(job, f"The generation failed unexpectedly ({exc.__class__.__name__}). {outcomes.REFUNDED}")
            return JobStatus.FAILED
        return outcomes.finish(job, result, generation_time=time.monotonic() - started)

    def cancel(self, job: GenerationJob) -> None:
        """Nothing to tell anyone: the rendering worker sees the cancellation at its next progress report."""


def _run(job: GenerationJob, on_progress: ProgressReporter) -> ProviderResult:
    """Render a text-to-image job, or run an iteration operation on the job's parent image."""
    seed = job.parameters.get("seed") or 0
    if not operation_inputs.takes_image(job):
        return offline.render_job(
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            arguments=job.parameters,
            width=job.width,
            height=job.height,
            num_images=job.num_images,
            seed=seed,
            on_progress=on_progress,
        )
    request = offline_ops.OperationInput(
        operation=job.action,
        source=operation_inputs.source_bytes(job),
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        arguments=job.parameters,
        inputs=job.inputs,
        mask=operation_inputs.mask_bytes(job),
        style=operation_inputs.style_bytes(job),
        num_images=job.num_images,
        seed=seed,
    )
    return offline_ops.run_operation(request, on_progress)
