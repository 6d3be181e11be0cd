"""Named locks that serialise one section of work per key, held until the current transaction ends."""

from __future__ import annotations

from django.db import connection, transaction


def hold(name: str, key: object) -> None:
    """Wait until no other transaction holds (name, key), then hold it until this transaction ends.

    On PostgreSQL it is an advisory lock, not a row lock: it never waits for (or blocks) balance updates
    or foreign-key checks on the user's row, which a `SELECT ... FOR UPDATE` on that row would. SQLite
    needs nothing: its IMMEDIATE transactions already run one writer at a time.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locks.hold() must run inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{name}:{key}"])
