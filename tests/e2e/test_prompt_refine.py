"""Prompt refinement in Chromium: type a prompt on /generate/, press Refine, apply the lighting rewrite; the
prompt field then holds it (and Ctrl+Z brings the original back). Escape closes the panel; an empty prompt
shows what to do in the panel. Variations: More brings other ones, Apply puts one in the prompt field. No CSP
violations on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_projects import log_in, register

pytestmark = pytest.mark.e2e
PROMPT = "a red fox in a snowy forest at dawn"


def test_refine_then_apply_the_lighting_rewrite(page, studio):
    email = "refine.user@example.com"
    register(studio, email)
    log_in(page, email)
    page.goto("/generate/")
    prompt = page.locator("#generate-form [name=prompt]")
    prompt.fill(PROMPT)

    page.click("[data-testid=refine-button]")
    panel = page.locator("[data-testid=refine-panel]")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-testid=refine-source]")).to_have_text("offline rules")
    expect(panel.locator("[data-testid=refine-suggestion]")).to_have_count(6)
    lighting = panel.locator("[data-testid=refine-suggestion][data-kind=lighting]")
    expect(lighting.locator("mark").first).to_be_visible()  # the added words stand out
    apply = lighting.get_by_role("button", name="Apply: Lighting")
    rewrite = apply.get_attribute("data-prompt")
    assert rewrite and rewrite.lower().startswith(PROMPT) and "golden-hour backlight" in rewrite

    apply.click()
    expect(prompt).to_have_value(rewrite)
    expect(panel).to_have_count(0)  # applying closes the panel
    expect(prompt).to_be_focused()
    page.keyboard.press("Control+z")
    expect(prompt).to_have_value(PROMPT)

    # Escape closes the panel; focus goes back to the button.
    page.click("[data-testid=refine-button]")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Apply: Lens").focus()
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(page.locator("[data-testid=refine-button]")).to_be_focused()

    # An empty prompt: the panel says what to do (a 422 that htmx would otherwise drop).
    prompt.fill("")
    page.click("[data-testid=refine-button]")
    expect(page.locator("[data-testid=refine-error]")).to_have_text("Write a prompt first: there is nothing to refine.")
    page.locator("[data-refine-close]").click()
    expect(panel).to_have_count(0)

    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors


def test_variations_then_more_then_apply_one(page, studio):
    email = "variations.user@example.com"
    register(studio, email)
    log_in(page, email)
    page.goto("/generate/")
    prompt = page.locator("#generate-form [name=prompt]")
    prompt.fill(PROMPT)

    page.click("[data-testid=variations-button]")
    panel = page.locator("[data-testid=refine-panel]")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Variations")).to_be_visible()
    expect(panel.locator("[data-testid=refine-suggestion]")).to_have_count(4)
    first = panel.get_by_role("button", name="Apply: Synonyms").get_attribute("data-prompt")

    # More asks again with the next seed: other variations, focus stays on More.
    panel.locator("[data-testid=variations-more]").click()
    apply = panel.get_by_role("button", name="Apply: Synonyms")
    expect(apply).not_to_have_attribute("data-prompt", first or "")
    expect(panel.locator("[data-testid=variations-more]")).to_be_focused()
    variation = apply.get_attribute("data-prompt")
    assert variation and "fox" in variation.lower() and variation.lower() != PROMPT

    apply.click()
    expect(prompt).to_have_value(variation)
    expect(panel).to_have_count(0)
    expect(prompt).to_be_focused()

    # Escape closes it again, and focus goes back to the Variations button.
    page.click("[data-testid=variations-button]")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Apply: Mixed").focus()
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(page.locator("[data-testid=variations-button]")).to_be_focused()

    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
