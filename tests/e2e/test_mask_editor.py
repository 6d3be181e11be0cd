"""The inpaint mask editor in Chromium: a brush stroke and a rectangle drawn with the mouse, undo and redo,
then a real inpaint job on the offline engine whose result differs from the source only where the mask was
painted (so the mask reached the server at the right place, size and polarity). An empty mask stops the
submit in the page and queues nothing; a mask sent with a form the server turns down comes back painted."""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e import http
from tests.e2e.test_projects import log_in, register

pytestmark = pytest.mark.e2e
WIDTH, HEIGHT = 344, 256  # the smallest side the API allows is 256
STROKE = ((0.12, 0.3), (0.42, 0.3))  # a horizontal brush stroke, as fractions of the image
RECT = ((0.58, 0.55), (0.88, 0.88))  # a rectangle drag, the same


def make_image(studio, token: str, prompt: str, timeout: float = 90) -> str:
    """A small 4:3 offline image, waited for with a deadline."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {"model_id": "offline/studio-v1", "prompt": prompt, "parameters": {"width": WIDTH, "height": HEIGHT}}
    job = http.post(f"{studio.url}/api/generate/text-to-image", json=body, headers=headers)
    assert job.status_code == 202, job.text
    return wait_for_job(studio, token, job.json()["id"], timeout)[0]


def wait_for_job(studio, token: str, job_id: str, timeout: float = 90) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = http.get(f"{studio.url}/api/generate/queue/{job_id}/status", headers=headers).json()
        if status["status"] == "succeeded":
            return status["image_ids"]
        assert status["status"] in ("queued", "running"), status
        time.sleep(0.2)
    raise AssertionError(f"The job was not done within {timeout} s")


def job_count(studio, token: str) -> int:
    response = http.get(f"{studio.url}/api/generate/queue", headers={"Authorization": f"Bearer {token}"})
    return len(response.json()["items"])


def at(box: dict, fx: float, fy: float) -> tuple[float, float]:
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def drag(page, box: dict, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*at(box, *start))
    page.mouse.down()
    page.mouse.move(*at(box, *end), steps=12)
    page.mouse.up()


def painted(page) -> int:
    return page.evaluate("window.maskEditor.paintedPixels()")


def pixels(page, image_id: str) -> np.ndarray:
    response = page.request.get(f"/images/{image_id}/file")
    assert response.ok, response.status
    return np.asarray(Image.open(io.BytesIO(response.body())).convert("RGB")).astype(int)


def test_a_painted_mask_inpaints_only_where_it_was_drawn(page, studio):
    email = "mask.painter@example.com"
    token = register(studio, email)
    source = make_image(studio, token, "a quiet harbour with boats")
    log_in(page, email)
    page.goto(f"/images/{source}/iterate/inpaint/")

    canvas = page.locator("[data-testid=mask-canvas]")
    expect(canvas).to_have_attribute("width", str(WIDTH))  # the mask works at the image's natural size
    expect(canvas).to_have_attribute("height", str(HEIGHT))
    assert canvas.evaluate("el => getComputedStyle(el).touchAction") == "none"
    expect(page.locator("[data-testid=mask-tool-brush]")).to_have_attribute("aria-pressed", "true")
    brush = int(page.locator("[data-testid=mask-size]").input_value())
    box = canvas.bounding_box()

    drag(page, box, *STROKE)
    stroke = painted(page)
    assert stroke > 0

    page.click("[data-testid=mask-tool-rect]")
    expect(page.locator("[data-testid=mask-tool-rect]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-testid=mask-tool-brush]")).to_have_attribute("aria-pressed", "false")
    drag(page, box, *RECT)
    both = painted(page)
    assert both > stroke

    page.click("[data-testid=mask-undo]")
    assert painted(page) == stroke  # the rectangle is gone, the stroke stays
    middle = (round(WIDTH * 0.73), round(HEIGHT * 0.7))
    alpha = "([x, y]) => document.querySelector('[data-mask-canvas]').getContext('2d').getImageData(x, y, 1, 1).data[3]"
    assert page.evaluate(alpha, list(middle)) == 0
    page.keyboard.press("Control+Shift+Z")  # redo by keyboard
    assert painted(page) == both
    assert page.evaluate(alpha, list(middle)) == 255
    page.click("[data-testid=mask-undo]")
    page.click("[data-testid=mask-redo]")
    assert painted(page) == both

    page.fill("[name=prompt]", "a red lighthouse")
    page.click("[data-testid=iterate-submit]")
    page.wait_for_url(re.compile(r"\?job=[0-9a-f-]+"))
    job_id = page.url.split("job=")[1]
    page.wait_for_selector("[data-testid=job-card][data-status=succeeded]", timeout=90_000)
    [result] = wait_for_job(studio, token, job_id)

    before, after = pixels(page, source), pixels(page, result)
    assert before.shape == after.shape == (HEIGHT, WIDTH, 3)
    changed = (before != after).any(axis=2)
    margin = brush / 2 + 3
    allowed = np.zeros_like(changed)
    (sx0, sy), (sx1, _) = [(fx * WIDTH, fy * HEIGHT) for fx, fy in STROKE]
    allowed[
        max(0, int(sy - margin)) : int(sy + margin) + 1,
        max(0, int(sx0 - margin)) : int(sx1 + margin) + 1,
    ] = True
    (rx0, ry0), (rx1, ry1) = [(fx * WIDTH, fy * HEIGHT) for fx, fy in RECT]
    allowed[int(ry0) - 2 : int(ry1) + 3, int(rx0) - 2 : int(rx1) + 3] = True
    assert not (changed & ~allowed).any(), f"{int((changed & ~allowed).sum())} pixels changed outside the mask"
    # ... and inside it the image did change: in the rectangle's core and along the stroke.
    assert changed[int(ry0) + 4 : int(ry1) - 4, int(rx0) + 4 : int(rx1) - 4].mean() > 0.5
    assert changed[int(sy) - 2 : int(sy) + 3, int(sx0) + 4 : int(sx1) - 4].mean() > 0.5
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_an_empty_mask_is_not_submitted(page, studio):
    email = "mask.empty@example.com"
    token = register(studio, email)
    source = make_image(studio, token, "a field of sunflowers")
    log_in(page, email)
    page.goto(f"/images/{source}/iterate/inpaint/")
    jobs = job_count(studio, token)

    error = page.locator("[data-testid=mask-empty-error]")
    expect(error).to_be_hidden()
    page.fill("[name=prompt]", "a scarecrow")
    page.click("[data-testid=iterate-submit]")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("Paint over the area to change first")
    assert "job=" not in page.url
    assert job_count(studio, token) == jobs

    # Painting clears the message.
    drag(page, page.locator("[data-testid=mask-canvas]").bounding_box(), (0.4, 0.4), (0.6, 0.5))
    expect(error).to_be_hidden()
    drawn = painted(page)

    # A submit the server turns down (no prompt) comes back with the mask painted in again.
    page.fill("[name=prompt]", "")
    page.click("[data-testid=iterate-submit]")
    expect(page.locator("[data-testid=iterate-error]")).to_be_visible()
    page.wait_for_function(f"window.maskEditor.paintedPixels() === {drawn}")
    assert job_count(studio, token) == jobs
