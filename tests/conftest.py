"""Shared fixtures: a seeded catalog, users (alice, bob) and API clients with bearer tokens."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from imagestudio.accounts.services import issue_token
from imagestudio.catalog.services import sync_catalog
from tests.factories import make_user
from tests.fal_emulator import emulator, fal_emulator  # noqa: F401 - fixtures shared by the whole suite


def pytest_sessionstart(session) -> None:
    # When the whole suite runs on S3 (CI's second pass), serve the bucket from moto over HTTP; with
    # pytest -n only the controlling process starts it (workers share it, each under its own prefix).
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if os.environ.get("S3_BUCKET") and os.environ.get("S3_ENDPOINT_URL", "").startswith("http://127.0.0.1"):
        from tests.s3server import start_s3_server

        session.config._s3_server = start_s3_server(os.environ["S3_ENDPOINT_URL"], os.environ["S3_BUCKET"])


# One second into a window of every unit (s, m, h, d): counts in a test never straddle two windows.
PINNED_RATE_CLOCK = 20_000 * 86_400 + 1.0


@pytest.fixture
def rate_limits(settings, monkeypatch):
    """tests/settings.py turns limits off for the suite; this turns them on, on a clean cache, with the
    limiter's clock pinned (a fixed window rolling over mid-test would reset its count)."""
    from django.core.cache import cache

    from imagestudio.lib import ratelimit

    settings.DISABLE_RATE_LIMITS = False
    monkeypatch.setattr(ratelimit, "clock", lambda: PINNED_RATE_CLOCK)
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def catalog(db):
    sync_catalog()


@pytest.fixture
def alice(catalog):
    return make_user(email="alice@example.com", name="Alice", credits=500)


@pytest.fixture
def bob(catalog):
    return make_user(email="bob@example.com", name="Bob", credits=500)


def bearer_client(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {issue_token(user)}"})


@pytest.fixture
def alice_api(alice) -> Client:
    return bearer_client(alice)


@pytest.fixture
def bob_api(bob) -> Client:
    return bearer_client(bob)


@pytest.fixture
def alice_browser(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run tasks queued on commit (the immediate backend) inside the test's transaction."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner
