"""A/B as a person does it: two prompts on the same seed from the Generate page's A/B · X/Y button, the grid
fills in live, and picking the winner opens it to continue from."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_projects import log_in, register

pytestmark = pytest.mark.e2e


def test_two_prompts_side_by_side_and_a_winner(page, studio):
    email = "ab.user@example.com"
    register(studio, email)
    log_in(page, email)
    page.goto("/generate/")
    page.click("[data-testid=compare-open]")
    page.wait_for_url(re.compile(r"/generate/compare/$"))
    page.select_option("[data-testid=compare-model]", "offline/studio-turbo")
    page.fill("[data-testid=compare-prompts]", "a red kite over the sea\na red kite over the desert")
    page.select_option("[data-testid=compare-seed-count]", "1")
    expect(page.locator("[data-compare-count]")).to_contain_text("2 images")
    page.click("[data-testid=compare-submit]")
    page.wait_for_url(re.compile(r"/generate/compare/[0-9a-f-]+/$"))
    expect(page.locator("[data-testid=compare-row]")).to_have_count(2)
    cells = page.locator("[data-testid=compare-cell]")
    expect(cells.nth(0)).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(cells.nth(1)).to_have_attribute("data-status", "succeeded", timeout=60_000)
    page.locator("[data-testid=compare-pick]").nth(1).click()
    page.wait_for_url(re.compile(r"/images/[0-9a-f-]+/$"))
    expect(page.locator("[data-testid=image-prompt]")).to_contain_text("desert")
    expect(page.locator("[data-testid=iterate-card]")).to_be_visible()
    assert page.console_errors == []
