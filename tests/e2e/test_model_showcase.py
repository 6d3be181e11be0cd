"""The model showcase on a phone (390 px) in Chromium: filter the models, open one, and start Generate with its
recommended settings in one click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_projects import log_in, register

pytestmark = pytest.mark.e2e


def test_filter_the_models_open_one_and_use_its_recommended_settings(page, studio):
    email = "models.user@example.com"
    register(studio, email)
    log_in(page, email)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/models/")
    cards = page.locator("[data-testid=model-card-link]")
    expect(cards.first).to_be_visible()
    expect(page.locator("[data-testid=model-table]")).to_be_hidden()  # the table is for wide screens
    everything = cards.count()

    # Filtering swaps the list in place and keeps the filters in the URL.
    page.select_option("[data-testid=filter-provider]", "offline")
    expect(page).to_have_url(re.compile(r"provider=offline"))
    page.select_option("[data-testid=filter-capability]", "text-to-image")
    expect(page).to_have_url(re.compile(r"capability=text-to-image"))
    expect(cards).to_have_count(2)  # Studio Offline and Studio Offline Turbo
    assert cards.count() < everything
    assert sorted(cards.evaluate_all("els => els.map(e => e.dataset.model)")) == [
        "offline/studio-turbo",
        "offline/studio-v1",
    ]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways

    page.locator("[data-testid=model-card-link][data-model='offline/studio-turbo']").click()
    page.wait_for_url(re.compile(r"/models/offline-studio-turbo/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Studio Offline Turbo")
    expect(page.locator("[data-testid=engine-sample]").first).to_be_visible()
    expect(page.locator("[data-testid=stats-day]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.click("[data-testid=apply-recommended]")
    page.wait_for_url(re.compile(r"/generate/\?model=offline%2Fstudio-turbo&settings=recommended"))
    expect(page.locator("[data-testid=model-select]")).to_have_value("offline/studio-turbo")
    expect(page.locator("#param-num_inference_steps")).to_have_value("8")
    expect(page.locator("[name=num_images][value='4']")).to_be_checked()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
