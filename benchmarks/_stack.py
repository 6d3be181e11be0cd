"""Shared plumbing for the queue benchmarks (not a benchmark itself).

A `Stack` owns everything one benchmark run starts: a temp dir (VAR_DIR, logs, emulator certs),
its own database (a SQLite file in the temp dir, or a fresh PostgreSQL database created on the
server named by --database-url and dropped at the end), the fal emulator subprocess, a gunicorn
web server and `manage.py worker` subprocesses. `Stack.close()` (also on Ctrl-C / SIGTERM) stops
every process it started, by pid, drops the database and removes the temp dir. Children also get
PR_SET_PDEATHSIG so they die with the benchmark even if it is SIGKILLed.

Django is configured in-process (once per process) against the same database, so the benchmark
enqueues and inspects jobs with the app's own services and models. Everything talks to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Settings the app reads from the environment; all set explicitly so a stray .env or shell export
# cannot leak into a benchmark.
_APP_VARS = (
    "VAR_DIR",
    "DATABASE_URL",
    "DB_CONN_MAX_AGE",
    "FAL_KEY",
    "FAL_API_KEY",
    "FAL_TIMEOUT",
    "PUBLIC_URL",
    "FAL_WEBHOOK_JWKS_URL",
    "JOB_LEASE_SECONDS",
    "USER_MAX_CONCURRENT_JOBS",
    "STARTING_CREDITS",
    "DISABLE_RATE_LIMITS",
    "TASKS_BACKEND",
    "STORAGE_PATH",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "SECRET_KEY",
    "AUTH_SECRET",
    "DEBUG",
    "APP_URL",
    "PORT",
    "LOG_LEVEL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "CREDIT_USD",
    "FAL_QUEUE_RUN_HOST",
    "FAL_RUN_HOST",
    "SSL_CERT_FILE",
    "DJANGO_SETTINGS_MODULE",
    "TEST_SQLITE_NAME",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _die_with_parent() -> None:
    """preexec_fn: SIGTERM this child when the benchmark process dies, however it dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def terminate_on_signals() -> None:
    """Turn SIGINT/SIGTERM/SIGHUP into KeyboardInterrupt so `finally: stack.close()` always runs
    (SIGINT too: a shell starts background jobs with SIGINT ignored)."""

    def handler(signum, frame):
        raise KeyboardInterrupt(signal.strsignal(signum))

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handler)


_django_ready = False


class Stack:
    def __init__(self, label: str, *, database_url: str = "", env: dict | None = None, keep: bool = False) -> None:
        self.label = label
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix=f"imagestudio-bench-{label}-"))
        self.procs: list[tuple[str, subprocess.Popen, object]] = []
        self.pg_admin_url: str | None = None
        self.pg_name: str | None = None
        self.emulator_url: str | None = None
        self.emulator_nodelay = False
        self.ca_path: Path | None = None
        self.web_url: str | None = None
        self.env = {k: v for k, v in os.environ.items() if k not in _APP_VARS}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "imagestudio.settings",
                "VAR_DIR": str(self.tmp / "var"),
                "STORAGE_PATH": "",
                "S3_BUCKET": "",
                "SECRET_KEY": secrets.token_urlsafe(40),
                "DEBUG": "false",
                "TASKS_BACKEND": "db",
                "DISABLE_RATE_LIMITS": "true",
                "LOG_LEVEL": "WARNING",
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "STARTING_CREDITS": "10000000",
                "GRANT_CREDITS_ON": "signup",  # benchmark users never verify an email
                "USER_MAX_QUEUED_JOBS": "100000",  # benchmarks queue big batches on purpose
                "FAL_KEY": "benchmark-key",
                "PUBLIC_URL": "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env.update(env or {})
        try:
            self._database(database_url)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    # -- database -------------------------------------------------------------------------------

    def _database(self, url: str) -> None:
        kept_pg = url.startswith(("postgres://", "postgresql://")) and "/imagestudio_bench_" in url
        if kept_pg and self.keep:  # a database an earlier --keep run left, measured again
            self.pg_name = url.rsplit("/", 1)[1]
            self.env["DATABASE_URL"] = url
        elif url.startswith(("postgres://", "postgresql://")):
            import psycopg

            base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url.rstrip("/")
            self.pg_admin_url = f"{base}/postgres"
            self.pg_name = f"imagestudio_bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.env["DATABASE_URL"] = f"{base}/{self.pg_name}"
        elif url and not url.startswith("sqlite"):
            raise SystemExit(f"--database-url must be postgresql://... or sqlite:///...: {url!r}")
        elif url.startswith("sqlite:///") and self.keep:  # a kept database, measured again
            self.env["DATABASE_URL"] = url
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{self.tmp / 'bench.sqlite3'}"

    @property
    def database_label(self) -> str:
        return f"PostgreSQL (db {self.pg_name})" if self.pg_name else "SQLite (file, WAL)"

    # -- processes ------------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed in close()
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        self.procs.append((name, proc, log))
        return proc

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.tmp / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def start_emulator(self, nodelay: bool = False, **knobs) -> str:
        """The fal emulator as its own process (so it does not share the benchmark's GIL).

        nodelay: run it through benchmarks/_falemu_nodelay.py (TCP_NODELAY: no ~40 ms stall per answer).
        """
        port = free_port()
        certs = self.tmp / "falemu"
        launcher = [str(Path(__file__).with_name("_falemu_nodelay.py"))] if nodelay else ["-m", "imagestudio.falemu"]
        args = [PYTHON, *launcher, "--port", str(port), "--certs-dir", str(certs)]
        for name, value in knobs.items():
            value = ",".join(value) if isinstance(value, (list, tuple)) else value
            args += [f"--{name.replace('_', '-')}", str(value)]
        proc = self.spawn("falemu", args, env={k: v for k, v in self.env.items() if not k.startswith("FAL_")})
        self.emulator_url = f"https://127.0.0.1:{port}"
        self.emulator_nodelay = nodelay
        self.ca_path = certs / "ca.pem"
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"fal emulator exited:\n{self.log_tail('falemu')}")
            try:
                if self.ca_path.exists():
                    self.emu("GET", "/_emulator/config")
                    break
            except Exception:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
        hostport = f"127.0.0.1:{port}"
        self.env.update(
            {
                "FAL_QUEUE_RUN_HOST": hostport,
                "FAL_RUN_HOST": hostport,
                "SSL_CERT_FILE": str(self.ca_path),
                "FAL_WEBHOOK_JWKS_URL": f"{self.emulator_url}/.well-known/jwks.json",
            }
        )
        return self.emulator_url

    def emu(self, method: str, path: str, body: dict | None = None) -> dict:
        import httpx

        response = httpx.request(method, f"{self.emulator_url}{path}", json=body, verify=str(self.ca_path), timeout=10)
        response.raise_for_status()
        return response.json()

    def start_web(self, workers: int = 2) -> str:
        """gunicorn (as in the Dockerfile), sync workers, on 127.0.0.1."""
        port = free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        proc = self.spawn(
            "web",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "imagestudio.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            # The web process submits fal jobs too (a webhook refills its slot): it must ask for webhooks.
            env={**self.env, "PUBLIC_URL": self.web_url},
        )
        import httpx

        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"web server exited:\n{self.log_tail('web')}")
            try:
                httpx.get(f"{self.web_url}/healthz", timeout=5)
                return self.web_url
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def start_worker(self, interval: float = 0.5, name: str | None = None) -> subprocess.Popen:
        name = name or f"worker{sum(1 for n, _, _ in self.procs if n.startswith('worker')) + 1}"
        return self.spawn(name, [PYTHON, "manage.py", "worker", "--interval", str(interval)])

    @staticmethod
    def worker_id(proc: subprocess.Popen) -> str:
        """The lease owner id a worker process writes (runner.WORKER_ID)."""
        return f"{socket.gethostname()}:{proc.pid}"

    def wait_for_workers(self, procs: list[subprocess.Popen], timeout: float = 60) -> None:
        from imagestudio.generation.models import WorkerHeartbeat

        wanted = {self.worker_id(p) for p in procs}
        deadline = time.monotonic() + timeout
        while not wanted <= set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)):
            for name, proc, _ in self.procs:
                if proc in procs and proc.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log_tail(name)}")
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start (no heartbeat)")
            time.sleep(0.2)

    def check_alive(self) -> None:
        for name, proc, _ in self.procs:
            if proc.poll() is not None and not getattr(proc, "killed_on_purpose", False):
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")

    # -- Django in this process ----------------------------------------------------------------

    def setup_django(self) -> None:
        """Configure Django here against the stack's database, migrate and seed. Once per process."""
        global _django_ready
        if _django_ready:
            raise RuntimeError("Django is already configured in this process")
        os.environ.update(self.env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        with open(os.devnull, "w") as sink:
            call_command("seed", stdout=sink)
        _django_ready = True

    # -- teardown -------------------------------------------------------------------------------

    def close(self) -> None:
        # Web server and workers first (SIGTERM, then SIGKILL after 10 s), the emulator last, so a
        # worker finishing its current task is not left retrying against a vanished fal.
        apps = [p for p in self.procs if p[0] != "falemu"]
        emulator = [p for p in self.procs if p[0] == "falemu"]
        for group in (apps, emulator):
            for _, proc, _ in group:
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        proc.terminate()
            deadline = time.monotonic() + 10
            for _, proc, log in group:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    proc.wait(timeout=5)
                log.close()
        if _django_ready:
            from django.db import connections

            connections.close_all()
        if self.pg_name and not self.keep:
            import psycopg

            with contextlib.suppress(Exception), psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        if self.keep:
            print(f"(kept {self.tmp}; database {self.env['DATABASE_URL']})")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_user(email: str, token: bool = False):
    """A registered user (starting credits from STARTING_CREDITS) and optionally an API token."""
    from imagestudio.accounts.services import issue_token, register

    user = register(email, "correct-Horse-battery-9", email.split("@")[0])
    return (user, issue_token(user)) if token else user


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
