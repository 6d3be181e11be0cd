"""Test helpers: wait for a request to finish, and a local webhook receiver."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from imagestudio.generation.providers.base import Progress, Submission
from imagestudio.generation.providers.fal import FalProvider
from tests.waiting import wait_until

FLUX = "fal-ai/flux/dev"
SMALL = {"width": 64, "height": 48}


def wait_done(
    provider: FalProvider,
    submission: Submission,
    endpoint: str = FLUX,
    timeout: float = 10,
    seen: list[Progress] | None = None,
) -> Progress:
    return wait_for_state(provider, submission, "completed", endpoint=endpoint, timeout=timeout, seen=seen)


def wait_for_state(
    provider: FalProvider,
    submission: Submission,
    state: str,
    *,
    endpoint: str = FLUX,
    timeout: float = 10,
    with_logs: bool = True,
    need_logs: bool = False,
    seen: list[Progress] | None = None,
) -> Progress:
    """Poll the request's status until it reaches `state` (and has logs, if asked); return that status.

    Every status seen is appended to `seen` (when given), e.g. to count the status calls made.
    """
    seen = [] if seen is None else seen

    def reached() -> Progress | None:
        progress = provider.status(endpoint, submission, with_logs=with_logs)
        seen.append(progress)
        return progress if progress.state == state and (progress.logs or not need_logs) else None

    return wait_until(
        reached,
        timeout,
        lambda: (
            f"{submission.request_id} to be {state}"
            f"{' with logs' if need_logs else ''}; last status: {seen[-1] if seen else None}"
        ),
    )


@dataclass(frozen=True)
class Delivery:
    path: str  # the request target as received: path and query string
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
                receiver.deliveries.put(Delivery(self.path, dict(self.headers.items()), body))
                failing = receiver.fail_first > 0
                receiver.fail_first -= 1
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A query string with characters that must survive fal_client's percent-encoding of the URL.
        self.path = "/hooks/fal?job=42&next=%2Fqueue%2F&note=a+b"
        self.url = f"http://127.0.0.1:{self._server.server_port}{self.path}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def next(self, timeout: float = 10) -> Delivery:
        try:
            return self.deliveries.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"No webhook delivery arrived within {timeout}s") from None

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
