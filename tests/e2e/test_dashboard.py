"""The dashboard on a phone (390 px): the cards and the checklist follow real data, quick generate starts a job
that the worker renders, and hiding the checklist sticks."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def stat(page, testid: str) -> str:
    return page.locator(f"[data-testid={testid}] p.text-3xl").inner_text().strip()


def test_the_dashboard_on_a_phone(page, studio):
    email = "dashboard.user@example.com"
    token = register(studio, email)
    generate_image(studio, token, "a paper lantern festival at night")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, email)

    # One image made: the card counts it, its step is ticked, the rest are still to do.
    assert stat(page, "stat-images") == "1"
    step = page.locator("[data-testid=checklist-step][data-step=image]")
    assert step.get_attribute("data-done") == "true"
    assert page.locator("[data-testid=checklist-step][data-done=false]").count() == 4
    assert page.locator("[data-testid=recent-job][data-status=succeeded] [data-testid=recent-job-thumb]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways

    # Quick generate goes through the generate page, where the worker's result shows up.
    page.fill("[data-testid=quick-prompt]", "a red kite over green hills")
    page.click("[data-testid=quick-generate-submit]")
    page.wait_for_url(re.compile(r"/generate/$"))
    page.wait_for_selector(
        "[data-testid=job-card][data-status=succeeded]:has-text('a red kite over green hills')", timeout=90_000
    )

    page.goto("/dashboard/")
    assert stat(page, "stat-images") == "2"
    newest = page.locator("[data-testid=recent-job]").first
    assert "a red kite over green hills" in newest.inner_text() and newest.get_attribute("data-status") == "succeeded"

    # Hiding the checklist takes it away at once (htmx) and for good.
    page.click("[data-testid=checklist-dismiss]")
    page.locator("[data-testid=onboarding-checklist]").wait_for(state="detached")
    page.reload()
    page.locator("[data-testid=overview]").wait_for()
    assert page.locator("[data-testid=onboarding-checklist]").count() == 0

    # The usage card sits far down on a phone: Chart.js is fetched only when it comes near the screen.
    canvas = page.locator("[data-testid=chart-usage-compact]")
    assert page.evaluate("typeof window.Chart") == "undefined"
    canvas.scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=chart-usage-compact][data-chart-ready=true]", timeout=15_000)
    assert canvas.evaluate("c => !!window.Chart.getChart(c)")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
