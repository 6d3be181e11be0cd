"""Health of the parts the studio needs: database, file storage, and a live worker."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

WORKER_STALE_AFTER = timedelta(seconds=30)


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _storage() -> dict:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return {"ok": True, "backend": default_storage.__class__.__name__}


def _worker() -> dict:
    from imagestudio.generation.models import WorkerHeartbeat

    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if latest is None:
        return {"ok": False, "error": "No worker has started. Run `manage.py worker` (make run starts one)."}
    age = timezone.now() - latest.last_seen
    alive = WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - WORKER_STALE_AFTER).count()
    return {"ok": age <= WORKER_STALE_AFTER, "workers": alive, "last_heartbeat_seconds": round(age.total_seconds(), 1)}


def check_all() -> dict:
    checks = {}
    for name, check in (("database", _database), ("storage", _storage), ("worker", _worker)):
        try:
            checks[name] = check()
        except Exception as exc:  # report every failure, never raise from a health check
            checks[name] = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "degraded", "checks": checks}
