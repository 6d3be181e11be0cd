"""The emulator's own HTTP surface: auth, routes, cancel codes, control endpoints and the CLI."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image

from imagestudio.falemu import free_port
from tests.waiting import wait_until

from .support import SMALL


def png_bytes(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 200)).save(out, "PNG")
    return out.getvalue()


AUTH = {"Authorization": "Key test-key"}


@pytest.fixture
def http(emulator):
    # Plain httpx: SSL_CERT_FILE (set by conftest) makes it trust the emulator's test CA.
    with httpx.Client(base_url=emulator.url, timeout=5) as client:
        yield client


def _submit(http, endpoint="fal-ai/flux/dev", **arguments) -> dict:
    response = http.post(f"/{endpoint}", json={"prompt": "x", "image_size": SMALL, **arguments}, headers=AUTH)
    response.raise_for_status()
    return response.json()


def _wait_completed(http, app: str, rid: str, timeout: float = 10) -> dict:
    statuses: list[dict] = []

    def completed() -> dict | None:
        statuses.append(http.get(f"/{app}/requests/{rid}/status", headers=AUTH).json())
        return statuses[-1] if statuses[-1]["status"] == "COMPLETED" else None

    return wait_until(
        completed, timeout, lambda: f"{rid} to complete; last status {statuses[-1] if statuses else None}"
    )


@pytest.mark.parametrize("header", [None, "Key", "Bearer abc", "abc"])
def test_queue_routes_require_a_key(http, header):
    headers = {"Authorization": header} if header else {}
    response = http.post("/fal-ai/flux/dev", json={"prompt": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_submit_answer_shape(http, emulator):
    body = _submit(http)
    rid = body["request_id"]
    assert body["status"] == "IN_QUEUE"
    assert body["queue_position"] == 0  # nothing else waits in the reset emulator
    assert body["response_url"] == f"{emulator.url}/fal-ai/flux/requests/{rid}"
    assert body["cancel_url"] == f"{emulator.url}/fal-ai/flux/requests/{rid}/cancel"


def test_request_is_only_found_under_its_own_app(http):
    rid = _submit(http)["request_id"]
    assert http.get(f"/fal-ai/flux/requests/{rid}/status", headers=AUTH).status_code == 200
    assert http.get(f"/fal-ai/other/requests/{rid}/status", headers=AUTH).status_code == 404
    assert http.get(f"/fal-ai/flux/dev/requests/{rid}/status", headers=AUTH).status_code == 404


def test_status_logs_param_and_result_before_completion(http, emulator):
    emulator.configure(latency=5.0)
    rid = _submit(http)["request_id"]
    status_url = f"/fal-ai/flux/requests/{rid}/status"
    running = wait_until(
        lambda: (
            (body := http.get(status_url, params={"logs": "1"}, headers=AUTH).json())["status"] == "IN_PROGRESS"
            and body
        ),
        5,
        f"{rid} to start running",
    )
    assert any("started processing" in line["message"] for line in running["logs"])
    without_logs = http.get(status_url, params={"logs": "false"}, headers=AUTH).json()
    assert (without_logs["status"], without_logs["logs"]) == ("IN_PROGRESS", None)
    result = http.get(f"/fal-ai/flux/requests/{rid}", headers=AUTH)
    assert (result.status_code, result.json()) == (400, {"detail": "Request is still in progress"})


def test_cancel_status_codes(http, emulator):
    emulator.configure(latency=5.0, runners=1)
    busy = _submit(http)["request_id"]
    waiting = _submit(http)["request_id"]
    wait_until(
        lambda: http.get(f"/fal-ai/flux/requests/{busy}/status", headers=AUTH).json()["status"] == "IN_PROGRESS",
        5,
        f"{busy} to take the only runner",
    )
    assert http.get(f"/fal-ai/flux/requests/{waiting}/status", headers=AUTH).json()["status"] == "IN_QUEUE"
    cancel = http.put(f"/fal-ai/flux/requests/{waiting}/cancel", headers=AUTH)
    assert (cancel.status_code, cancel.json()["status"]) == (202, "CANCELLATION_REQUESTED")
    again = http.put(f"/fal-ai/flux/requests/{waiting}/cancel", headers=AUTH)
    assert (again.status_code, again.json()["status"]) == (400, "ALREADY_COMPLETED")
    assert http.put("/fal-ai/flux/requests/nope/cancel", headers=AUTH).status_code == 404
    # A running request stops at its next work slice: long before its 5 s of work would end.
    assert http.put(f"/fal-ai/flux/requests/{busy}/cancel", headers=AUTH).status_code == 202
    stopped = _wait_completed(http, "fal-ai/flux", busy, timeout=2)
    assert stopped["error_type"] == "request_cancelled"
    assert http.get(f"/fal-ai/flux/requests/{busy}", headers=AUTH).status_code == 400


def test_503_fault_carries_fal_markers(http, emulator):
    emulator.fail_next("503", op="submit")
    response = http.post("/fal-ai/flux/dev", json={"prompt": "x"}, headers=AUTH)
    assert response.status_code == 503
    assert "x-fal-request-id" in response.headers
    assert response.json()["error_type"] == "runner_scheduling_failure"


def test_ingress_fault_looks_like_nginx(http, emulator):
    emulator.fail_next("ingress", op="submit")
    response = http.post("/fal-ai/flux/dev", json={"prompt": "x"}, headers=AUTH)
    assert response.status_code == 502
    assert "x-fal-request-id" not in response.headers
    assert "nginx" in response.text


def test_control_endpoints(http, emulator):
    config = http.post("/_emulator/config", json={"latency": 0.01, "fail_next": {"kind": "429", "count": 2}})
    assert config.status_code == 200
    assert config.json()["config"]["latency"] == 0.01
    assert config.json()["fail_next"] == [{"op": "any", "kind": "429", "remaining": 2}]

    assert http.post("/_emulator/config", json={"latency": "slow"}).status_code == 400
    assert http.post("/_emulator/config", json={"no_such_knob": 1}).status_code == 400
    assert http.post("/_emulator/config", json={"fail_next": {"kind": "boom"}}).status_code == 400
    assert http.get("/_emulator/config").json()["config"]["latency"] == 0.01  # bad updates changed nothing

    assert http.post("/fal-ai/flux/dev", json={"prompt": "x"}, headers=AUTH).status_code == 429
    stats = http.get("/_emulator/stats").json()
    assert stats["faults"] == {"429": 1}
    assert http.post("/_emulator/reset").json() == {"ok": True}
    assert http.get("/_emulator/stats").json()["totals"] == {}
    assert http.get("/_emulator/config").json()["fail_next"] == []


def test_files_and_jwks_are_public(http, emulator):
    emulator.configure(latency=0.0)
    body = _submit(http)
    rid = body["request_id"]
    _wait_completed(http, "fal-ai/flux", rid)
    url = http.get(f"/fal-ai/flux/requests/{rid}", headers=AUTH).json()["images"][0]["url"]
    assert http.get(url).headers["content-type"] == "image/png"
    jwk = http.get("/.well-known/jwks.json").json()["keys"][0]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")


def test_namespaced_and_single_image_endpoints(http, emulator):
    emulator.configure(latency=0.0)
    tiny = "data:image/png;base64," + base64.b64encode(png_bytes(16, 12)).decode()
    body = _submit(http, endpoint="fal-ai/esrgan", image_url=tiny)
    assert "/fal-ai/esrgan/requests/" in body["status_url"]
    rid = body["request_id"]
    _wait_completed(http, "fal-ai/esrgan", rid)
    result = http.get(f"/fal-ai/esrgan/requests/{rid}", headers=AUTH).json()
    assert result["image"]["content_type"] == "image/png"


def test_cli_prints_env_and_serves(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SSL_CERT_FILE"}
    command = [
        sys.executable,
        "-m",
        "imagestudio.falemu",
        "--port",
        str(port),
        "--certs-dir",
        str(tmp_path),
        "--latency",
        "0",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=Path(__file__).parents[2])
    try:
        lines = [process.stdout.readline().strip() for _ in range(3)]
        assert lines == [
            f"export FAL_QUEUE_RUN_HOST=127.0.0.1:{port}",
            f"export FAL_RUN_HOST=127.0.0.1:{port}",
            f"export SSL_CERT_FILE={tmp_path / 'ca.pem'}",
        ]
        response = httpx.get(f"https://127.0.0.1:{port}/_emulator/stats", verify=_context(tmp_path / "ca.pem"))
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()


def _context(ca_path: Path):
    import ssl

    return ssl.create_default_context(cafile=str(ca_path))
