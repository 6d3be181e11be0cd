"""The gallery's lightbox driven by the keyboard alone: open a tile with Enter, favourite with f, rate with a
digit, step with the arrow keys, open the metadata panel with i and the key help with ?, close with Escape.
What the keys changed is checked through the API afterwards."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e import http
from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def image_state(studio, token: str, image_id: str, field: str, expected, timeout: float = 10):
    """Wait (with a deadline) until the API shows `field` == `expected` for the image; return the answer."""
    deadline = time.monotonic() + timeout
    while True:
        body = http.get(f"{studio.url}/api/images/{image_id}", headers={"Authorization": f"Bearer {token}"}).json()
        if body[field] == expected or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def step_back(page, tries: int = 3) -> None:
    """Press ← until the counter shows the first slide: PhotoSwipe ignores arrow keys while a slide
    transition still runs (a loaded CI machine can still be in the previous one), as a person would
    press again."""
    counter = page.locator(".pswp__counter")
    for _ in range(tries):
        page.keyboard.press("ArrowLeft")
        try:
            page.locator(".pswp__counter:text-is('1 / 2')").wait_for(timeout=3000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"← never stepped back; the counter shows {counter.inner_text()!r}")


def test_lightbox_favourite_rate_step_and_help_by_keyboard(page, studio):
    email = "keyboard.viewer@example.com"
    token = register(studio, email)
    older = generate_image(studio, token, "a lighthouse at dusk")
    newer = generate_image(studio, token, "a red fox in the snow")
    log_in(page, email)

    page.goto("/images/")
    tiles = page.locator("#image-grid a[data-pswp-src]")
    tiles.nth(1).wait_for()
    tiles.nth(0).focus()
    page.keyboard.press("Enter")
    page.locator(".pswp--open").wait_for()
    favourite = page.locator("[data-testid=lightbox-favorite]")
    page.locator(".pswp[data-opened=true]").wait_for()  # keys wait for the opening zoom to end
    page.locator("[data-testid=lightbox-favorite]:not([disabled])").wait_for()  # the image's state has loaded

    # f favourites the image on screen (the newest first), 4 rates it; both reach the server.
    page.keyboard.press("f")
    page.locator("[data-testid=lightbox-favorite][aria-pressed=true]").wait_for()
    page.keyboard.press("4")
    page.locator("[data-testid=lightbox-rate-4][aria-pressed=true]").wait_for()
    assert image_state(studio, token, newer, "is_favorite", True)["is_favorite"] is True
    assert image_state(studio, token, newer, "rating", 4)["rating"] == 4

    # → shows the older image, whose controls show its own (untouched) state.
    page.keyboard.press("ArrowRight")
    page.locator("[data-testid=lightbox-favorite][aria-pressed=false]:not([disabled])").wait_for()
    assert page.locator("[data-testid=lightbox-rating]").get_attribute("aria-label") == "Rating: not rated"

    # i opens the metadata panel for that image; ? opens the key help; Escape closes the help first.
    page.keyboard.press("i")
    panel = page.locator("[data-testid=lightbox-info-panel]")
    panel.get_by_text("a lighthouse at dusk").wait_for()
    page.keyboard.press("?")
    help_overlay = page.locator("[data-testid=lightbox-help]")
    help_overlay.wait_for(state="visible")
    page.keyboard.press("Escape")
    help_overlay.wait_for(state="hidden")
    assert page.locator(".pswp--open").count() == 1

    # ← goes back to the newer image (its saved state shows again) and 0 clears its rating.
    step_back(page)
    page.locator("[data-testid=lightbox-rate-4][aria-pressed=true]").wait_for()
    page.keyboard.press("0")
    page.locator("[data-testid=lightbox-rate-4][aria-pressed=false]").wait_for()
    assert image_state(studio, token, newer, "rating", None)["rating"] is None
    assert favourite.get_attribute("aria-pressed") == "true"

    # Escape closes the viewer; the older image was never changed.
    page.keyboard.press("Escape")
    page.locator(".pswp").wait_for(state="detached")
    untouched = image_state(studio, token, older, "is_favorite", False)
    assert (untouched["is_favorite"], untouched["rating"]) == (False, None)
