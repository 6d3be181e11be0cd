"""The small interface every image provider implements.

Providers take and return plain values (no Django models), so the job runner, the fal emulator
tests and the CLI can all drive them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

ErrorKind = Literal["validation", "content_policy", "retryable", "fatal", "canceled"]


@dataclass(frozen=True)
class Submission:
    """What a queue submit returns; stored on the job so status/result/cancel survive restarts."""

    request_id: str
    status_url: str = ""
    response_url: str = ""
    cancel_url: str = ""


@dataclass(frozen=True)
class Progress:
    state: Literal["queued", "running", "completed"]
    queue_position: int | None = None
    logs: list[str] = field(default_factory=list)
    # A COMPLETED status may still carry an error (fal: Completed.error / error_type).
    error: str | None = None
    error_type: str | None = None


@dataclass(frozen=True)
class OutputImage:
    """One produced image: either inline bytes (offline engine) or a URL to download at once."""

    url: str = ""
    data: bytes = b""
    content_type: str = "image/png"
    width: int | None = None
    height: int | None = None
    seed: int | None = None  # when the provider reports one per image (else the result's seed applies)


@dataclass(frozen=True)
class ProviderResult:
    images: list[OutputImage]
    seed: int | None = None
    has_nsfw_concepts: list[bool] = field(default_factory=list)
    raw: dict = field(default_factory=dict)


class ProviderError(Exception):
    """A failure with enough structure to decide: retry, show on a form field, or fail the job."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind = "fatal",
        field: str | None = None,
        status_code: int | None = None,
        details: list | dict | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field
        self.status_code = status_code
        self.details = details

    @property
    def retryable(self) -> bool:
        return self.kind == "retryable"


class QueueProvider(Protocol):
    """A provider whose work runs elsewhere (fal): submit returns at once, completion is polled or pushed."""

    def submit(self, endpoint_id: str, arguments: dict, *, webhook_url: str | None = None) -> Submission: ...
    def status(self, endpoint_id: str, submission: Submission, *, with_logs: bool = True) -> Progress: ...
    def result(self, endpoint_id: str, submission: Submission) -> ProviderResult: ...
    def cancel(self, endpoint_id: str, submission: Submission) -> None: ...
    def download(self, url: str) -> bytes: ...
