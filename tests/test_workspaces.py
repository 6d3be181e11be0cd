"""Workspaces: everyone gets a personal one at signup; the sidebar switches between a user's workspaces."""

from __future__ import annotations

import pytest

from imagestudio.workspaces.models import Membership, Role, Workspace
from imagestudio.workspaces.services import create_team, personal_workspace, set_member
from tests.factories import make_user


def test_signup_creates_exactly_one_personal_workspace_with_the_user_as_admin(catalog):
    user = make_user(email="new@example.com")
    workspaces = Workspace.objects.filter(owner=user)
    assert [(w.kind, w.name) for w in workspaces] == [("personal", "Personal")]
    assert list(Membership.objects.filter(user=user).values_list("workspace_id", "role")) == [
        (workspaces[0].pk, Role.ADMIN)
    ]
    assert personal_workspace(user) == workspaces[0]  # asking again creates nothing
    assert Workspace.objects.filter(owner=user).count() == 1


def test_a_personal_workspace_takes_no_other_members(alice, bob):
    with pytest.raises(ValueError, match="one member"):
        set_member(personal_workspace(alice), bob, Role.EDITOR)


def test_the_sidebar_switches_to_a_team_and_back(alice, bob, alice_browser):
    team = create_team(bob, "Bob's studio")
    set_member(team, alice, Role.VIEWER)
    page = alice_browser.get("/dashboard/").content.decode()
    assert 'data-testid="workspace-select"' in page and "Bob&#x27;s studio" in page

    response = alice_browser.post("/workspaces/switch/", {"workspace_id": str(team.pk), "next": "/generate/"})
    assert response.status_code == 302 and response["Location"] == "/generate/"
    assert alice_browser.session["workspace_id"] == str(team.pk)

    escape = alice_browser.post("/workspaces/switch/", {"workspace_id": str(team.pk), "next": "https://evil.example/"})
    assert escape["Location"] == "/projects/"  # never off-site

    Membership.objects.filter(workspace=team, user=alice).delete()
    page = alice_browser.get("/dashboard/")
    assert page.context["workspace_menu"]["current"] == personal_workspace(alice)  # removed: back to personal


@pytest.mark.parametrize("workspace_id", ["not-a-uuid", "5b0c3a52-8d0f-4a6e-9a55-1f2f3e4d5c6b"])
def test_switching_to_a_workspace_you_are_not_in_is_a_404(alice_browser, bob, workspace_id):
    if workspace_id.startswith("5b0c"):
        workspace_id = str(create_team(bob, "Private").pk)
    assert alice_browser.post("/workspaces/switch/", {"workspace_id": workspace_id}).status_code == 404
    assert "workspace_id" not in alice_browser.session


def test_one_workspace_shows_a_label_not_a_menu(alice_browser):
    page = alice_browser.get("/dashboard/").content.decode()
    assert "Personal workspace" in page and 'data-testid="workspace-select"' not in page
