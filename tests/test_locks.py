"""Finishing a job locks only what it must: the job row, and the user's balance row last."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from imagestudio.generation import outcomes
from imagestudio.generation.models import JobStatus
from imagestudio.lib import locks
from tests.factories import make_job, make_user, provider_result


@pytest.mark.django_db(transaction=True)
def test_hold_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        locks.hold("claim", 1)


def _try_lock_elsewhere(name: str, key: object) -> bool:
    """From another connection: could it take (name, key) right now? (PostgreSQL)"""
    answer: list[bool] = []

    def probe() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [f"{name}:{key}"])
                answer.append(cursor.fetchone()[0])
        finally:
            connections["default"].close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(10)
    return answer[0]


@pytest.mark.django_db(transaction=True)
def test_a_held_lock_blocks_the_same_key_only_until_the_transaction_ends(catalog):
    with transaction.atomic(), CaptureQueriesContext(connection) as held:
        locks.hold("claim", 7)
        if connection.vendor == "postgresql":
            assert _try_lock_elsewhere("claim", 7) is False  # held by us
            assert _try_lock_elsewhere("claim", 8) is True  # another user's claims never wait
            assert _try_lock_elsewhere("enqueue", 7) is True  # nor another kind of work
    if connection.vendor == "postgresql":
        assert held.captured_queries[0]["sql"].startswith("SELECT pg_advisory_xact_lock")
    else:  # SQLite: the IMMEDIATE transaction itself holds the only write lock, so holding costs nothing
        assert held.captured_queries == []
    if connection.vendor == "postgresql":
        assert _try_lock_elsewhere("claim", 7) is True  # released at commit


@pytest.mark.django_db(transaction=True)
def test_finishing_locks_the_job_row_alone_and_moves_money_last(catalog):
    user = make_user(email="locks@example.com", credits=100)
    job = make_job(user=user, model="fal-ai/flux/schnell", status=JobStatus.RUNNING, credits_reserved=3)
    with CaptureQueriesContext(connection) as queries:
        assert outcomes.finish(job, provider_result(), generation_time=1.0) == JobStatus.SUCCEEDED
    sql = [q["sql"] for q in queries.captured_queries]
    locking = [s for s in sql if "FOR UPDATE" in s]
    balance = [i for i, s in enumerate(sql) if s.startswith('UPDATE "users"') and "credits_balance" in s]
    job_saved = [i for i, s in enumerate(sql) if s.startswith('UPDATE "generation_queue"') and '"status"' in s]
    if connection.vendor == "postgresql":
        job_locks = [s for s in locking if 'FROM "generation_queue"' in s]
        assert len(job_locks) == 1 and job_locks[0].endswith('FOR UPDATE OF "generation_queue"')
        # No row lock on the model (shared by every user's jobs) or on the user (only the balance UPDATE).
        assert not [s for s in locking if ('"models"' in s or '"users"' in s) and "FOR UPDATE OF" not in s]
    else:
        assert locking == []  # SQLite has no row locks; its IMMEDIATE transactions serialise writers
    assert len(balance) == 1 and len(job_saved) == 1
    assert balance[0] > job_saved[0]  # the balance row is locked after everything else is written
