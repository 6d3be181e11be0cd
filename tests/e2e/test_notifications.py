"""The notification centre in a real browser: jobs finished while nobody watched them light up the bell, its
panel lists them, opening one goes to the image and the count drops; the worker emailed each one."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e
BUSY = "#notification-panel:is(.htmx-request, .htmx-swapping, .htmx-settling)"


def open_panel(page) -> None:
    """Open the bell; opening reloads the panel, so wait until the fresh list is in (a swap between mouse down
    and mouse up on an old item would lose the click)."""
    with page.expect_response(lambda response: "/notifications/panel/" in response.url):
        page.locator("[data-testid=notification-badge]").click()
    page.locator(BUSY).wait_for(state="detached")  # no element matches once the swap has settled


def test_the_bell_counts_opens_and_a_click_reads_one(page, studio):
    email = "bell.user@example.com"
    token = register(studio, email)
    first = generate_image(studio, token, "a paper boat on a pond")  # through the API: nobody watches
    generate_image(studio, token, "a lantern in the fog")
    log_in(page, email)

    count = page.locator("[data-testid=notification-badge] [data-testid=unread-count]")
    count.wait_for()
    assert count.inner_text() == "2"

    # Open it from the keyboard: the panel loads the latest, newest first.
    page.locator("[data-testid=notification-badge]").focus()
    page.keyboard.press("Enter")
    items = page.locator("[data-testid=notification-panel] [data-testid=notification]")
    items.first.wait_for()
    assert items.count() == 2
    assert "lantern in the fog" in items.nth(0).inner_text() and "paper boat" in items.nth(1).inner_text()
    page.keyboard.press("Escape")
    assert not page.locator("[data-testid=notification-menu]").evaluate("el => el.open")

    open_panel(page)
    items.nth(1).locator("[data-testid=notification-link]").click()
    page.wait_for_url(re.compile(rf"/images/{first}/$"))
    page.locator("[data-testid=notification-badge] [data-testid=unread-count]", has_text="1").wait_for()

    # Each notification was also emailed by the worker, with a link that opens it.
    link = studio.latest_link(r"https?://[^\s\"'<>]+/notifications/[0-9a-f-]{36}/open/")
    assert link.startswith(studio.url)

    open_panel(page)
    page.locator("[data-testid=panel-read-all]").click()
    page.locator("[data-testid=notification-panel] [data-testid=notification][data-unread=true]").first.wait_for(
        state="detached"
    )
    assert page.locator("[data-testid=notification-badge] [data-testid=unread-count]").count() == 0
    assert page.console_errors == []
