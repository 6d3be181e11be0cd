"""How the generation path tells batches (an app built on top of it) that one of their jobs ended, without
importing it: the batches app installs its callbacks at start-up (BatchesConfig.ready)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.db import transaction

_on_job_end: Callable[[UUID, UUID], None] | None = None
_sweep: Callable[[], int] | None = None


def install(*, on_job_end: Callable[[UUID, UUID], None], sweep: Callable[[], int]) -> None:
    global _on_job_end, _sweep
    _on_job_end, _sweep = on_job_end, sweep


def job_ended(batch_id: UUID, job_id: UUID) -> None:
    """Call inside the transaction that ended the job: the batch hears of it once that commits."""
    if _on_job_end is not None:
        callback = _on_job_end
        transaction.on_commit(lambda: callback(batch_id, job_id))


def sweep() -> int:
    """Start scheduled batches whose time has come and top up running ones (the worker's heartbeat)."""
    return _sweep() if _sweep is not None else 0
