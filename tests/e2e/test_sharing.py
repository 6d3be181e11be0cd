"""Share a project with a password and open the link in a fresh browser with no account; revoke it."""

from __future__ import annotations

import re

import pytest

from tests.e2e import http
from tests.e2e.conftest import _open_page
from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def test_share_a_project_with_a_password_and_open_it_elsewhere(page, studio, browser):
    email = "sharing.user@example.com"
    token = register(studio, email)
    headers = {"Authorization": f"Bearer {token}"}
    image_id = generate_image(studio, token, "a red kite over green hills")
    project = http.post(f"{studio.url}/api/projects", json={"name": "Kite festival"}, headers=headers).json()
    moved = http.post(
        f"{studio.url}/api/projects/{project['id']}/images/add", json={"image_ids": [image_id]}, headers=headers
    )
    assert moved.json()["moved"] == 1

    log_in(page, email)
    page.goto(f"/shares/?project={project['id']}")
    page.fill("[data-testid=share-form] [data-testid=share-password]", "kites4all")
    page.click("[data-testid=share-create]")
    page.locator("[data-testid=share-link]").first.wait_for()
    url = page.locator("[data-testid=share-link] p.font-mono").first.inner_text().strip()
    assert re.fullmatch(rf"{re.escape(studio.url)}/s/[A-Za-z0-9_-]{{32,}}/", url)

    context, visitor = _open_page(browser, studio.url)  # a stranger: no cookies, no account
    try:
        response = visitor.goto(url)
        assert response.status == 401
        visitor.fill("[data-testid=share-password]", "wrong guess")
        visitor.click("[data-testid=share-open]")
        visitor.locator("#share-password-error").wait_for()
        assert "Wrong password" in visitor.locator("#share-password-error").inner_text()
        visitor.fill("[data-testid=share-password]", "kites4all")
        visitor.click("[data-testid=share-open]")
        visitor.locator("[data-testid=share-title]:text-is('Kite festival')").wait_for()
        assert visitor.locator("[data-testid=share-image]").count() == 1
        visitor.wait_for_function(
            "() => { const img = document.querySelector('[data-testid=share-image]');"
            " return !!img && img.complete && img.naturalWidth > 0; }"
        )
        assert visitor.locator("[data-testid=share-download]").count() == 0  # downloads were not allowed
    finally:
        context.close()

    page.click("[data-testid=share-revoke]")
    page.locator("[data-testid=share-link] :text('Revoked')").first.wait_for()
    context, visitor = _open_page(browser, studio.url)
    try:
        assert visitor.goto(url).status == 404
    finally:
        context.close()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
