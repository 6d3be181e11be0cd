"""fal.ai provider: the queue API through the official `fal_client.SyncClient`, plus webhook helpers.

Error policy (ProviderError.kind):
  validation      422 with a pydantic `detail` list; `field` = last str element of the first `loc`
  content_policy  a detail/error type of "content_policy_violation"
  canceled        the request was cancelled (error_type "request_cancelled")
  retryable       429, 408/409, 5xx, timeouts, transport errors, malformed JSON from fal
  fatal           401/403 (bad FAL_KEY), 404 and everything else

Note fal_client retries by itself before we see an error: up to 10 attempts with exponential
backoff (0.1 s doubling, jittered, capped at 30 s) on 408/409/429, nginx-looking 502/503/504 and
any transport error or timeout. A 5xx carrying x-fal-request-id is NOT retried by it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from .base import ErrorKind, OutputImage, Progress, ProviderError, ProviderResult, Submission

if TYPE_CHECKING:
    import fal_client

MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
JWKS_MAX_AGE = 24 * 3600  # fal: cache the JWKS for at most 24 h
CANCEL_ERROR_TYPES = {"request_cancelled", "request_canceled", "cancelled", "canceled"}
_BENIGN_CANCEL_STATUSES = {"ALREADY_COMPLETED", "NOT_FOUND"}
_RETRYABLE_CODES = {408, 409, 429}
_STATUS_CODE_RE = re.compile(r"\b([1-5]\d\d)\b")


class FalProvider:
    """QueueProvider for fal.ai. `timeout` bounds every single HTTP attempt, polls included."""

    def __init__(self, key: str, timeout: float = 30) -> None:
        self._key = key
        self._timeout = float(timeout)
        self._client: fal_client.SyncClient | None = None
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    # -- QueueProvider -------------------------------------------------------------------------

    def submit(self, endpoint_id: str, arguments: dict, *, webhook_url: str | None = None) -> Submission:
        client = self._fal()
        with _fal_errors("submit"):
            handle = client.submit(_checked_endpoint(endpoint_id), arguments, webhook_url=webhook_url)
        return Submission(handle.request_id, handle.status_url, handle.response_url, handle.cancel_url)

    def status(self, endpoint_id: str, submission: Submission, *, with_logs: bool = True) -> Progress:
        import fal_client

        handle = self._handle(endpoint_id, submission)
        with _fal_errors("status"):
            status = handle.status(with_logs=with_logs)
        if isinstance(status, fal_client.Queued):
            return Progress("queued", queue_position=status.position)
        if isinstance(status, fal_client.InProgress):
            return Progress("running", logs=_log_messages(status.logs))
        if isinstance(status, fal_client.Completed):
            return Progress(
                "completed", logs=_log_messages(status.logs), error=status.error, error_type=status.error_type
            )
        raise ProviderError(f"fal returned an unknown status {status!r}", kind="retryable")

    def result(self, endpoint_id: str, submission: Submission) -> ProviderResult:
        """Fetch the output of a finished request (one GET; call it once status() says completed)."""
        handle = self._handle(endpoint_id, submission)
        with _fal_errors("result"):
            data = _get_result(handle, self._timeout)
        return parse_result(data)

    def cancel(self, endpoint_id: str, submission: Submission) -> None:
        """Ask fal to cancel; a request that already finished or is unknown is not an error."""
        handle = self._handle(endpoint_id, submission)
        try:
            with _fal_errors("cancel"):
                handle.cancel()
        except ProviderError as exc:
            if not _cancel_is_benign(exc):
                raise

    def download(self, url: str) -> bytes:
        """GET an output file (public URL: the fal key is never sent), at most MAX_DOWNLOAD_BYTES."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ProviderError(f"refusing to download a non-http(s) URL: {url[:60]}", kind="fatal")
        try:
            with self._downloader().stream("GET", url) as response:
                return _read_capped(response, url)
        except httpx.HTTPError as exc:
            raise ProviderError(f"downloading {url} failed: {type(exc).__name__}: {exc}", kind="retryable") from exc

    # -- internals -----------------------------------------------------------------------------

    def _fal(self) -> fal_client.SyncClient:
        if not self._key or not self._key.strip():
            raise ProviderError("FAL_KEY is not set: configure a fal API key to use fal models", kind="fatal")
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _downloader(self) -> httpx.Client:
        """One pooled client for output files (no fal credentials on it: the URLs are public)."""
        with self._lock:
            if self._http is None:
                # httpx's default verification honours SSL_CERT_FILE (the emulator's test CA in dev/tests).
                self._http = httpx.Client(timeout=self._timeout, follow_redirects=True)
            return self._http

    def _make_client(self) -> fal_client.SyncClient:
        # Imported here, not at module load: fal_client reads FAL_RUN_HOST/FAL_QUEUE_RUN_HOST once at
        # import, and settings (or tests) must be able to set them first.
        import fal_client

        client = fal_client.SyncClient(key=self._key, default_timeout=self._timeout)
        # fal_client polls status/result/cancel with a fixed 120 s read timeout (QUEUE_POLL_TIMEOUT)
        # and retries timeouts up to 10 times; cap each attempt at our timeout so one stuck poll
        # cannot hold a worker for 20 minutes.
        http = client._client  # the httpx.Client it sends everything through (cached per SyncClient)
        http.event_hooks = {**http.event_hooks, "request": [*http.event_hooks["request"], self._cap_timeout]}
        return client

    def _cap_timeout(self, request: httpx.Request) -> None:
        timeouts = request.extensions.get("timeout") or {}
        request.extensions["timeout"] = {
            name: self._timeout if value is None else min(value, self._timeout) for name, value in timeouts.items()
        }

    def _handle(self, endpoint_id: str, submission: Submission) -> fal_client.SyncRequestHandle:
        """A request handle using the URLs fal returned at submit (safest), else rebuilt ones."""
        handle = self._fal().get_handle(_checked_endpoint(endpoint_id), submission.request_id)
        return dataclasses.replace(
            handle,
            status_url=submission.status_url or handle.status_url,
            response_url=submission.response_url or handle.response_url,
            cancel_url=submission.cancel_url or handle.cancel_url,
        )


def _checked_endpoint(endpoint_id: str) -> str:
    parts = endpoint_id.strip("/").split("/")
    if len(parts) < 2 or not all(parts):
        raise ProviderError(f"invalid fal endpoint id {endpoint_id!r} (expected owner/alias[/path])", kind="fatal")
    return "/".join(parts)


def _get_result(handle: fal_client.SyncRequestHandle, timeout: float) -> Any:
    """One GET of response_url through fal_client's own retry loop.

    `handle.get()` would first poll status until COMPLETED (every 0.1 s, unbounded), which blocks
    a worker that polls many requests; the retrying helper it uses internally is the same.
    """
    from fal_client import client as fal_internals

    request = getattr(fal_internals, "_maybe_retry_request", None)
    if request is None:  # fal_client changed its internals: fall back to the public (blocking) call
        return handle.get(interval=1.0)
    response = request(handle.client, "GET", handle.response_url, timeout=timeout)
    return response.json()


@contextmanager
def _fal_errors(action: str) -> Iterator[None]:
    """Translate whatever fal_client/httpx raise during `action` into ProviderError."""
    import fal_client

    try:
        yield
    except fal_client.FalClientHTTPError as exc:
        raise _http_error(exc) from exc
    except httpx.TimeoutException as exc:
        raise ProviderError(f"fal {action} timed out ({type(exc).__name__})", kind="retryable") from exc
    except httpx.TransportError as exc:
        raise ProviderError(f"fal {action} failed: {type(exc).__name__}: {exc}", kind="retryable") from exc
    except (ValueError, KeyError, TypeError) as exc:
        # ValueError covers JSONDecodeError and fal_client's "Unknown status"; Key/TypeError a 200
        # whose JSON lacks the fields fal_client reads. Both are glitches worth retrying.
        raise ProviderError(
            f"fal {action} returned a malformed response: {type(exc).__name__}: {exc}", kind="retryable"
        ) from exc


def _http_error(exc: fal_client.FalClientHTTPError) -> ProviderError:
    return classify_error(exc.status_code, _json_body(exc.response), exc.error_type, fallback=str(exc.message))


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def classify_error(
    status_code: int | None, body: Any, error_type: str | None = None, *, fallback: str = ""
) -> ProviderError:
    """Map a fal error (HTTP answer or webhook ERROR payload) onto a ProviderError."""
    detail = body.get("detail") if isinstance(body, dict) else None
    error_type = error_type or (body.get("error_type") if isinstance(body, dict) else None)
    items = [d for d in detail if isinstance(d, dict)] if isinstance(detail, list) else []
    message = _detail_message(items) if items else str(detail or fallback or f"HTTP {status_code}")
    kind = _error_kind(status_code, error_type, items)
    if status_code in (401, 403):
        message = f"fal rejected the API key (HTTP {status_code}): check FAL_KEY. {message}"
    field = _field_name(items[0].get("loc")) if items and kind in ("validation", "content_policy") else None
    return ProviderError(message, kind=kind, field=field, status_code=status_code, details=items or detail)


def _error_kind(status_code: int | None, error_type: str | None, items: list[dict]) -> ErrorKind:
    if error_type == "content_policy_violation" or any(d.get("type") == "content_policy_violation" for d in items):
        return "content_policy"
    if error_type in CANCEL_ERROR_TYPES:
        return "canceled"
    if status_code == 422:
        return "validation"
    if status_code is not None and (status_code in _RETRYABLE_CODES or status_code >= 500):
        return "retryable"
    return "fatal"


def _field_name(loc: Any) -> str | None:
    """The last string of a pydantic `loc` (["body", "image_size", "width"] -> "width"); None for ["body"]."""
    names = [part for part in loc if isinstance(part, str)] if isinstance(loc, list) else []
    if not names or names == ["body"]:
        return None
    return names[-1]


def _detail_message(items: list[dict]) -> str:
    parts = []
    for item in items:
        field = _field_name(item.get("loc"))
        msg = str(item.get("msg") or item.get("type") or "invalid value")
        parts.append(f"{field}: {msg}" if field else msg)
    return "; ".join(parts)


def _cancel_is_benign(error: ProviderError) -> bool:
    """fal answers ALREADY_COMPLETED (400) / NOT_FOUND (404) when there is nothing left to cancel."""
    import fal_client

    cause = error.__cause__
    if not isinstance(cause, fal_client.FalClientHTTPError):
        return False
    body = _json_body(cause.response)
    return (isinstance(body, dict) and body.get("status") in _BENIGN_CANCEL_STATUSES) or cause.status_code == 404


def _log_messages(logs: list[dict] | None) -> list[str]:
    return [str(entry.get("message", "")) for entry in logs or [] if isinstance(entry, dict)]


def _read_capped(response: httpx.Response, url: str) -> bytes:
    code = response.status_code
    if code >= 400:
        kind: ErrorKind = "retryable" if code in _RETRYABLE_CODES or code >= 500 else "fatal"
        raise ProviderError(f"downloading {url} failed: HTTP {code}", kind=kind, status_code=code)
    declared = int(response.headers.get("Content-Length") or 0)
    if declared > MAX_DOWNLOAD_BYTES:
        raise ProviderError(f"{url} is {declared} bytes, over the {MAX_DOWNLOAD_BYTES} byte limit", kind="fatal")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_DOWNLOAD_BYTES:  # Content-Length may be absent or wrong
            raise ProviderError(f"{url} exceeds the {MAX_DOWNLOAD_BYTES} byte limit", kind="fatal")
        chunks.append(chunk)
    return b"".join(chunks)


# -- results ------------------------------------------------------------------------------------


def parse_result(data: Any) -> ProviderResult:
    """fal's image output ({images: [...]} or {image: {...}}) as a ProviderResult."""
    if not isinstance(data, dict):
        raise ProviderError("fal returned a result that is not a JSON object", kind="retryable")
    files = data.get("images")
    if files is None and isinstance(data.get("image"), dict):
        files = [data["image"]]
    if not isinstance(files, list):
        raise ProviderError("fal result has no images", kind="retryable", details=data)
    seed = data.get("seed")
    nsfw = data.get("has_nsfw_concepts") or []
    return ProviderResult(
        images=[_output_image(f) for f in files if isinstance(f, dict)],
        seed=int(seed) if isinstance(seed, (int, float)) and not isinstance(seed, bool) else None,
        has_nsfw_concepts=[bool(x) for x in nsfw] if isinstance(nsfw, list) else [],
        raw=data,
    )


def _output_image(file: dict) -> OutputImage:
    url = str(file.get("url") or "")
    content_type = str(file.get("content_type") or "image/png")
    data = b""
    if url.startswith("data:"):  # sync_mode: the image comes inline, nothing to download
        content_type, data = _decode_data_uri(url, content_type)
        url = ""
    return OutputImage(
        url=url,
        data=data,
        content_type=content_type,
        width=file.get("width") if isinstance(file.get("width"), int) else None,
        height=file.get("height") if isinstance(file.get("height"), int) else None,
    )


def _decode_data_uri(uri: str, default_type: str) -> tuple[str, bytes]:
    header, _, payload = uri.partition(",")
    media_type = header.removeprefix("data:").split(";")[0] or default_type
    try:
        return media_type, base64.b64decode(payload, validate=False) if ";base64" in header else payload.encode()
    except (binascii.Error, ValueError) as exc:
        raise ProviderError("fal returned an undecodable data URI", kind="retryable") from exc


# -- webhooks -----------------------------------------------------------------------------------


def parse_webhook(body: dict) -> tuple[str, ProviderResult | ProviderError]:
    """Split a (verified) webhook body into the request id and its outcome.

    Raises ProviderError (fatal) only when the body has no request_id to attach the outcome to.
    """
    request_id = body.get("request_id") if isinstance(body, dict) else None
    if not isinstance(request_id, str) or not request_id:
        raise ProviderError("webhook body has no request_id", kind="fatal")
    payload = body.get("payload")
    if body.get("status") == "OK":
        if payload is None:  # fal: output could not be serialised; payload_error says why
            reason = body.get("payload_error") or "empty payload"
            return request_id, ProviderError(f"fal could not deliver the output: {reason}", kind="fatal")
        try:
            return request_id, parse_result(payload)
        except ProviderError as exc:
            return request_id, exc
    error = str(body.get("error") or "fal reported an error")
    match = _STATUS_CODE_RE.search(error)  # fal's wording: "Invalid status code: 422"
    status_code = int(match[1]) if match else None
    return request_id, classify_error(status_code, payload, fallback=error)


def verify_webhook(
    headers: Mapping[str, str],
    raw_body: bytes,
    jwks_list: list[dict],
    *,
    now: float | None = None,
    tolerance: int = 300,
) -> bool:
    """fal's Ed25519 webhook signature check, trying every key of every JWKS given.

    Pass the raw request bytes: re-serialised JSON would change the body hash.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not signature_headers_ok(headers, now=now, tolerance=tolerance):
        return False
    lowered = {k.lower(): v for k, v in headers.items()}
    request_id = lowered["x-fal-webhook-request-id"]
    user_id = lowered["x-fal-webhook-user-id"]
    timestamp = lowered["x-fal-webhook-timestamp"]
    signature = bytes.fromhex(lowered["x-fal-webhook-signature"])
    body_hash = hashlib.sha256(raw_body).hexdigest()
    message = "\n".join([request_id, user_id, timestamp, body_hash]).encode()
    for public_bytes in _ed25519_keys(jwks_list):
        try:
            Ed25519PublicKey.from_public_bytes(public_bytes).verify(signature, message)
            return True
        except (InvalidSignature, ValueError):
            continue
    return False


def signature_headers_ok(headers: Mapping[str, str], *, now: float | None = None, tolerance: int = 300) -> bool:
    """Cheap pre-check before any key is fetched: fal's four headers present, well formed and fresh."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if not lowered["x-fal-webhook-request-id"] or not lowered["x-fal-webhook-user-id"]:
            return False
        signature = bytes.fromhex(lowered["x-fal-webhook-signature"])
        sent_at = int(lowered["x-fal-webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    return len(signature) == 64 and abs((time.time() if now is None else now) - sent_at) <= tolerance


def _ed25519_keys(jwks_list: list[dict]) -> Iterator[bytes]:
    for jwks in jwks_list:
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        for key in keys if isinstance(keys, list) else []:
            if not isinstance(key, dict) or key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
                continue
            try:
                x = str(key["x"])
                yield base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
            except (KeyError, ValueError, binascii.Error):
                continue


JWKS_MIN_FETCH_INTERVAL = 60.0  # at most one download per URL a minute, whatever requests arrive
_jwks_cache: dict[str, tuple[float, dict]] = {}
_jwks_attempts: dict[str, float] = {}
_jwks_lock = threading.Lock()


def fetch_jwks(urls: list[str], timeout: float = 5, *, refresh: bool = False) -> list[dict]:
    """The JWKS documents at `urls`, cached in-process for at most 24 h.

    URLs that fail are skipped (logged by the caller's verification failing). Pass refresh=True
    after a failed verification to pick up rotated keys before rejecting a webhook. Downloads, forced
    or not, happen at most once a minute per URL, so forged webhooks can't make us hammer fal.
    """
    found = []
    for url in urls:
        jwks = None if refresh else _cached_jwks(url)
        if jwks is None and _may_download(url):
            jwks = _download_jwks(url, timeout)
        jwks = jwks or _cached_jwks(url, any_age=True)
        if jwks is not None:
            found.append(jwks)
    return found


def _may_download(url: str) -> bool:
    now = time.monotonic()
    with _jwks_lock:
        last = _jwks_attempts.get(url)
        if last is not None and now - last < JWKS_MIN_FETCH_INTERVAL:
            return False
        _jwks_attempts[url] = now
    return True


def _cached_jwks(url: str, *, any_age: bool = False) -> dict | None:
    with _jwks_lock:
        entry = _jwks_cache.get(url)
    if entry is None or (not any_age and time.monotonic() - entry[0] > JWKS_MAX_AGE):
        return None
    return entry[1]


def _download_jwks(url: str, timeout: float) -> dict | None:
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
        jwks = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        return None
    with _jwks_lock:
        _jwks_cache[url] = (time.monotonic(), jwks)
    return jwks


def clear_jwks_cache() -> None:
    with _jwks_lock:
        _jwks_cache.clear()
        _jwks_attempts.clear()
