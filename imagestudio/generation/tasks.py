"""Background tasks: the composition root of the generation path. Only entry points import it.

It defines the `run_next` wake-up task and installs it as the queue's way of waking a worker; the app
config imports it at start-up (see `GenerationConfig.ready`), the worker command for `wakeup_pending`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.tasks import task, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from imagestudio.generation import jobqueue, runner


@task()
def run_next() -> str:
    """A wake-up: run the best eligible queued job, if any (see generation.jobqueue)."""
    return str(runner.run_next())


def _tasks_live_in_our_database() -> bool:
    return isinstance(task_backends["default"], DatabaseBackend)


def send_wakeup(run_after: datetime | None) -> None:
    """Enqueue one `run_next` wake-up (after the current transaction commits on non-database backends)."""
    if _tasks_live_in_our_database():
        # Same database, same transaction: a committed job always has its wake-up.
        run_next.using(run_after=run_after).enqueue()
    else:
        transaction.on_commit(lambda: run_next.using(run_after=run_after).enqueue())


def wakeup_pending() -> bool:
    """Is a `run_next` wake-up waiting to run? (Always 'yes' when tasks don't live in our database.)"""
    if not _tasks_live_in_our_database():
        return True
    return DBTaskResult.objects.ready().filter(task_path=run_next.module_path).exists()


jobqueue.install_waker(send_wakeup)
