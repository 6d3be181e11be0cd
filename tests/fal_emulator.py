"""One fal emulator for the whole test run, and the environment that points fal_client at it.

fal_client reads FAL_RUN_HOST / FAL_QUEUE_RUN_HOST once, at import. So the port is chosen and the
environment set when this module is imported (by tests/conftest.py, before any test imports
fal_client); if fal_client was imported earlier anyway, its module-level URLs are re-pointed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagestudio.falemu import Emulator, free_port, start_in_thread
from imagestudio.falemu.tls import BUNDLE_FILE, ensure_certs

PORT = free_port()
HOSTPORT = f"127.0.0.1:{PORT}"
CERTS_DIR = Path(tempfile.mkdtemp(prefix="falemu-tests-"))
ensure_certs(CERTS_DIR)  # made now so SSL_CERT_FILE names a real file from the start

# Tiny latencies keep the whole suite fast; tests that need more set it themselves.
TEST_KNOBS = {"latency": 0.05, "log_lines": 2, "webhook_backoff": 0.05, "hang_seconds": 3.0}

os.environ["FAL_QUEUE_RUN_HOST"] = HOSTPORT
os.environ["FAL_RUN_HOST"] = HOSTPORT
# The bundle (public roots + test CA) rather than ca.pem alone: this variable is process-wide, and
# anything else in the test run that verifies real certificates must keep working.
os.environ["SSL_CERT_FILE"] = str(CERTS_DIR / BUNDLE_FILE)


def _repoint_imported_fal_client() -> None:
    # Only needed when fal_client was imported before this module: its URL prefixes are module
    # constants computed at import time.
    auth, client = sys.modules["fal_client.auth"], sys.modules["fal_client.client"]
    auth.FAL_RUN_HOST = auth.FAL_QUEUE_RUN_HOST = HOSTPORT
    client.RUN_URL_FORMAT = client.QUEUE_URL_FORMAT = f"https://{HOSTPORT}/"
    client.REALTIME_URL_FORMAT = f"wss://{HOSTPORT}/"


if "fal_client.client" in sys.modules:
    _repoint_imported_fal_client()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    emu = start_in_thread(port=PORT, certs_dir=CERTS_DIR, **TEST_KNOBS)
    yield emu
    emu.stop()
    shutil.rmtree(CERTS_DIR, ignore_errors=True)


@pytest.fixture
def fal_emulator(emulator: Emulator) -> Emulator:
    """The emulator with default test knobs and no leftover faults."""
    emulator.reset()
    return emulator
