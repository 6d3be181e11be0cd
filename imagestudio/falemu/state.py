"""Plain data the emulator keeps: jobs, output files and request counters."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .catalog import Endpoint, Plan

IN_QUEUE, IN_PROGRESS, COMPLETED = "IN_QUEUE", "IN_PROGRESS", "COMPLETED"


@dataclass(frozen=True)
class JobError:
    """How a finished job failed: the result GET answers `status_code` + `body`."""

    status_code: int
    body: dict
    error_type: str
    message: str = ""

    @property
    def summary(self) -> str:
        # fal's documented webhook `error` wording for a failed run.
        return self.message or f"Invalid status code: {self.status_code}"


@dataclass(eq=False)
class Job:
    endpoint: Endpoint
    app_path: str  # [namespace/]owner/alias: fal builds status/result/cancel URLs from this only
    base_url: str  # https://host:port as the client addressed us
    body: dict
    webhook_url: str | None = None
    plan: Plan | None = None  # set at submit when validate_on == "submit"
    forced_error: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: str = IN_QUEUE
    submitted_position: int = 0  # queue position when submitted (the submit answer reports it)
    submitted_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None
    finished_at: float | None = None
    logs: list[dict] = field(default_factory=list)
    result: dict | None = None
    error: JobError | None = None
    cancel_requested: bool = False
    discarded: bool = False  # set by reset: finish silently, no webhook

    @property
    def endpoint_id(self) -> str:
        return self.endpoint.endpoint_id

    @property
    def request_url(self) -> str:
        return f"{self.base_url}/{self.app_path}/requests/{self.id}"

    def urls(self) -> dict[str, str]:
        return {
            "response_url": self.request_url,
            "status_url": f"{self.request_url}/status",
            "cancel_url": f"{self.request_url}/cancel",
        }

    def log(self, message: str, level: str = "INFO") -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.logs.append({"message": message, "level": level, "source": "USER", "timestamp": stamp})


class FileStore:
    """Output files in memory, oldest evicted first (an evicted file answers 404, like an expired URL)."""

    def __init__(self) -> None:
        self._files: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, name: str, data: bytes, content_type: str, *, keep: int) -> None:
        with self._lock:
            self._files[name] = (data, content_type)
            while len(self._files) > max(keep, 1):
                self._files.popitem(last=False)

    def get(self, name: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._files.get(name)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()


class Stats:
    """Counters per operation, per fault kind and per request id (attempts, including faulted ones)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._totals: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._requests: dict[str, Counter[str]] = {}

    def hit(self, op: str, request_id: str | None = None, fault: str | None = None) -> None:
        with self._lock:
            self._totals[op] += 1
            if fault:
                self._faults[fault] += 1
                self._totals["faults"] += 1
            if request_id is not None:
                counter = self._requests.setdefault(request_id, Counter())
                counter[op] += 1
                if fault:
                    counter["faults"] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "totals": dict(self._totals),
                "faults": dict(self._faults),
                "requests": {rid: dict(c) for rid, c in self._requests.items()},
            }
