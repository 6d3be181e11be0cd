"""`manage.py worker`: django-tasks-db's db_worker plus two side threads.

- heartbeat: writes what /healthz reads, requeues jobs whose worker died, tops up lost wake-ups;
- fal poller: checks in-flight fal requests many at a time, so waiting jobs hold no worker.

The heartbeat also runs the daily housekeeping: purging trash older than TRASH_RETENTION_DAYS and
checking SQLite's search index against the images (search.repair_index).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from imagestudio.accountdata import sweeping as accountdata_sweeping
from imagestudio.billing import grants as credit_grants
from imagestudio.demo import services as demo_accounts
from imagestudio.gallery import search, trash
from imagestudio.generation import batch_hooks, jobqueue, outcomes, runner, tasks
from imagestudio.generation.fal_jobs import Poller
from imagestudio.generation.models import WorkerHeartbeat
from imagestudio.preferences import retention

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5
PURGE_EVERY_SECONDS = 24 * 3600  # purging is idempotent: several workers may run it


def beat_forever(stop: threading.Event) -> None:
    started = timezone.now()
    last_purge = None
    while not stop.is_set():
        if last_purge is None or (timezone.now() - last_purge).total_seconds() >= PURGE_EVERY_SECONDS:
            last_purge = timezone.now()
            try:
                purged = trash.purge_expired()
                if purged:
                    log.info("Purged %s images from the trash", purged)
                swept = accountdata_sweeping.sweep()  # expired exports; accounts past their grace period
                if any(swept.values()):
                    log.info("Account data sweep: %s", swept)
                if search.repair_index():
                    log.warning("Rebuilt the search index: its rowids had drifted (a VACUUM?)")
            except Exception:
                log.exception("Daily housekeeping failed")
        try:
            close_old_connections()
            recovered = outcomes.recover_stale_jobs()
            batch_hooks.sweep()  # scheduled batches whose time came; running ones short of work
            jobqueue.ensure_wakeups(tasks.wakeup_pending)
            jobqueue.update_queue_positions()
            WorkerHeartbeat.objects.update_or_create(
                worker_id=runner.WORKER_ID,
                defaults={
                    "hostname": socket.gethostname(),
                    "pid": os.getpid(),
                    "started_at": started,
                    "last_seen": timezone.now(),
                },
            )
            if recovered:
                WorkerHeartbeat.objects.filter(worker_id=runner.WORKER_ID).update(jobs_recovered=recovered)
            retention.sweep()  # users' "trash images older than N days" (every 15 min; last, after the beat)
            demo_accounts.sweep()  # demo accounts past DEMO_LIFETIME_HOURS, purged (every 5 min)
            credit_grants.sweep()  # monthly free credits, expiry notices, expired grants (every minute)
        except Exception:  # the heartbeat must outlive a hiccup (e.g. database restarting)
            log.exception("Worker heartbeat failed")
        stop.wait(HEARTBEAT_SECONDS)


class Command(DbWorkerCommand):
    help = "Run background tasks (generation jobs), with heartbeat and crash recovery."

    def handle(self, *args, **options):
        stop = threading.Event()
        poller = Poller(worker_id=f"{runner.WORKER_ID}:poller")
        threading.Thread(target=beat_forever, args=(stop,), name="heartbeat", daemon=True).start()
        threading.Thread(target=poller.run, args=(stop,), name="fal-poller", daemon=True).start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
