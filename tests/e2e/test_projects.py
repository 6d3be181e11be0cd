"""Projects in a real browser: create one from a template, rename it in place, add an image to it and see it
in the project's grid.

The studio runs in processes of its own, on a database of its own, so the image is made the way a user makes
one (a text-to-image job through the API, run by the studio's worker on the offline engine) rather than with
the factories, which write to the test process's database."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e import http

pytestmark = pytest.mark.e2e
PASSWORD = "a-Strong-pass-123"


def register(studio, email: str) -> str:
    response = http.post(
        f"{studio.url}/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Project User"}
    )
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    assert token, "registration answers with a token while verification is optional"
    return token


def generate_image(studio, token: str, prompt: str, timeout: float = 90) -> str:
    """Queue one small offline image and wait (with a deadline) until the worker has stored it."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {"model_id": "offline/studio-v1", "prompt": prompt, "parameters": {"width": 256, "height": 256}}
    job = http.post(f"{studio.url}/api/generate/text-to-image", json=body, headers=headers)
    assert job.status_code == 202, job.text
    status_url = f"{studio.url}/api/generate/queue/{job.json()['id']}/status"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = http.get(status_url, headers=headers).json()
        if status["status"] == "succeeded":
            return status["image_ids"][0]
        assert status["status"] in ("queued", "running"), status
        time.sleep(0.2)
    raise AssertionError(f"The image was not ready within {timeout} s")


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("[name=login]", email)
    page.fill("[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(re.compile(r"/dashboard/"))


def test_create_rename_and_fill_a_project(page, studio):
    email = "projects.user@example.com"
    token = register(studio, email)
    image_id = generate_image(studio, token, "a lighthouse storyboard frame")
    log_in(page, email)

    # An empty projects page invites the first project.
    page.goto("/projects/")
    page.locator("[data-testid=projects-empty]").wait_for()
    page.click("[data-testid=new-project]")
    page.wait_for_url(re.compile(r"/projects/new/$"))

    # Create from the Storyboard template, leaving the name to the template.
    page.locator("[data-testid=template-choice][data-template=storyboard]").click()
    assert page.locator("input[name=template][value=storyboard]").is_checked()
    page.click("[data-testid=create-project]")
    page.wait_for_url(re.compile(r"/projects/[0-9a-f-]{36}/$"))
    title = page.locator("[data-testid=project-title]")
    assert title.inner_text() == "Storyboard"
    assert "Number the frames" in page.locator("[data-testid=notes-body]").inner_text()
    project_url = page.url

    # Rename in place: the header turns into a form and back, without leaving the page.
    page.click("[data-testid=rename-project]")
    field = page.locator("[data-testid=rename-input]")
    field.wait_for()
    field.fill("Lighthouse film")
    page.click("[data-testid=rename-save]")
    page.wait_for_selector("[data-testid=project-title]:text-is('Lighthouse film')")
    assert page.url == project_url
    page.locator("#toast-region [data-toast-message]:text-is('Renamed to “Lighthouse film”.')").wait_for()

    # Add the image made above, then find it in the project's grid.
    page.click("[data-testid=add-images]")
    page.wait_for_url(re.compile(r"/images/add/$"))
    page.locator(f"input[name=image_ids][value='{image_id}']").check()
    page.click("[data-testid=add-images-submit]")
    page.wait_for_url(project_url)
    tile = page.locator(f"[data-testid=project-image][data-image-id='{image_id}']")
    tile.wait_for()
    assert page.locator("[data-testid=project-image]").count() == 1
    assert page.locator("[data-testid=stat-images] [data-value]").inner_text() == "1"
    page.wait_for_function(
        "id => { const img = document.querySelector(`[data-image-id='${id}'] img`); "
        "return !!img && img.complete && img.naturalWidth > 0; }",
        arg=image_id,
    )

    # The list shows the renamed project with its image.
    page.goto("/projects/")
    card = page.locator("[data-testid=project-card]")
    assert card.count() == 1
    assert "Lighthouse film" in card.inner_text() and "1 image" in card.inner_text()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
