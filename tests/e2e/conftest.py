"""End-to-end fixtures: the real studio (`manage.py runstudio`: web server + worker processes) on a
database of its own, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import quopri
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Studio:
    url: str
    var_dir: Path
    outbox: Path

    def latest_link(self, pattern: str, timeout: float = 15) -> str:
        """The newest link matching `pattern` in the emails the studio wrote to its outbox."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in sorted(self.outbox.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
                # Mail bodies are quoted-printable: undo the soft line breaks inside long links.
                text = quopri.decodestring(mail.read_bytes()).decode("utf-8", errors="replace")
                found = re.findall(pattern, text)
                if found:
                    return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"No email with a link matching {pattern!r} arrived")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _own_database(env: dict) -> str | None:
    """On PostgreSQL, a fresh database for this run (dropped afterwards); on SQLite, a file."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"] = f"sqlite:///{env['VAR_DIR']}/e2e.sqlite3"
        return None
    import psycopg

    name = f"imagestudio_e2e_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{base}/{name}"
    return name


def _drop_database(env: dict, name: str) -> None:
    import psycopg

    base = env["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The studio exited with {process.returncode}")
        try:
            response = httpx.get(f"{url}/healthz", timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.3)
    raise RuntimeError(f"The studio did not become healthy: {last}")


def _run_studio(var_dir: Path, extra_env: dict, port: int | None = None) -> Iterator[Studio]:
    """`manage.py runstudio` (web + worker, migrate + seed first) on its own database and files."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "PORT": str(port),
        "TASKS_BACKEND": "db",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(var_dir / "outbox"),
        "DISABLE_RATE_LIMITS": "true",
        "DJANGO_SETTINGS_MODULE": "imagestudio.settings",
        "APP_URL": url,
        "S3_PREFIX": f"e2e-{uuid.uuid4().hex[:6]}",
        "FAL_KEY": "",
        "FAL_API_KEY": "",
        **extra_env,
    }
    env.pop("TEST_SQLITE_NAME", None)
    database = _own_database(env)
    log = open(var_dir / "studio.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runstudio", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(url, process)
        yield Studio(url=url, var_dir=var_dir, outbox=var_dir / "outbox")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if database:
            _drop_database(env, database)


@pytest.fixture(scope="session")
def studio(tmp_path_factory) -> Iterator[Studio]:
    """The studio as a newcomer gets it: no fal key, offline engine."""
    yield from _run_studio(tmp_path_factory.mktemp("studio-var"), {})


@pytest.fixture(scope="session")
def fal_studio(tmp_path_factory, emulator) -> Iterator[Studio]:
    """The studio with a fal key, talking to the fal emulator; results come back by signed webhook."""
    port = free_port()
    extra = {
        "FAL_KEY": "emulator-key",
        "FAL_WEBHOOK_JWKS_URL": emulator.jwks_url,
        "FAL_TIMEOUT": "10",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    yield from _run_studio(tmp_path_factory.mktemp("fal-studio-var"), extra, port)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open_page(browser, base_url: str):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return context, page


@pytest.fixture
def page(browser, studio):
    context, page = _open_page(browser, studio.url)
    yield page
    context.close()


@pytest.fixture
def fal_page(browser, fal_studio):
    context, page = _open_page(browser, fal_studio.url)
    yield page
    context.close()
