"""PostgreSQL LISTEN/NOTIFY wake-ups, with an honest fallback (a short sleep) on other databases.

A NOTIFY sent inside a transaction is delivered when it commits, so a listener never wakes before the
row it should look at is visible.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connection

log = logging.getLogger(__name__)


def notify(channel: str) -> None:
    """Wake every listener on `channel` (a no-op on databases without LISTEN/NOTIFY)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [channel])


class Listener:
    """Waits for NOTIFYs on one channel over a dedicated autocommit connection (one per thread that waits)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._conn: Any = None

    @property
    def live(self) -> bool:
        return connection.vendor == "postgresql"

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """True when notified within `timeout` seconds; without PostgreSQL, sleeps (or until `stop`)."""
        if not self.live:
            stop.wait(timeout)
            return False
        try:
            conn = self._connect()
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                return True
            return False
        except Exception:  # a dropped connection: reconnect next time, sleep this time
            log.warning("LISTEN connection failed; reconnecting", exc_info=True)
            self.close()
            stop.wait(timeout)
            return False

    def _connect(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._conn = connection.get_new_connection(connection.get_connection_params())
            self._conn.autocommit = True
            self._conn.execute(f'LISTEN "{self.channel}"')
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
