"""The prompt library in Chromium: save a prompt, find it again by a live search, click Use and land on the
generate page with the prompt filled in (and the use counted). The starter library is there for a new account,
and a starter copies into one's own library with a click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import http
from tests.e2e.test_projects import log_in, register

pytestmark = pytest.mark.e2e
PROMPT = "a paper lantern festival over a quiet canal, warm bokeh, 50mm"


def test_save_find_and_use_a_prompt(page, studio):
    email = "library.user@example.com"
    token = register(studio, email)
    log_in(page, email)

    # An empty library invites the first prompt.
    page.goto("/prompts/")
    page.locator("[data-testid=prompts-empty]").wait_for()
    page.click("[data-testid=new-prompt]")
    page.wait_for_url(re.compile(r"/prompts/new/$"))
    page.fill("[data-testid=prompt-text-input]", PROMPT)
    page.fill("[data-testid=prompt-negative-input]", "people, text")
    page.fill("[data-testid=prompt-title-input]", "Lantern canal")
    page.fill("[data-testid=prompt-category-input]", "landscapes")
    page.fill("[data-testid=prompt-tags-input]", "night, festival")
    page.click("[data-testid=prompt-save]")
    page.wait_for_url(re.compile(r"/prompts/$"))
    cards = page.locator("[data-testid=prompt-card]")
    expect(cards).to_have_count(1)

    # A second prompt, saved through the API, so the search has something to leave out.
    other = {"prompt_text": "a red fox curled in fresh snow", "title": "Snow fox"}
    made = http.post(f"{studio.url}/api/prompts", json=other, headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201, made.text
    page.reload()
    expect(cards).to_have_count(2)

    # Live search: typing narrows the cards without a page load.
    page.fill("[data-testid=prompt-search]", "lantern")
    expect(cards).to_have_count(1)
    card = cards.first
    expect(card.locator("[data-testid=prompt-title]")).to_have_text("Lantern canal")
    expect(page).to_have_url(re.compile(r"/prompts/\?q=lantern$"))
    expect(page.locator("[data-testid=category-chip][data-category=Landscapes]")).to_be_visible()

    # Favourite it in place.
    heart = card.locator("[data-testid=prompt-favorite]")
    heart.click()
    expect(card.locator("[data-testid=prompt-favorite]")).to_have_attribute("aria-pressed", "true")

    # Use: the generate page opens with the prompt filled in, and the use is counted.
    card.locator("[data-testid=prompt-use]").click()
    page.wait_for_url(re.compile(r"/generate/\?prompt="))
    expect(page.locator("#generate-form [name=prompt]")).to_have_value(PROMPT)
    page.goto("/prompts/?q=lantern")
    expect(page.locator("[data-testid=prompt-usage]")).to_have_text("1 use")

    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors


def test_copy_a_starter_prompt_into_the_library(page, studio):
    email = "starter.user@example.com"
    register(studio, email)
    log_in(page, email)
    page.goto("/prompts/public/?source=starter&category=Food")
    cards = page.locator("[data-testid=prompt-card]")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 6
    first = cards.first
    title = first.locator("[data-testid=prompt-title]").inner_text()
    first.locator("[data-testid=prompt-copy]").click()
    page.wait_for_url(re.compile(r"/prompts/public/\?"))
    expect(page.locator("[data-testid=prompt-copied]")).to_have_count(1)

    page.goto("/prompts/")
    expect(page.locator("[data-testid=prompt-title]")).to_have_text([title])
