"""Waiting for a state in tests: every wait has a deadline and says what it waited for."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until[T](
    predicate: Callable[[], T], timeout: float, message: str | Callable[[], str], *, interval: float = 0.02
) -> T:
    """Call `predicate` until it returns something truthy, and return that; fail after `timeout` seconds.

    `message` says what was awaited (a callable is asked at the deadline, so it can describe the last state).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = message() if callable(message) else message
            raise AssertionError(f"Timed out after {timeout}s waiting for: {detail}")
        time.sleep(interval)
