"""HTTPS front of the emulator: fal's queue routes, output files, JWKS and the control endpoints."""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import ssl
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .catalog import ModelInputError, find_endpoint
from .config import EmulatorConfig
from .core import EmulatorCore
from .pricing import prices_for
from .tls import ensure_certs

logger = logging.getLogger(__name__)

# Status/result/cancel live under [namespace/]owner/alias only: fal drops the endpoint sub-path there.
_REQUEST_ROUTE = re.compile(
    r"^/(?P<app>(?:(?:workflows|comfy)/)?[^/]+/[^/]+)/requests/(?P<rid>[^/]+)(?P<action>/status|/cancel)?/?$"
)
_NAMESPACES = ("workflows", "comfy")
MAX_BODY = 32 * 1024 * 1024
_NGINX_502 = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like fal; every answer carries Content-Length
    server_version = "falemu"
    timeout = 120  # idle keep-alive connections are dropped after this
    server: _TLSServer

    @property
    def core(self) -> EmulatorCore:
        return self.server.core

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- routing -------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.body = self._read_body()
        if self.body is None:
            return
        path = url.path
        if path == "/.well-known/jwks.json" and method == "GET":
            self.core.stats.hit("jwks")
            return self._json(200, self.core.signer.jwks())
        if path.startswith("/files/") and method == "GET":
            return self._serve_file(path.removeprefix("/files/"))
        if path.startswith("/_emulator/"):
            return self._control(method, path.removeprefix("/_emulator/"))
        if path == "/v1/models/pricing" and method == "GET":
            return self._pricing(url.query)
        self._queue_route(method, path)

    def _pricing(self, query: str) -> None:
        if not self._authorized():
            return self._json(401, {"detail": "Unauthorized"})
        self.core.stats.hit("pricing")
        return self._json(200, prices_for(parse_qs(query).get("endpoint_id", [])))

    def _queue_route(self, method: str, path: str) -> None:
        match = _REQUEST_ROUTE.match(path)
        op = _queue_op(method, match, path)
        if op is None:
            return self._json(405 if match else 404, {"detail": "Not Found" if not match else "Method Not Allowed"})
        if not self._authorized():
            self.core.stats.hit("unauthorized")
            return self._json(401, {"detail": "Unauthorized"})
        if op == "submit":
            return self._submit(path.strip("/"))
        job = self.core.find(match["app"], match["rid"]) if match else None
        if job is None:
            body = {"detail": f"Request {match['rid'] if match else ''} not found"}
            return self._json(404, {"status": "NOT_FOUND", **body} if op == "cancel" else body)
        if self._fault(op, job.id):
            return
        if op == "status":
            logs = self.query.get("logs", "false").lower() in ("true", "1")
            return self._json(200, self.core.status_body(job, with_logs=logs), request_id=job.id)
        if op == "result":
            code, body, headers = self.core.result_response(job)
            return self._json(code, body, request_id=job.id, headers=headers)
        code, body = self.core.cancel(job)
        self._json(code, body, request_id=job.id)

    def _submit(self, endpoint_id: str) -> None:
        endpoint = find_endpoint(endpoint_id)
        if endpoint is None:
            self.core.stats.hit("unknown_endpoint")
            return self._json(404, {"detail": f"Application '{endpoint_id}' not found"})
        fault = self.core.faults.draw("submit", self.core.config)
        if fault and fault != "error" and self._apply_fault("submit", fault, None):
            return
        try:
            payload = json.loads(self.body or b"{}")
        except ValueError:
            error = {"loc": ["body"], "msg": "Invalid JSON body", "type": "value_error.jsondecode"}
            return self._json(422, {"detail": [error]})
        try:
            job = self.core.submit(
                endpoint,
                payload,
                app_path=_app_path(endpoint_id),
                base_url=self._base_url(),
                webhook_url=self.query.get("fal_webhook"),
                forced_error=fault == "error",
            )
        except ModelInputError as exc:
            self.core.stats.hit("submit", fault=fault)
            return self._json(exc.status_code, exc.body, headers={"X-Fal-Error-Type": exc.error_type})
        self.core.stats.hit("submit", job.id, fault=fault)
        # Always the IN_QUEUE shape, even if a runner already took the job: that is what fal answers.
        body = {
            "status": "IN_QUEUE",
            "request_id": job.id,
            "gateway_request_id": job.id,
            **job.urls(),
            "queue_position": job.submitted_position,
        }
        self._json(200, body, request_id=job.id)

    # -- faults --------------------------------------------------------------------------------

    def _fault(self, op: str, request_id: str | None) -> bool:
        """Count the attempt; answer with a fault if the plan says so. True when answered."""
        kind = self.core.faults.draw(op, self.core.config)
        if kind and self._apply_fault(op, kind, request_id):
            return True
        self.core.stats.hit(op, request_id)
        return False

    def _apply_fault(self, op: str, kind: str, request_id: str | None) -> bool:
        self.core.stats.hit(op, request_id, fault=kind)
        fal_id = request_id or ""  # "" = a fresh id: fal marks every answer it produces itself
        if kind == "429":
            body = {"detail": "Too many requests, slow down", "error_type": "rate_limited"}
            self._json(429, body, request_id=fal_id, headers={"Retry-After": "1"})
        elif kind == "503":
            # With x-fal-request-id the answer is "from fal", so fal_client does not retry it.
            body = {
                "detail": "No runner could be scheduled for this request",
                "error_type": "runner_scheduling_failure",
            }
            self._json(503, body, request_id=fal_id, headers={"X-Fal-Error-Type": "runner_scheduling_failure"})
        elif kind == "ingress":
            # No x-fal-request-id and an nginx page: fal_client treats this as ingress and retries.
            self._send(502, _NGINX_502, "text/html", request_id=None)
        elif kind == "malformed":
            self._send(200, b'{"status": "IN_QUEUE", "request_id": ', "application/json", request_id=fal_id)
        elif kind == "timeout":
            self.core.wait(self.core.config.hang_seconds)
            self.close_connection = True  # drop without an answer (the client may have timed out already)
        return True

    # -- other routes --------------------------------------------------------------------------

    def _serve_file(self, name: str) -> None:
        if self._fault("files", None):
            return
        found = self.core.files.get(name)
        if found is None:
            return self._json(404, {"detail": "File not found"})
        data, content_type = found
        self._send(200, data, content_type, request_id=None, headers={"Cache-Control": "public, max-age=3600"})

    def _control(self, method: str, action: str) -> None:
        core = self.core
        try:
            if action == "config" and method == "GET":
                return self._json(200, core.describe())
            if action == "config" and method == "POST":
                return self._json(200, core.configure(json.loads(self.body or b"{}")))
            if action == "stats" and method == "GET":
                return self._json(200, core.snapshot())
            if action == "reset" and method == "POST":
                core.reset()
                return self._json(200, {"ok": True})
            if action == "rotate-webhook-key" and method == "POST":
                core.signer.rotate()
                return self._json(200, core.signer.jwks())
        except (ValueError, TypeError, KeyError) as exc:
            return self._json(400, {"detail": str(exc)})
        self._json(404, {"detail": "Unknown control endpoint"})

    # -- helpers -------------------------------------------------------------------------------

    def _authorized(self) -> bool:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        token = token.strip()
        if scheme != "Key" or not token:
            return False
        accepted = self.core.config.accepted_keys
        return not accepted or token in accepted

    def _base_url(self) -> str:
        # Echo the host the client used (127.0.0.1 or localhost), so returned URLs match its TLS name.
        return f"https://{self.headers.get('Host') or f'127.0.0.1:{self.server.server_port}'}"

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(413, {"detail": "Request body too large"})
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _json(
        self, code: int, body: Any, *, request_id: str | None = "", headers: dict[str, str] | None = None
    ) -> None:
        self._send(code, json.dumps(body).encode(), "application/json", request_id=request_id, headers=headers)

    def _send(
        self,
        code: int,
        data: bytes,
        content_type: str,
        *,
        request_id: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if request_id is not None:  # fal marks its own answers with this header
            self.send_header("x-fal-request-id", request_id or str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _queue_op(method: str, match: re.Match | None, path: str) -> str | None:
    if match is None:
        segments = [s for s in path.split("/") if s]
        return "submit" if method == "POST" and len(segments) >= 2 else None
    action = match["action"]
    return {("GET", "/status"): "status", ("GET", None): "result", ("PUT", "/cancel"): "cancel"}.get((method, action))


def _app_path(endpoint_id: str) -> str:
    parts = endpoint_id.split("/")
    keep = 3 if parts[0] in _NAMESPACES else 2
    return "/".join(parts[:keep])


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], core: EmulatorCore, context: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.core = core
        self.ssl_context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Handshake on the connection's own thread, so a slow client cannot stall accept().
        request.settimeout(10)
        # Headers and body go out in separate writes; without this Nagle adds ~40 ms to every answer.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.debug("TLS handshake with %s failed: %s", client_address, exc)
            return
        try:
            _Handler(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class Emulator:
    """A running emulator. Use `start_in_thread()`; the env() lines point fal_client at it."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, certs_dir: str | Path | None = None, **knobs: Any
    ) -> None:
        self._tmp = None if certs_dir else tempfile.mkdtemp(prefix="falemu-")
        self.certs_dir = Path(certs_dir or self._tmp or ".").resolve()
        self.ca_path, context = ensure_certs(self.certs_dir)
        self.core = EmulatorCore(EmulatorConfig().updated(knobs), key_path=self.certs_dir / "webhook-ed25519.pem")
        self._server = _TLSServer((host, port), self.core, context)
        self.host = host
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks.json"

    def env(self) -> dict[str, str]:
        """Environment for a client process; must be set before `import fal_client`."""
        hostport = f"{self.host}:{self.port}"
        return {"FAL_QUEUE_RUN_HOST": hostport, "FAL_RUN_HOST": hostport, "SSL_CERT_FILE": str(self.ca_path)}

    def start(self) -> Emulator:
        # A short poll interval makes stop() quick (shutdown waits for the serve loop to notice).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="falemu-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def configure(self, **knobs: Any) -> dict:
        """Change knobs at runtime; also accepts fail_next={"kind", "count", "op"} and clear_faults=True."""
        return self.core.configure(knobs)

    def fail_next(self, kind: str, count: int = 1, op: str = "any") -> None:
        self.core.configure({"fail_next": {"kind": kind, "count": count, "op": op}})

    def stats(self) -> dict:
        return self.core.snapshot()

    def reset(self) -> None:
        self.core.reset()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.core.stop()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(
    port: int = 0, *, host: str = "127.0.0.1", certs_dir: str | Path | None = None, **knobs: Any
) -> Emulator:
    """Start an emulator serving on a daemon thread; knobs are EmulatorConfig fields."""
    return Emulator(host=host, port=port, certs_dir=certs_dir, **knobs).start()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for clients that must know the port before the server starts)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
