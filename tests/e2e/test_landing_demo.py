"""A visitor on a phone: the landing page with its real showcase pictures, the model carousel driven by the
keyboard and its buttons, then "Try demo" into a signed-in demo account that generates an offline image."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def wait_scrolled(page, condition: str) -> None:
    """Wait (with the default deadline) until the track satisfies `condition` (JavaScript; `t` is the track)."""
    page.wait_for_function(
        f"() => {{ const t = document.querySelector('[data-testid=model-track]'); return {condition}; }}"
    )


def leads(index: int) -> str:
    """A condition: slide `index` (0-based) sits at the track's snap position, its scroll come to rest."""
    return (
        f"(() => {{ const s = t.querySelectorAll('[data-testid=model-slide]')[{index}];"
        " const pad = parseFloat(getComputedStyle(t).scrollPaddingLeft) || 0;"
        " return Math.abs(s.getBoundingClientRect().left - t.getBoundingClientRect().left - pad) < 2; })()"
    )


def test_a_phone_visitor_browses_the_landing_page_and_tries_the_demo(page, studio):
    page.set_viewport_size(PHONE)
    page.goto("/")

    # The hero shows four real renders, loaded, and nothing overflows the phone's width.
    pictures = page.locator("[data-testid=hero-showcase] img[data-testid=showcase-image]")
    assert pictures.count() == 4
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=hero-showcase] img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The model carousel: the arrow keys move one slide, End and Home jump, the buttons follow.
    track = page.locator("[data-testid=model-track]")
    track.scroll_into_view_if_needed()
    previous, following = page.locator("[data-carousel-prev]"), page.locator("[data-carousel-next]")
    following.wait_for(state="visible")  # shown by landing.js
    assert previous.is_disabled() and following.is_enabled()
    track.focus()
    page.keyboard.press("ArrowRight")
    wait_scrolled(page, leads(1))
    assert previous.is_enabled()
    page.keyboard.press("ArrowRight")
    wait_scrolled(page, leads(2))
    page.keyboard.press("ArrowLeft")
    wait_scrolled(page, leads(1))
    page.keyboard.press("End")
    wait_scrolled(page, "t.scrollLeft + t.clientWidth >= t.scrollWidth - 2")
    assert following.is_disabled()
    page.keyboard.press("Home")
    wait_scrolled(page, "t.scrollLeft <= 2")
    assert previous.is_disabled()
    following.click()
    wait_scrolled(page, leads(1))

    # Try demo: a signed-in demo account on its dashboard, with the banner.
    page.locator("[data-testid=hero-demo]").click()
    page.wait_for_url("**/dashboard/")
    banner = page.locator("[data-testid=demo-banner]")
    banner.wait_for()
    assert "Demo account" in banner.inner_text() and "resets in 4 hours" in banner.inner_text()

    # The demo generates on the offline engine.
    page.goto("/generate/")
    page.fill("[name=prompt]", "misty mountains over a calm lake at dawn")
    count = page.locator("[name=num_images]")
    if count.count() > 1:
        page.locator("[name=num_images][value='1']").check(force=True)
    else:
        count.select_option("1")
    page.click("[data-testid=generate-button]")
    page.wait_for_selector("[data-testid=job-card][data-status=succeeded]", timeout=90_000)
    assert page.locator("[data-testid=job-card] [data-testid=result-image]").count() == 1
    assert not [error for error in page.console_errors if "Content Security Policy" in error]
