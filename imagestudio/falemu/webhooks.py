"""Webhook signing (fal's Ed25519 scheme) and delivery with retries.

Signature message: request_id + "\\n" + user_id + "\\n" + timestamp + "\\n" + sha256hex(raw body),
signed with Ed25519, sent hex-encoded in X-Fal-Webhook-Signature; the public keys are published as
a JWKS (OKP / Ed25519, base64url `x`) at /.well-known/jwks.json.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

logger = logging.getLogger(__name__)


def signature_message(request_id: str, user_id: str, timestamp: str, body: bytes) -> bytes:
    return "\n".join([request_id, user_id, timestamp, hashlib.sha256(body).hexdigest()]).encode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class WebhookSigner:
    """Holds the signing keys; the newest signs, all stay in the JWKS (like a key rotation)."""

    def __init__(self, key_path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._original = _load_or_create_key(key_path)
        self._keys = [self._original]

    def rotate(self) -> None:
        with self._lock:
            self._keys.insert(0, Ed25519PrivateKey.generate())

    def reset(self) -> None:
        """Forget rotated keys."""
        with self._lock:
            self._keys = [self._original]

    def jwks(self) -> dict:
        with self._lock:
            keys = list(self._keys)
        return {"keys": [_jwk(k) for k in keys]}

    def headers(self, request_id: str, user_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        with self._lock:
            key = self._keys[0]
        signature = key.sign(signature_message(request_id, user_id, stamp, body))
        return {
            "X-Fal-Webhook-Request-Id": request_id,
            "X-Fal-Webhook-User-Id": user_id,
            "X-Fal-Webhook-Timestamp": stamp,
            "X-Fal-Webhook-Signature": signature.hex(),
        }


def _jwk(key: Ed25519PrivateKey) -> dict:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(raw),
        "kid": hashlib.sha256(raw).hexdigest()[:16],
        "use": "sig",
    }


def _load_or_create_key(path: Path | None) -> Ed25519PrivateKey:
    """Persist the key next to the certs so an app's cached JWKS stays valid across emulator restarts."""
    if path is not None and path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, Ed25519PrivateKey):
            return key
    key = Ed25519PrivateKey.generate()
    if path is not None:
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.write_bytes(pem)
        path.chmod(0o600)
    return key


class WebhookSender:
    """Delivers each webhook on its own thread, retrying non-2xx answers with exponential backoff."""

    def __init__(
        self,
        signer: WebhookSigner,
        stop: threading.Event,
        on_attempt: Callable[[str, bool], None],
    ) -> None:
        self._signer = signer
        self._stop = stop
        self._on_attempt = on_attempt  # (request_id, delivered) for the stats

    def send(
        self, url: str, request_id: str, body: bytes, *, user_id: str, attempts: int, backoff: float, timeout: float
    ) -> None:
        args = (url, request_id, body, user_id, attempts, backoff, timeout)
        threading.Thread(target=self._deliver, args=args, name=f"falemu-webhook-{request_id[:8]}", daemon=True).start()

    def _deliver(
        self, url: str, request_id: str, body: bytes, user_id: str, attempts: int, backoff: float, timeout: float
    ) -> None:
        for attempt in range(attempts):
            if attempt and self._stop.wait(backoff * 2 ** (attempt - 1)):
                return
            # Re-signed per attempt so the timestamp stays fresh for the receiver's tolerance check.
            headers = {"Content-Type": "application/json", **self._signer.headers(request_id, user_id, body)}
            delivered = _post(url, body, headers, timeout)
            self._on_attempt(request_id, delivered)
            if delivered:
                return
        logger.warning("webhook for %s not delivered after %d attempts", request_id, attempts)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> bool:
    if not url.startswith(("http://", "https://")):  # urllib would also open file: URLs
        logger.warning("webhook URL %r is not http(s); not delivered", url)
        return False
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    # The default context honours SSL_CERT_FILE, so HTTPS receivers signed by a test CA work too.
    context = ssl.create_default_context() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        logger.info("webhook %s answered %s", url, exc.code)
    except (urllib.error.URLError, OSError) as exc:
        logger.info("webhook %s failed: %s", url, exc)
    return False
