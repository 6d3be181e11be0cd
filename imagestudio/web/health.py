"""Health of the parts the studio needs: database, file storage, and a live worker.

Cheap enough to poll: the storage probe (a write and a delete) runs at most once a minute per process
and its result is reused in between. Failures are logged in full; the answer carries the exception text
only when `detailed` (staff), since anonymous callers must not learn paths, hosts or credentials.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

WORKER_STALE_AFTER = timedelta(seconds=30)
STORAGE_PROBE_TTL = 60.0  # seconds a good storage probe is reused
STORAGE_FAILURE_TTL = 10.0  # a failed one is retried sooner, so recovery shows quickly

_storage_lock = threading.Lock()
# (storage configuration, monotonic expiry, report or failure): a probe only stands for the storage it probed.
_storage_result: tuple[str, float, dict | Exception] | None = None


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _probe_storage() -> dict:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return {"ok": True, "backend": default_storage.__class__.__name__}


def _storage() -> dict:
    """The last probe's result while fresh; otherwise probe (one thread at a time) and remember it."""
    global _storage_result
    configuration = repr(settings.STORAGES["default"])
    with _storage_lock:
        now = time.monotonic()
        if _storage_result is None or _storage_result[0] != configuration or _storage_result[1] <= now:
            try:
                _storage_result = (configuration, now + STORAGE_PROBE_TTL, _probe_storage())
            except Exception as exc:  # remembered and re-raised below, so every caller reports it
                _storage_result = (configuration, now + STORAGE_FAILURE_TTL, exc)
        result = _storage_result[2]
    if isinstance(result, Exception):
        raise result
    return result


def reset_storage_probe() -> None:
    """Forget the remembered probe (tests, or after fixing storage)."""
    global _storage_result
    with _storage_lock:
        _storage_result = None


def _worker() -> dict:
    from imagestudio.generation.models import WorkerHeartbeat

    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if latest is None:
        return {"ok": False, "error": "No worker has started. Run `manage.py worker` (make run starts one)."}
    age = timezone.now() - latest.last_seen
    alive = WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - WORKER_STALE_AFTER).count()
    return {"ok": age <= WORKER_STALE_AFTER, "workers": alive, "last_heartbeat_seconds": round(age.total_seconds(), 1)}


CHECKS: tuple[tuple[str, Callable[[], dict]], ...] = (
    ("database", _database),
    ("storage", _storage),
    ("worker", _worker),
)


def check_all(*, detailed: bool = False) -> dict:
    """Every check's report; `detailed` adds exception text to failures (for staff only)."""
    checks = {}
    for name, check in CHECKS:
        try:
            checks[name] = check()
        except Exception as exc:  # report every failure, never raise from a health check
            logger.warning("Health check %s failed: %s: %s", name, exc.__class__.__name__, exc)
            checks[name] = {
                "ok": False,
                "error": f"{exc.__class__.__name__}: {exc}" if detailed else f"{name} unavailable",
            }
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "degraded", "checks": checks}
