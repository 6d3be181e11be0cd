"""Iterating as a person does it: from an image's page, open Upscale, pick 2×, submit, watch the job finish
on the same page, open the result and see where it came from; then an edit checked in its live preview."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def test_upscale_from_the_image_page_and_follow_the_lineage(page, studio):
    email = "iterate.user@example.com"
    token = register(studio, email)
    source = generate_image(studio, token, "a lighthouse on a cliff at dusk")
    log_in(page, email)
    page.goto(f"/images/{source}/")
    page.click("[data-testid=iterate-upscale]")
    page.wait_for_url(re.compile(rf"/images/{source}/iterate/upscale/$"))
    expect(page.locator("[data-upscale-size='2']")).to_have_text("512×512")
    page.locator("[data-testid=upscale-2]").check(force=True)
    page.click("[data-testid=iterate-submit]")
    page.wait_for_url(re.compile(r"\?job="))
    card = page.locator("[data-testid=iterate-job] [data-testid=job-card]")
    expect(card).to_have_attribute("data-status", "succeeded", timeout=60_000)

    result = card.locator("a[href^='/images/']").first.get_attribute("href")
    page.goto(result)
    sizes = page.locator("dd", has_text="512×512")
    expect(sizes.first).to_be_visible()
    lineage = page.locator("[data-testid=lineage-node]")
    expect(lineage).to_have_count(2)
    expect(lineage.nth(1)).to_contain_text("Upscaled")
    page.click("text=Open the source image")
    page.wait_for_url(re.compile(rf"/images/{source}/$"))
    assert page.console_errors == []


def test_the_edit_preview_follows_the_form(page, studio):
    email = "edit.user@example.com"
    token = register(studio, email)
    source = generate_image(studio, token, "a red kite over the dunes")
    log_in(page, email)
    page.goto(f"/images/{source}/iterate/edit/")
    size = page.locator("[data-testid=edit-size]")
    expect(size).to_have_text("256×256 → 256×256")
    page.select_option("[data-testid=edit-crop-aspect]", "16:9")
    expect(size).to_have_text("256×256 → 256×144")
    page.click("[data-testid=edit-rotate-left]")
    expect(size).to_have_text("256×256 → 144×256")
    page.click("[data-testid=iterate-submit]")
    card = page.locator("[data-testid=iterate-job] [data-testid=job-card]")
    expect(card).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(card).to_contain_text("144×256")
    assert page.console_errors == []
