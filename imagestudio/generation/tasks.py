from __future__ import annotations

from django.tasks import task

from imagestudio.generation import runner


@task()
def run_next() -> str:
    """A wake-up: run the best eligible queued job, if any (see generation.queue)."""
    return str(runner.run_next())
