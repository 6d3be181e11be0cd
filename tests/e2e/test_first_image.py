"""A new user's first session: sign up, verify, generate two images, find them, download one."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def choose_image_count(page, count: int) -> None:
    field = page.locator("[name=num_images]")
    if field.count() > 1:  # segmented control of radio buttons
        page.locator(f"[name=num_images][value='{count}']").check(force=True)
    else:
        field.select_option(str(count))


def test_a_new_user_generates_finds_and_downloads_images(page, studio, tmp_path):
    page.goto("/")
    page.get_by_role("link", name=re.compile("sign up", re.I)).first.click()
    page.fill("[name=email]", "first.user@example.com")
    page.fill("[name=name]", "First User")
    page.fill("[name=password1]", "a-Strong-pass-123")
    page.fill("[name=password2]", "a-Strong-pass-123")
    page.click("[data-testid=signup-submit]")
    page.wait_for_load_state()

    link = studio.latest_link(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")
    page.goto(link)
    page.click("[data-testid=confirm-email-submit]")
    page.wait_for_load_state()

    page.goto("/generate/")
    page.locator("[data-testid=offline-banner]").first.wait_for()
    page.fill("[name=prompt]", "sunset over mountains and a lake, watercolor")
    choose_image_count(page, 2)
    page.click("[data-testid=generate-button]")
    card = page.locator("[data-testid=job-card]").first
    card.wait_for()
    page.wait_for_selector("[data-testid=job-card][data-status=succeeded]", timeout=90_000)
    assert card.locator("[data-testid=result-image]").count() == 2

    page.goto("/images/")
    tiles = page.locator("[data-testid=gallery-image]")
    tiles.first.wait_for()
    assert tiles.count() == 2

    page.goto(tiles.first.get_attribute("href"))
    with page.expect_download() as download_info:
        page.click("[data-testid=download-original]")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"\x89PNG")
    assert saved.name.startswith("sunset-over-mountains")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
