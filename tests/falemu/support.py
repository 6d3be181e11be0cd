"""Test helpers: wait for a request to finish, and a local webhook receiver."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from imagestudio.generation.providers.base import Progress, Submission
from imagestudio.generation.providers.fal import FalProvider

FLUX = "fal-ai/flux/dev"
SMALL = {"width": 64, "height": 48}


def wait_done(provider: FalProvider, submission: Submission, endpoint: str = FLUX, timeout: float = 10) -> Progress:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = provider.status(endpoint, submission, with_logs=True)
        if progress.state == "completed":
            return progress
        time.sleep(0.02)
    raise AssertionError(f"{submission.request_id} did not complete within {timeout}s")


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """Plain-HTTP server collecting webhook deliveries; can answer 500 to the first N."""

    def __init__(self) -> None:
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        self.fail_first = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.deliveries.put(Delivery(dict(self.headers.items()), body))
                failing = receiver.fail_first > 0
                receiver.fail_first -= 1
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/fal?job=42"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def next(self, timeout: float = 10) -> Delivery:
        return self.deliveries.get(timeout=timeout)

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
