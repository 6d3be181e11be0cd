"""Emulator knobs (changeable at runtime) and the fault plan that decides which request fails how."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# "ingress" is a 502 that looks like nginx (no x-fal-request-id): the only 5xx fal_client retries itself.
FAULT_KINDS = ("429", "503", "ingress", "timeout", "malformed", "error")
# Operations a fault can hit. "files" (output downloads) is only faulted when named explicitly.
OPS = ("submit", "status", "result", "cancel", "files")
QUEUE_OPS = ("submit", "status", "result", "cancel")


@dataclass(frozen=True)
class EmulatorConfig:
    latency: float = 0.5  # seconds a runner "works" on one request (rendering time comes on top)
    runners: int = 4  # requests processed concurrently; the rest wait IN_QUEUE
    log_lines: int = 3  # progress log lines emitted while IN_PROGRESS
    fail_rate: float = 0.0  # probability that a request on one of fail_ops gets a random fault
    fail_kinds: tuple[str, ...] = ("429",)
    fail_ops: tuple[str, ...] = QUEUE_OPS
    fault_seed: int = 0  # non-zero: seed the fail_rate dice, for reproducible benchmark runs
    hang_seconds: float = 35.0  # "timeout" fault: stay silent this long, then drop the connection
    error_status: int = 500  # HTTP status of the result of a job ending in an "error" fault
    validate_on: str = "result"  # "result": bad input fails the job (like fal's queue); "submit": 422 at once
    webhook_attempts: int = 4  # first delivery + retries on non-2xx / connection errors
    webhook_backoff: float = 0.2  # seconds before the first retry, doubled each time
    webhook_timeout: float = 5.0
    user_id: str = "emulator-user"  # sent as X-Fal-Webhook-User-Id
    accepted_keys: tuple[str, ...] = ()  # empty: any non-empty key is accepted
    renderer: str = "auto"  # "auto" (engine if importable), "engine" or "gradient"
    max_pixels: int = 4096 * 4096
    files_kept: int = 1000  # output files kept in memory; older ones answer 404 like expired CDN files

    def updated(self, changes: Mapping[str, Any]) -> EmulatorConfig:
        """A copy with `changes` applied; raises ValueError naming the bad knob."""
        known = {f.name: f for f in dataclasses.fields(self)}
        values = {}
        for name, raw in changes.items():
            if name not in known:
                raise ValueError(f"unknown knob {name!r}; known: {', '.join(sorted(known))}")
            values[name] = _coerce(name, raw, getattr(self, name))
        new = dataclasses.replace(self, **values)
        new._check()
        return new

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    def _check(self) -> None:
        bad_kinds = set(self.fail_kinds) - set(FAULT_KINDS)
        bad_ops = set(self.fail_ops) - set(OPS)
        problems = [
            (bad_kinds, f"fail_kinds must be among {FAULT_KINDS}"),
            (bad_ops, f"fail_ops must be among {OPS}"),
            (not 0 <= self.fail_rate <= 1, "fail_rate must be within 0..1"),
            (self.runners < 1, "runners must be >= 1"),
            (min(self.latency, self.hang_seconds, self.webhook_backoff) < 0, "durations must be >= 0"),
            (self.validate_on not in ("result", "submit"), "validate_on must be 'result' or 'submit'"),
            (self.renderer not in ("auto", "engine", "gradient"), "renderer must be auto, engine or gradient"),
            (not 400 <= self.error_status <= 599, "error_status must be a 4xx/5xx code"),
            (self.webhook_attempts < 1, "webhook_attempts must be >= 1"),
        ]
        for failed, message in problems:
            if failed:
                raise ValueError(message)


def _coerce(name: str, raw: Any, current: Any) -> Any:
    try:
        if isinstance(current, tuple):
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            return tuple(str(i).strip() for i in items if str(i).strip())
        if isinstance(current, bool):
            return bool(raw)
        return type(current)(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad value for {name}: {raw!r}") from exc


@dataclass
class FaultRule:
    """Deterministic mode: the next `remaining` requests on `op` ("any" = any queue op) fail as `kind`."""

    op: str
    kind: str
    remaining: int

    def matches(self, op: str) -> bool:
        if self.kind == "error":  # a job-level fault: it is decided when the job is submitted
            return op == "submit"
        return self.op == op or (self.op == "any" and op in QUEUE_OPS)


@dataclass
class FaultPlan:
    rules: list[FaultRule] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def parse(spec: Mapping[str, Any] | list) -> list[FaultRule]:
        """Rules from JSON: {"kind": "429", "count": 2, "op": "submit"} or a list of those."""
        rules = []
        for item in spec if isinstance(spec, list) else [spec]:
            kind, op, count = str(item.get("kind")), str(item.get("op", "any")), int(item.get("count", 1))
            if kind not in FAULT_KINDS:
                raise ValueError(f"fail_next kind must be among {FAULT_KINDS}")
            if op not in (*OPS, "any"):
                raise ValueError(f"fail_next op must be 'any' or among {OPS}")
            rules.append(FaultRule(op, kind, count))
        return rules

    def extend(self, rules: list[FaultRule]) -> None:
        with self.lock:
            self.rules.extend(r for r in rules if r.remaining > 0)

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def pending(self) -> list[dict]:
        with self.lock:
            return [dataclasses.asdict(r) for r in self.rules]

    def draw(self, op: str, config: EmulatorConfig) -> str | None:
        """The fault kind for this request, if any: deterministic rules first, then fail_rate."""
        with self.lock:
            for rule in self.rules:
                if rule.matches(op):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                    return rule.kind
            if op not in config.fail_ops or not config.fail_kinds or self.rng.random() >= config.fail_rate:
                return None
            kind = self.rng.choice(config.fail_kinds)
        return None if kind == "error" and op != "submit" else kind
