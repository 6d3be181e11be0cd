"""The happy paths of FalProvider through the real fal_client against the emulator."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from imagestudio.generation.providers.base import ProviderError, Submission
from imagestudio.generation.providers.fal import FalProvider

from .support import FLUX, SMALL, wait_done, wait_for_state


def test_submit_status_result_download(provider, emulator):
    submission = provider.submit(FLUX, {"prompt": "a red fox", "image_size": SMALL, "seed": 1234, "num_images": 2})

    # URLs use owner/alias only and point at the emulator (fal drops the "/dev" sub-path there).
    assert submission.status_url == f"{emulator.url}/fal-ai/flux/requests/{submission.request_id}/status"
    polls: list = []
    progress = wait_done(provider, submission, seen=polls)
    assert progress.error is None
    assert any("step" in line for line in progress.logs)

    result = provider.result(FLUX, submission)
    assert result.seed == 1234
    assert result.has_nsfw_concepts == [False, False]
    assert [(i.width, i.height) for i in result.images] == [(64, 48), (64, 48)]
    for output in result.images:
        image = Image.open(io.BytesIO(provider.download(output.url)))
        assert image.format == "PNG"
        assert image.size == (64, 48)
    assert result.raw["prompt"] == "a red fox"

    counts = emulator.stats()["requests"][submission.request_id]
    assert (counts["submit"], counts["status"], counts["result"]) == (1, len(polls), 1)  # one request per call


def test_random_seed_is_reported(provider):
    submission = provider.submit(FLUX, {"prompt": "no seed given", "image_size": "square"})
    wait_done(provider, submission)
    result = provider.result(FLUX, submission)
    assert isinstance(result.seed, int)
    assert (result.images[0].width, result.images[0].height) == (512, 512)  # the "square" preset


def test_sync_mode_returns_inline_png(provider):
    submission = provider.submit(FLUX, {"prompt": "inline", "image_size": SMALL, "sync_mode": True})
    wait_done(provider, submission)
    (output,) = provider.result(FLUX, submission).images
    assert output.url == ""
    assert Image.open(io.BytesIO(output.data)).size == (64, 48)


def test_aspect_ratio_model(provider):
    ultra = "fal-ai/flux-pro/v1.1-ultra"
    submission = provider.submit(ultra, {"prompt": "wide", "aspect_ratio": "21:9", "sync_mode": True})
    wait_done(provider, submission, endpoint=ultra)
    (output,) = provider.result(ultra, submission).images
    assert output.width > 2 * output.height


def test_queue_positions_and_logs(provider, emulator):
    emulator.configure(runners=1, latency=3, log_lines=3)
    first, second, third = (provider.submit(FLUX, {"prompt": f"job {i}", "image_size": SMALL}) for i in range(3))

    running = wait_for_state(provider, first, "running", need_logs=True)
    assert "Runner 0 started processing the request" in running.logs
    assert provider.status(FLUX, first, with_logs=False).logs == []  # fal sends logs: null
    assert provider.status(FLUX, second).queue_position == 0
    assert provider.status(FLUX, third).queue_position == 1


def test_handle_rebuilt_from_request_id_only(provider):
    submission = provider.submit(FLUX, {"prompt": "stored id only", "image_size": SMALL})
    bare = Submission(submission.request_id)  # e.g. a job row that kept only fal_request_id
    assert wait_done(provider, bare).state == "completed"
    assert provider.result(FLUX, bare).images


def test_cancel_queued_request(provider, emulator):
    emulator.configure(runners=1, latency=5)
    running = provider.submit(FLUX, {"prompt": "keeps the runner busy", "image_size": SMALL})
    queued = provider.submit(FLUX, {"prompt": "to cancel", "image_size": SMALL})
    wait_for_state(provider, running, "running")
    assert provider.status(FLUX, queued).state == "queued"

    provider.cancel(FLUX, queued)

    progress = provider.status(FLUX, queued)
    assert progress.state == "completed"
    assert progress.error_type == "request_cancelled"
    with pytest.raises(ProviderError) as caught:
        provider.result(FLUX, queued)
    assert caught.value.kind == "canceled"
    assert provider.status(FLUX, running).state == "running"  # canceling one request left the other alone

    # A running request is asked to stop too: it ends canceled at its next work slice, long before its 5 s.
    provider.cancel(FLUX, running)
    stopped = wait_done(provider, running, timeout=2)
    assert stopped.error_type == "request_cancelled"
    with pytest.raises(ProviderError) as caught:
        provider.result(FLUX, running)
    assert caught.value.kind == "canceled"
    counts = emulator.stats()["requests"]
    assert (counts[queued.request_id]["cancel"], counts[running.request_id]["cancel"]) == (1, 1)


def test_cancel_after_completion_and_unknown_are_quiet(provider, emulator):
    submission = provider.submit(FLUX, {"prompt": "done", "image_size": SMALL})
    wait_done(provider, submission)
    provider.cancel(FLUX, submission)  # 400 ALREADY_COMPLETED is swallowed
    provider.cancel(FLUX, Submission("no-such-request"))  # 404 NOT_FOUND is swallowed
    assert emulator.stats()["requests"][submission.request_id]["cancel"] == 1


def test_unknown_endpoint_is_fatal(provider):
    with pytest.raises(ProviderError) as caught:
        provider.submit("fal-ai/does-not-exist", {"prompt": "x"})
    assert caught.value.kind == "fatal"
    assert caught.value.status_code == 404


def test_invalid_endpoint_id_is_rejected_before_any_request(provider, emulator):
    with pytest.raises(ProviderError) as caught:
        provider.submit("flux", {"prompt": "x"})
    assert caught.value.kind == "fatal"
    assert emulator.stats()["totals"] == {}


def test_missing_key_is_fatal_without_network(emulator):
    with pytest.raises(ProviderError) as caught:
        FalProvider(key="").submit(FLUX, {"prompt": "x"})
    assert caught.value.kind == "fatal"
    assert "FAL_KEY" in caught.value.message
    assert emulator.stats()["totals"] == {}


def test_rejected_key_is_fatal(emulator):
    emulator.configure(accepted_keys=["the-right-key"])
    with pytest.raises(ProviderError) as caught:
        FalProvider(key="wrong-key").submit(FLUX, {"prompt": "x"})
    assert caught.value.kind == "fatal"
    assert caught.value.status_code == 401
    assert "FAL_KEY" in caught.value.message


def test_download_rejects_other_schemes_and_missing_files(provider, emulator):
    with pytest.raises(ProviderError) as caught:
        provider.download("file:///etc/passwd")
    assert caught.value.kind == "fatal"
    with pytest.raises(ProviderError) as caught:
        provider.download(f"{emulator.url}/files/expired.png")
    assert caught.value.kind == "fatal"
    assert caught.value.status_code == 404


def test_download_size_cap(provider, monkeypatch):
    from imagestudio.generation.providers import fal

    submission = provider.submit(FLUX, {"prompt": "big enough", "image_size": SMALL})
    wait_done(provider, submission)
    url = provider.result(FLUX, submission).images[0].url
    monkeypatch.setattr(fal, "MAX_DOWNLOAD_BYTES", 100)
    with pytest.raises(ProviderError, match="limit"):
        provider.download(url)
