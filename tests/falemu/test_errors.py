"""Error mapping: validation, content policy, rate limits, 5xx, malformed answers, timeouts, failed jobs."""

from __future__ import annotations

import time

import pytest

from imagestudio.generation.providers.base import ProviderError
from imagestudio.generation.providers.fal import FalProvider

from .support import FLUX, SMALL, wait_done, wait_for_state


def _failed_result(provider, arguments: dict, endpoint: str = FLUX) -> ProviderError:
    """Submit input the model rejects: like fal's queue, the job completes with an error."""
    submission = provider.submit(endpoint, arguments)
    progress = wait_done(provider, submission, endpoint=endpoint)
    assert progress.error, "the status should carry the job's error"
    with pytest.raises(ProviderError) as caught:
        provider.result(endpoint, submission)
    return caught.value


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"image_size": SMALL}, "prompt"),
        ({"prompt": "   ", "image_size": SMALL}, "prompt"),
        ({"prompt": "x", "image_size": SMALL, "num_images": 5}, "num_images"),
        ({"prompt": "x", "image_size": SMALL, "num_inference_steps": 0}, "num_inference_steps"),
        ({"prompt": "x", "image_size": SMALL, "guidance_scale": 25}, "guidance_scale"),
        ({"prompt": "x", "image_size": "enormous"}, "image_size"),
        ({"prompt": "x", "image_size": {"width": 64, "height": 20000}}, "height"),
    ],
)
def test_validation_error_names_the_field(provider, arguments, field):
    error = _failed_result(provider, arguments)
    assert error.kind == "validation"
    assert error.status_code == 422
    assert error.field == field
    assert field in error.message
    assert isinstance(error.details, list)


def test_missing_prompt_body_is_pydantic_style(provider):
    error = _failed_result(provider, {"image_size": SMALL})
    assert error.details == [{"loc": ["body", "prompt"], "msg": "field required", "type": "value_error.missing"}]
    assert error.message == "prompt: field required"


def test_validation_at_submit_when_configured(provider, emulator):
    emulator.configure(validate_on="submit")
    with pytest.raises(ProviderError) as caught:
        provider.submit(FLUX, {"prompt": "x", "image_size": SMALL, "num_images": 9})
    assert (caught.value.kind, caught.value.field) == ("validation", "num_images")


def test_content_policy(provider):
    error = _failed_result(provider, {"prompt": "some forbidden-content here", "image_size": SMALL})
    assert error.kind == "content_policy"
    assert error.field == "prompt"


def test_429_is_retried_by_fal_client_then_succeeds(provider, emulator):
    emulator.fail_next("429", count=2, op="submit")
    submission = provider.submit(FLUX, {"prompt": "after 429s", "image_size": SMALL})
    stats = emulator.stats()
    assert stats["totals"]["submit"] == 3  # two 429s + the accepted one, all inside one submit()
    assert stats["faults"] == {"429": 2}
    assert wait_done(provider, submission).error is None


def test_503_from_fal_is_not_retried_by_client_and_maps_to_retryable(provider, emulator):
    emulator.fail_next("503", count=5, op="submit")
    with pytest.raises(ProviderError) as caught:
        provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
    assert caught.value.kind == "retryable"
    assert caught.value.status_code == 503
    assert emulator.stats()["totals"]["submit"] == 1  # x-fal-request-id present: fal_client gave up at once


def test_ingress_502_is_retried_by_client(provider, emulator):
    emulator.fail_next("ingress", count=2, op="submit")
    provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
    assert emulator.stats()["totals"]["submit"] == 3


def test_429_on_status_then_success(provider, emulator):
    emulator.configure(latency=5)  # the request stays running for the whole test
    submission = provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
    wait_for_state(provider, submission, "running")
    polled = emulator.stats()["requests"][submission.request_id]["status"]
    emulator.fail_next("429", count=1, op="status")
    progress = provider.status(FLUX, submission)
    assert (progress.state, progress.error) == ("running", None)  # the retried call's real answer
    stats = emulator.stats()
    assert stats["requests"][submission.request_id]["status"] == polled + 2  # the 429, then the retry
    assert stats["faults"] == {"429": 1}


@pytest.mark.parametrize("op", ["submit", "status", "result"])
def test_malformed_json_is_retryable(provider, emulator, op):
    submission = None if op == "submit" else provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
    if submission:
        wait_done(provider, submission)
    emulator.fail_next("malformed", count=1, op=op)
    with pytest.raises(ProviderError) as caught:
        if op == "submit":
            provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
        elif op == "status":
            provider.status(FLUX, submission)
        else:
            provider.result(FLUX, submission)
    assert caught.value.kind == "retryable"
    assert "malformed" in caught.value.message


def test_timeout_is_retried_by_client_within_our_timeout(emulator):
    emulator.configure(latency=5)  # the request stays running for the whole test
    provider = FalProvider(key="test-key", timeout=0.5)
    submission = provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
    wait_for_state(provider, submission, "running")
    polled = emulator.stats()["requests"][submission.request_id]["status"]
    emulator.fail_next("timeout", count=1, op="status")  # the emulator hangs 3 s, longer than 0.5 s
    started = time.monotonic()
    assert provider.status(FLUX, submission).state == "running"
    # The poll timeout was capped at 0.5 s (fal_client's own is 120 s); its retry then succeeded.
    assert time.monotonic() - started < 3  # less than the 3 s the emulator hangs
    stats = emulator.stats()
    assert stats["requests"][submission.request_id]["status"] == polled + 2
    assert stats["faults"] == {"timeout": 1}


def test_dropped_connection_is_retried_by_client(provider, emulator):
    emulator.configure(hang_seconds=0)  # "timeout" fault without waiting: just drop the connection
    emulator.fail_next("timeout", count=2, op="submit")
    provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
    assert emulator.stats()["totals"]["submit"] == 3


def test_job_ending_in_error(provider, emulator):
    emulator.fail_next("error")
    submission = provider.submit(FLUX, {"prompt": "x", "image_size": SMALL})
    progress = wait_done(provider, submission)
    assert progress.error == "Invalid status code: 500"
    assert progress.error_type == "internal_server_error"
    with pytest.raises(ProviderError) as caught:
        provider.result(FLUX, submission)
    assert caught.value.kind == "retryable"
    assert caught.value.status_code == 500


def test_job_ending_in_422_error(provider, emulator):
    emulator.configure(error_status=422)
    emulator.fail_next("error")
    error = _failed_result(provider, {"prompt": "x", "image_size": SMALL})
    assert error.kind == "validation"
    assert error.field is None  # loc ["body"]: the input as a whole


def test_random_429s_are_absorbed_by_client_retries(provider, emulator):
    # Seed 1 makes the first two draws (this submit's first two attempts) faults; later ones, on status
    # polls, vary with poll timing.
    emulator.configure(fail_rate=0.3, fail_kinds=["429"], fail_ops=["submit", "status"], fault_seed=1)
    submission = provider.submit(FLUX, {"prompt": "through random 429s", "image_size": SMALL})
    polls: list = []
    assert wait_done(provider, submission, seen=polls).error is None
    stats = emulator.stats()
    request = stats["requests"][submission.request_id]
    assert stats["totals"]["submit"] == 3 and request["submit"] == 1  # two 429s, then accepted once
    # Every faulted status call was retried by fal_client: each poll we saw cost one call plus its 429s.
    assert request["status"] == len(polls) + request.get("faults", 0)
    assert stats["faults"] == {"429": 2 + request.get("faults", 0)}
