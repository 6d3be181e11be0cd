"""The compare page in Chromium: the split moves by keyboard and by dragging, and zoom (buttons, wheel) and
fit apply one transform to both images, in the slider and side by side."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def transforms(page) -> list[str]:
    layers = page.locator("[data-compare-zoom-layer]")
    return [layers.nth(i).evaluate("el => el.style.transform") for i in range(layers.count())]


def test_compare_split_zoom_and_pan_stay_in_register(page, studio):
    email = "compare.viewer@example.com"
    token = register(studio, email)
    before = generate_image(studio, token, "a lighthouse at dusk")
    after = generate_image(studio, token, "a lighthouse at dawn")
    log_in(page, email)
    page.goto(f"/images/{after}/compare/?with={before}")

    handle = page.locator("[data-testid=compare-handle]")
    expect(handle).to_have_attribute("aria-valuenow", "50")
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(handle).to_have_attribute("aria-valuenow", "53")
    page.keyboard.press("Shift+ArrowLeft")
    expect(handle).to_have_attribute("aria-valuenow", "43")
    page.keyboard.press("End")
    expect(handle).to_have_attribute("aria-valuenow", "100")

    stage = page.locator("[data-compare-stage]").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] * 0.9, stage["y"] + stage["height"] / 2)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] * 0.25, stage["y"] + stage["height"] / 2, steps=8)
    page.mouse.up()
    assert abs(int(handle.get_attribute("aria-valuenow")) - 25) <= 1

    level = page.locator("[data-testid=compare-zoom-level]")
    page.click("[data-compare-zoom=in]")
    expect(level).to_have_text("150%")
    first, second = transforms(page)
    assert first == second and "scale(1.5)" in first

    page.click("[data-testid=compare-mode-side]")
    expect(page.locator("[data-testid=compare-mode-side]")).to_have_attribute("aria-pressed", "true")
    expect(level).to_have_text("100%")  # a new view starts fitted
    left = page.locator("[data-testid=compare-before]").bounding_box()
    page.mouse.move(left["x"] + left["width"] * 0.3, left["y"] + left["height"] * 0.3)
    page.mouse.wheel(0, -300)
    expect(level).not_to_have_text("100%")
    first, second = transforms(page)
    assert first == second and "scale(1)" not in first
    page.mouse.down()  # drag pans both
    page.mouse.move(left["x"] + left["width"] * 0.5, left["y"] + left["height"] * 0.5, steps=5)
    page.mouse.up()
    assert transforms(page)[0] == transforms(page)[1] != first

    page.locator("[data-compare-stage]").dblclick()
    expect(level).to_have_text("100%")


def test_the_image_pages_tabs_switch_panels(page, studio):
    email = "tabs.viewer@example.com"
    token = register(studio, email)
    image = generate_image(studio, token, "a kite over the dunes")
    log_in(page, email)
    page.goto(f"/images/{image}/")
    details, parameters = page.locator("#tab-details"), page.locator("#tab-params")
    expect(details).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-tab-panel=params]")).to_be_hidden()
    parameters.click()
    expect(parameters).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-tab-panel=params]")).to_be_visible()
    expect(page.locator("[data-tab-panel=details]")).to_be_hidden()
    page.keyboard.press("ArrowLeft")
    expect(details).to_have_attribute("aria-selected", "true")
