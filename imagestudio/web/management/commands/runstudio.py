"""`manage.py runstudio`: migrate, seed, then run the web server and one worker together.

Ctrl-C (or SIGTERM) stops both; if either exits, the other is stopped too.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the studio: web server and background worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--skip-setup", action="store_true", help="Do not migrate or seed first.")

    def handle(self, *args, host: str, port: int, skip_setup: bool, **options) -> None:
        if not skip_setup:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("seed")
        mode = "fal.ai (FAL_KEY is set)" if settings.FAL_KEY else "OFFLINE engine (no FAL_KEY: fal models unavailable)"
        self.stdout.write(self.style.SUCCESS(f"AI Image Studio on http://{host}:{port}/ — generating with {mode}"))
        self.stdout.write(
            f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} · "
            f"Files: {'S3 bucket ' + settings.S3_BUCKET if settings.S3_BUCKET else settings.MEDIA_ROOT}"
        )
        manage = [sys.executable, "-m", "django"]
        web = subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload", "--skip-checks"])
        worker = subprocess.Popen([*manage, "worker", "--interval", "0.2"])
        self._supervise([web, worker])

    def _supervise(self, processes: list[subprocess.Popen]) -> None:
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.3)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.stdout.write("Studio stopped.")
