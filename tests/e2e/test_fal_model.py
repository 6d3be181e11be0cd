"""Generating with a fal model: the studio talks HTTPS to the fal emulator through the real fal_client,
fal signs a webhook back, the images are downloaded into our storage and credits are charged."""

from __future__ import annotations

import re

import pytest

from tests.e2e import http

pytestmark = pytest.mark.e2e


def sign_in(page, studio, email: str) -> None:
    password = "a-Strong-pass-123"
    http.post(f"{studio.url}/api/auth/register", json={"email": email, "password": password, "name": "Fal User"})
    page.goto("/accounts/login/")
    page.fill("[name=login]", email)
    page.fill("[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(re.compile(r"/dashboard/"))


def choose_model(page, endpoint_id: str) -> None:
    field = page.locator("[name=model]")
    if field.count() > 1:
        page.locator(f"[name=model][value='{endpoint_id}']").check(force=True)
    else:
        field.select_option(endpoint_id)


def test_generating_with_a_fal_model(fal_page, fal_studio):
    page = fal_page
    sign_in(page, fal_studio, "fal.user@example.com")
    page.goto("/generate/")
    assert page.locator("[data-testid=offline-banner]").count() == 0
    choose_model(page, "fal-ai/flux/schnell")
    page.wait_for_selector("[data-testid=parameter-panel][data-model='fal-ai/flux/schnell']")
    page.fill("[name=prompt]", "a neon city at night")
    page.click("[data-testid=generate-button]")
    page.wait_for_selector("[data-testid=job-card][data-status=succeeded]", timeout=60_000)
    assert page.locator("[data-testid=job-card]").first.locator("[data-testid=result-image]").count() == 1
    page.reload()
    # flux/schnell: $0.003 per megapixel, one 1024×1024 image → 1 credit of the 500 granted.
    assert "499" in page.locator("[data-testid=credits]").first.inner_text()
