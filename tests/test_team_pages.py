"""Team pages: create a team, invite by email, accept from the emailed link, change roles, leave."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from imagestudio.workspaces.models import Invitation, Membership, Role, Workspace
from imagestudio.workspaces.services import create_team, set_member
from tests.factories import make_user


def emailed_path() -> str:
    return re.search(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_-]+/)", mail.outbox[-1].body).group(1)


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_create_a_team_invite_and_join(alice, bob, alice_browser):
    made = alice_browser.post("/workspaces/new/", {"name": "  Brand   studio "})
    team = Workspace.objects.get(kind="team")
    assert made.status_code == 302 and made["Location"] == f"/workspaces/{team.pk}/members/"
    assert team.name == "Brand studio" and alice_browser.session["workspace_id"] == str(team.pk)

    page = alice_browser.get(f"/workspaces/{team.pk}/members/").content.decode()
    assert 'data-testid="invite-form"' in page and page.count('data-testid="member"') == 1
    alice_browser.post(f"/workspaces/{team.pk}/invite/", {"email": "bob@example.com", "role": "viewer"})
    assert mail.outbox[-1].to == ["bob@example.com"]
    assert "bob@example.com" in alice_browser.get(f"/workspaces/{team.pk}/members/").content.decode()

    bob_browser = browser_for(bob)
    invitation_page = bob_browser.get(emailed_path())
    assert invitation_page.status_code == 200 and "Join “Brand studio”" in invitation_page.content.decode()
    joined = bob_browser.post(emailed_path(), {"answer": "accept"})
    assert joined.status_code == 302 and joined["Location"] == "/projects/"
    assert Membership.objects.get(workspace=team, user=bob).role == Role.VIEWER

    viewer_page = bob_browser.get(f"/workspaces/{team.pk}/members/").content.decode()
    assert 'data-testid="invite-form"' not in viewer_page and 'data-testid="member-leave"' in viewer_page
    assert bob_browser.post(f"/workspaces/{team.pk}/invite/", {"email": "x@example.com"}).status_code == 403


def test_the_invitation_page_refuses_another_account(alice, catalog):
    team = create_team(alice, "Private")
    browser_for(alice).post(f"/workspaces/{team.pk}/invite/", {"email": "carol@example.com", "role": "editor"})
    mallory = browser_for(make_user(email="mallory@example.com"))
    response = mallory.post(emailed_path(), {"answer": "accept"})
    assert response.status_code == 422 and "carol@example.com" in response.content.decode()
    assert Membership.objects.filter(workspace=team).count() == 1


def test_decline_and_anonymous_visitors(alice, bob):
    team = create_team(alice, "Studio")
    browser_for(alice).post(f"/workspaces/{team.pk}/invite/", {"email": "bob@example.com"})
    path = emailed_path()
    assert Client().get(path).status_code == 302  # sign in first
    browser_for(bob).post(path, {"answer": "decline"})
    assert Invitation.objects.get().declined_at is not None
    assert browser_for(bob).get(path).status_code == 404  # answered: the link is spent


def test_a_bad_invite_shows_its_error_on_the_form(alice, alice_browser):
    team = create_team(alice, "Studio")
    alice_browser.post(f"/workspaces/{team.pk}/invite/", {"email": "nope"})
    page = alice_browser.get(f"/workspaces/{team.pk}/members/").content.decode()
    assert "Enter a valid email address." in page and not mail.outbox


def test_roles_change_on_the_page_and_the_last_admin_is_kept(alice, bob, alice_browser):
    team = create_team(alice, "Studio")
    set_member(team, bob, Role.VIEWER)
    alice_browser.post(f"/workspaces/{team.pk}/members/{bob.pk}/role/", {"role": "editor"})
    assert Membership.objects.get(workspace=team, user=bob).role == Role.EDITOR
    alice_browser.post(f"/workspaces/{team.pk}/members/{alice.pk}/role/", {"role": "viewer"})
    assert Membership.objects.get(workspace=team, user=alice).role == Role.ADMIN  # refused: last admin
    alice_browser.post(f"/workspaces/{team.pk}/members/{bob.pk}/remove/")
    assert not Membership.objects.filter(workspace=team, user=bob).exists()
    assert browser_for(bob).get(f"/workspaces/{team.pk}/members/").status_code == 404
