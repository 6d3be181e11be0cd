"""Live checks of what the models run on: the offline engine, the worker that runs jobs, and fal.ai.

Each answer is remembered for a while, so a page that shows them (the dashboard's model status) does not
render a picture or call fal on every load: the engine result per process, the fal result in the shared cache
(one call per key and API URL for all web processes). Failures are remembered for less time, so recovery
shows quickly. The worker rule is the one /healthz applies (a heartbeat within 30 seconds).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from imagestudio.engine import RenderRequest, render
from imagestudio.generation.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

ENGINE_OK_TTL, ENGINE_FAILURE_TTL = 600.0, 30.0  # seconds
FAL_OK_TTL, FAL_FAILURE_TTL = 300, 60  # seconds
FAL_PROBE_TIMEOUT = 4.0  # seconds: a slow fal must not hold the page for long
FAL_PROBE_ENDPOINT = "fal-ai/flux/schnell"  # any endpoint: the pricing API checks the key on every call
WORKER_STALE_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class ServiceStatus:
    key: str  # engine, worker, fal
    label: str
    state: str  # ok, down, off (not configured)
    detail: str

    @property
    def ok(self) -> bool:
        return self.state == "ok"


# -- the offline engine ------------------------------------------------------------------------------

_engine_lock = threading.Lock()
_engine_result: tuple[float, bool, float] | None = None  # (expiry, ok, render seconds)


def _render_probe() -> tuple[bool, float]:
    started = time.monotonic()
    try:
        picture = render(RenderRequest(prompt="a blue circle on white", width=256, height=256, seed=1, steps=1))
    except Exception:  # any failure means the engine cannot serve jobs; the log has the details
        logger.exception("The offline engine probe failed")
        return False, 0.0
    return picture.size == (256, 256), time.monotonic() - started


def engine_ready() -> tuple[bool, float]:
    """Whether the engine renders (and how long a tiny render took), probing at most every ENGINE_OK_TTL."""
    global _engine_result
    with _engine_lock:
        now = time.monotonic()
        if _engine_result is None or _engine_result[0] <= now:
            ok, seconds = _render_probe()
            _engine_result = (now + (ENGINE_OK_TTL if ok else ENGINE_FAILURE_TTL), ok, seconds)
        return _engine_result[1], _engine_result[2]


def reset() -> None:
    """Forget remembered results (tests, or after fixing a key)."""
    global _engine_result
    with _engine_lock:
        _engine_result = None
    cache.delete(_fal_cache_key())


def _engine() -> ServiceStatus:
    ok, seconds = engine_ready()
    if not ok:
        return ServiceStatus("engine", _("Offline engine"), "down", _("It could not render a test image."))
    return ServiceStatus(
        "engine", _("Offline engine"), "ok", _("Ready · test render in %(ms)s ms") % {"ms": round(seconds * 1000)}
    )


# -- the worker --------------------------------------------------------------------------------------


def _worker() -> ServiceStatus:
    latest = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()
    if latest is None:
        return ServiceStatus("worker", _("Job worker"), "down", _("No worker has started: jobs wait in the queue."))
    age = (timezone.now() - latest).total_seconds()
    if age > WORKER_STALE_AFTER.total_seconds():
        return ServiceStatus(
            "worker", _("Job worker"), "down", _("Last seen %(s)s s ago: jobs wait in the queue.") % {"s": round(age)}
        )
    return ServiceStatus("worker", _("Job worker"), "ok", _("Running"))


# -- fal.ai ------------------------------------------------------------------------------------------


def _fal_cache_key() -> str:
    # Per key and URL: a new key (or another fal) is probed afresh, and the key itself is never stored.
    digest = hashlib.sha256(f"{settings.FAL_API_URL}\n{settings.FAL_KEY}".encode()).hexdigest()[:24]
    return f"catalog:fal-probe:{digest}"


def _call_fal() -> tuple[str, str]:
    """(state, reason code) from one authenticated call to fal's pricing API."""
    try:
        response = httpx.get(
            f"{settings.FAL_API_URL}/v1/models/pricing",
            params={"endpoint_id": FAL_PROBE_ENDPOINT},
            headers={"Authorization": f"Key {settings.FAL_KEY}"},
            timeout=FAL_PROBE_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        logger.warning("fal probe failed: %s: %s", exc.__class__.__name__, exc)
        return "down", "unreachable"
    if response.status_code in (401, 403):
        return "down", "key_rejected"
    if response.status_code == 429:
        return "ok", "rate_limited"  # reachable, and a refused key answers 401 before any limit
    if response.status_code >= 500:
        return "down", "server_error"
    return ("ok", "ok") if response.is_success else ("down", "unexpected")


def fal_state() -> tuple[str, str]:
    """(ok | down | off, reason): off without a key; otherwise the remembered or a fresh probe."""
    if not settings.FAL_KEY:
        return "off", "no_key"
    key = _fal_cache_key()
    remembered = cache.get(key)
    if remembered is not None:
        return remembered[0], remembered[1]
    state, reason = _call_fal()
    cache.set(key, (state, reason), FAL_OK_TTL if state == "ok" else FAL_FAILURE_TTL)
    return state, reason


def _fal() -> ServiceStatus:
    state, reason = fal_state()
    details = {
        "no_key": _("No FAL_KEY is set: the offline engine serves every capability."),
        "ok": _("Reachable · key accepted"),
        "rate_limited": _("Reachable · busy right now (rate limited)"),
        "unreachable": _("Unreachable: fal jobs wait and retry."),
        "key_rejected": _("Reachable, but the FAL_KEY was rejected. Check it in your fal.ai dashboard."),
        "server_error": _("fal.ai answers with server errors: fal jobs wait and retry."),
        "unexpected": _("fal.ai gave an unexpected answer."),
    }
    return ServiceStatus("fal", "fal.ai", state, details[reason])


def services() -> list[ServiceStatus]:
    return [_engine(), _worker(), _fal()]
