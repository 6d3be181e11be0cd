"""A team in real browsers: the owner creates it and invites by email; the invitee opens the emailed link
(read from the studio's outbox), joins, finds the team's project and comments on its image with an
@mention that the owner then sees among their notifications."""

from __future__ import annotations

import re

import pytest

from tests.e2e import http
from tests.e2e.conftest import _open_page
from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def test_invite_a_member_who_joins_and_sees_the_team_project(page, studio, browser):
    owner, member = "team.owner@example.com", "team.member@example.com"
    owner_token = register(studio, owner)
    image_id = generate_image(studio, owner_token, "a summer poster with a big orange sun")
    member_token = register(studio, member)
    log_in(page, owner)

    page.goto("/workspaces/new/")
    page.fill("[data-testid=team-name]", "Poster studio")
    page.click("[data-testid=team-create]")
    page.wait_for_url(re.compile(r"/workspaces/[0-9a-f-]{36}/members/$"))
    team_id = page.url.rstrip("/").split("/")[-2]
    page.fill("[data-testid=invite-email]", member)
    page.select_option("[data-testid=invite-role]", "editor")
    page.click("[data-testid=invite-send]")
    page.locator("[data-testid=pending-invitations]", has_text=member).wait_for()

    # The owner's first project in the team, made through the API as the member can't see it yet.
    session_cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    made = http.post(
        f"{studio.url}/api/projects",
        json={"name": "Summer posters", "workspace_id": team_id},
        cookies=session_cookie,
        headers={"X-CSRFToken": session_cookie.get("csrftoken", ""), "Referer": studio.url},
    )
    assert made.status_code == 201, made.text
    moved = http.post(
        f"{studio.url}/api/projects/{made.json()['id']}/images/add",
        json={"image_ids": [image_id]},
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    assert moved.json()["moved"] == 1

    link = studio.latest_link(r"https?://[^\s\"'<>]+/invitations/[A-Za-z0-9_-]+/")
    context, guest = _open_page(browser, studio.url)
    try:
        log_in(guest, member)
        guest.goto(link)
        guest.locator("[data-testid=invitation]", has_text="Poster studio").wait_for()
        guest.click("[data-testid=invitation-accept]")
        guest.wait_for_url(re.compile(r"/projects/$"))
        guest.locator("[data-testid=project-card]", has_text="Summer posters").wait_for()
        assert guest.locator("[data-testid=workspace-select]").first.input_value() == team_id

        guest.goto(f"/images/{image_id}/")
        guest.fill("[data-testid=comment-input]", "Love the sun. @team.owner could we try a pink sky?")
        guest.click("[data-testid=comment-submit]")
        guest.locator("[data-testid=comment]", has_text="pink sky").wait_for()
    finally:
        context.close()

    page.goto("/notifications/")
    mention = page.locator("[data-testid=notification][data-reason=mention]")
    mention.wait_for()
    assert "pink sky" in mention.inner_text() and "mentioned you" in mention.inner_text()

    page.goto(f"/workspaces/{team_id}/members/")
    assert page.locator(f"[data-testid=member][data-email='{member}']").count() == 1
    roles = http.get(f"{studio.url}/api/workspaces", headers={"Authorization": f"Bearer {member_token}"}).json()
    assert [(w["name"], w["role"]) for w in roles if w["kind"] == "team"] == [("Poster studio", "editor")]
