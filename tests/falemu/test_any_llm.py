"""fal-ai/any-llm in the emulator: its own schema (not the studio's image catalog), the deterministic JSON
answer, the not-JSON answer for fallback tests, validation, faults, and the real fal_client's subscribe."""

from __future__ import annotations

import json

import fal_client
import httpx
import pytest

from imagestudio.falemu import llm
from imagestudio.falemu.catalog import find_endpoint
from imagestudio.falemu.catalog_data import ENDPOINTS
from tests.waiting import wait_until

AUTH = {"Authorization": "Key test-key"}
ANY_LLM = "fal-ai/any-llm"


@pytest.fixture
def http(emulator):
    with httpx.Client(base_url=emulator.url, timeout=5) as client:
        yield client


def run(http, body: dict) -> tuple[dict, httpx.Response]:
    """Submit to the queue, wait for COMPLETED, fetch the result: (final status, result response)."""
    submitted = http.post(f"/{ANY_LLM}", json=body, headers=AUTH)
    assert submitted.status_code == 200, submitted.text
    urls = submitted.json()

    def completed() -> dict | None:
        status = http.get(urls["status_url"], headers=AUTH).json()
        return status if status["status"] == "COMPLETED" else None

    status = wait_until(completed, 10, lambda: "the any-llm request to complete")
    return status, http.get(urls["response_url"], headers=AUTH)


def test_any_llm_is_not_in_the_studios_catalog_but_the_emulator_knows_it():
    assert ANY_LLM not in ENDPOINTS
    endpoint = find_endpoint(ANY_LLM)
    assert endpoint is not None and endpoint.category == "llm"
    assert endpoint.fields["prompt"] == {"type": "string", "required": True}
    assert {"model", "system_prompt"} <= set(endpoint.fields)
    assert find_endpoint("fal-ai/any-llm/") is not None


def test_it_answers_a_json_list_of_rewrites(http):
    body = {"model": "google/gemini-2.5-flash", "system_prompt": "Answer JSON.", "prompt": "Prompt:\na red fox"}
    status, result = run(http, body)
    assert status.get("error") is None and result.status_code == 200
    data = result.json()
    assert set(data) == {"output", "partial", "error"} and data["partial"] is False and data["error"] is None
    rewrites = json.loads(data["output"])
    assert [r["kind"] for r in rewrites] == ["subject", "lighting", "composition", "lens", "quality", "all"]
    assert all(r["prompt"].startswith("a red fox, ") and r["label"] for r in rewrites)
    assert rewrites[-1]["prompt"].count(", ") == 5


def test_the_answer_is_deterministic_and_reads_the_prompt_after_the_marker():
    text = "Model family: flux\nNegative prompt: blurry\nPrompt:\n  a lighthouse at night. "
    assert llm.image_prompt(text) == "a lighthouse at night."
    assert llm.image_prompt("just a fox") == "just a fox"
    assert llm.image_prompt("Prompt: inline fox") == "inline fox"
    assert llm.answer({"prompt": text}) == llm.answer({"prompt": text})
    assert (
        json.loads(llm.answer({"prompt": text})["output"])[0]["prompt"]
        == "a lighthouse at night, with intricate surface detail"
    )


def test_the_garbage_word_gets_an_answer_that_is_not_json(http):
    _, result = run(http, {"prompt": "a fox emulator-garbage"})
    output = result.json()["output"]
    with pytest.raises(ValueError):
        json.loads(output)


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "prompt"), ({"prompt": "  "}, "prompt"), ({"prompt": 3}, "prompt"), ({"prompt": "x", "model": 5}, "model")],
)
def test_bad_input_fails_the_job_with_a_422_naming_the_field(http, body, field):
    status, result = run(http, body)
    assert status["error"] and result.status_code == 422
    assert result.json()["detail"][0]["loc"] == ["body", field]


def test_validation_at_submit_when_configured(http, emulator):
    emulator.configure(validate_on="submit")
    response = http.post(f"/{ANY_LLM}", json={"system_prompt": "x"}, headers=AUTH)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "prompt"]


def test_forced_errors_apply_to_any_llm_too(http, emulator):
    emulator.fail_next("error", op="submit")
    status, result = run(http, {"prompt": "a fox"})
    assert status["error"] and result.status_code == 500


def test_fal_client_subscribe_gets_the_output(emulator):
    client = fal_client.SyncClient(key="test-key", default_timeout=5)
    result = client.subscribe(ANY_LLM, {"prompt": "Prompt:\na cat"}, interval=0.05, client_timeout=10)
    assert json.loads(result["output"])[1] == {
        "kind": "lighting",
        "label": "Lighting",
        "prompt": "a cat, in soft rim light",
    }
    assert emulator.stats()["totals"]["submit"] == 1


def test_image_endpoints_are_unchanged(http):
    status, result = run_image(http)
    assert status.get("error") is None and "images" in result.json()


def run_image(http) -> tuple[dict, httpx.Response]:
    submitted = http.post(
        "/fal-ai/flux/dev", json={"prompt": "x", "image_size": {"width": 32, "height": 32}}, headers=AUTH
    )
    urls = submitted.json()

    def completed() -> dict | None:
        status = http.get(urls["status_url"], headers=AUTH).json()
        return status if status["status"] == "COMPLETED" else None

    return wait_until(completed, 10, lambda: "the image request"), http.get(urls["response_url"], headers=AUTH)
