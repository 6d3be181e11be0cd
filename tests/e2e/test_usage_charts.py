"""The usage page's charts in a real browser on a phone-sized screen: Chart.js draws the daily chart from the
page's data (a Chart on the canvas, pixels that differ from a blank canvas of its size), the doughnuts too,
and switching to the dark theme redraws them with the dark tokens — with no script blocked by the CSP.

The image is made the way a user makes one (an offline text-to-image job through the API, run by the studio's
worker), so its usage log row is real."""

from __future__ import annotations

import pytest

from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e

DRAWN = """canvas => {
  const blank = document.createElement("canvas");
  blank.width = canvas.width;
  blank.height = canvas.height;
  return {
    chart: !!(window.Chart && window.Chart.getChart(canvas)),
    drawn: canvas.toDataURL().length,
    blank: blank.toDataURL().length,
    width: canvas.getBoundingClientRect().width,
  };
}"""
TICK_COLOUR = "canvas => window.Chart.getChart(canvas).options.scales.y.ticks.color"


def test_the_usage_charts_draw_on_a_phone_and_follow_the_theme(page, studio):
    email = "usage.charts@example.com"
    token = register(studio, email)
    generate_image(studio, token, "a lighthouse for the usage chart")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, email)
    page.goto("/usage/")

    daily = page.locator("[data-testid=chart-daily]")
    page.wait_for_selector("[data-testid=chart-daily][data-chart-ready=true]")
    figures = daily.evaluate(DRAWN)
    assert figures["chart"], "no Chart.js chart on the daily canvas"
    assert figures["drawn"] > 2 * figures["blank"], figures  # bars, a line and axes, not an empty canvas
    assert 300 <= figures["width"] <= 390  # fits the phone screen
    doughnut = page.locator("[data-testid=chart-usage-model-data]")
    assert doughnut.evaluate(DRAWN)["chart"]
    assert page.locator("[data-testid=model-row]").count() == 1  # the offline model made the one image
    # Nothing sticks out sideways: wide tables scroll inside their cards, their screen-reader text too.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    light = daily.evaluate(TICK_COLOUR)
    page.evaluate("window.studioTheme.set('dark')")
    page.wait_for_function(
        f"([canvas, light]) => ({TICK_COLOUR})(canvas) !== light", arg=[daily.element_handle(), light]
    )
    assert daily.evaluate(DRAWN)["chart"]
    assert not [error for error in page.console_errors if "Content Security Policy" in error]
