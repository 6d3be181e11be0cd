"""Running jobs in a worker: claim the next one under a lease and start it with its model's provider.

Offline jobs render in the claiming worker and finish there; fal jobs are submitted and the worker is
free at once (the poller or fal's webhook finishes them). Either way the outcome goes through `outcomes`.
"""

from __future__ import annotations

import os
import socket
from typing import Protocol
from uuid import UUID

from imagestudio.catalog.models import AIModel
from imagestudio.generation import jobqueue
from imagestudio.generation.fal_jobs import FalJobs
from imagestudio.generation.models import GenerationJob
from imagestudio.generation.offline_jobs import OfflineJobs

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


class JobProvider(Protocol):
    def start(self, job: GenerationJob, worker_id: str) -> str:
        """Run or submit a claimed job; returns what happened (for the task's result and logs)."""
        ...

    def cancel(self, job: GenerationJob) -> None:
        """Best effort: stop work elsewhere for a job our side has just canceled."""
        ...


OFFLINE = OfflineJobs()
FAL = FalJobs()


def provider_for(model: AIModel) -> JobProvider:
    return OFFLINE if model.is_offline else FAL


def run_next(worker_id: str = WORKER_ID) -> str:
    """Claim the best eligible job and start it. Returns what happened, for the task's result."""
    job = jobqueue.claim_next(worker_id)
    if job is None:
        return "idle"
    return provider_for(job.model).start(job, worker_id)


def run(job_id: UUID | str, worker_id: str = WORKER_ID) -> str:
    """Run one specific job (tests, CLI). Returns its outcome, or 'skipped' when it is not claimable."""
    job = jobqueue.claim(job_id, worker_id)
    return provider_for(job.model).start(job, worker_id) if job else "skipped"
