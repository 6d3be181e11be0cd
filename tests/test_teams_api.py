"""Team workspaces through the API: create a team, invite by email (the link is read from the outbox),
accept with the invited address only, change roles and remove members, never losing the last admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from imagestudio.workspaces.models import Invitation, Membership
from tests.conftest import bearer_client
from tests.factories import make_user


def post_json(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def invite_link() -> str:
    return re.search(r"https?://\S+/invitations/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)


@pytest.fixture
def team(alice_api):
    return post_json(alice_api, "/api/workspaces", {"name": "Poster studio"}).json()


def test_create_a_team_and_list_workspaces_with_roles(alice_api, team):
    assert (team["name"], team["kind"], team["role"]) == ("Poster studio", "team", "admin")
    listed = alice_api.get("/api/workspaces").json()
    assert [(w["kind"], w["role"]) for w in listed] == [("personal", "admin"), ("team", "admin")]


def test_invite_accept_and_appear_among_members(alice_api, bob, team):
    made = post_json(
        alice_api, f"/api/workspaces/{team['id']}/invitations", {"email": "Bob@Example.com", "role": "viewer"}
    )
    assert made.status_code == 201 and made.json()["status"] == "open"
    assert mail.outbox[-1].to == ["bob@example.com"] and "Poster studio" in mail.outbox[-1].subject
    token = invite_link()
    assert Invitation.objects.get().token_hash != token  # only the hash is kept

    accepted = post_json(bearer_client(bob), f"/api/invitations/{token}/accept")
    assert accepted.status_code == 200 and accepted.json()["role"] == "viewer"
    members = alice_api.get(f"/api/workspaces/{team['id']}/members").json()
    assert [(m["email"], m["role"]) for m in members] == [("alice@example.com", "admin"), ("bob@example.com", "viewer")]
    assert post_json(bearer_client(bob), f"/api/invitations/{token}/accept").status_code == 404  # used up
    assert alice_api.get(f"/api/workspaces/{team['id']}/invitations").json()[0]["status"] == "accepted"


def test_an_invitation_works_only_for_its_address(alice_api, team, catalog):
    post_json(alice_api, f"/api/workspaces/{team['id']}/invitations", {"email": "carol@example.com"})
    token = invite_link()
    mallory = make_user(email="mallory@example.com")
    refused = post_json(bearer_client(mallory), f"/api/invitations/{token}/accept")
    assert refused.status_code == 422 and "carol@example.com" in refused.json()["detail"]
    assert not Membership.objects.filter(user=mallory, workspace_id=team["id"]).exists()


@pytest.mark.parametrize("ending", ["revoked", "expired"])
def test_revoked_or_expired_invitations_answer_404(alice_api, bob, team, ending):
    invitation_id = post_json(
        alice_api, f"/api/workspaces/{team['id']}/invitations", {"email": "bob@example.com"}
    ).json()["id"]
    token = invite_link()
    if ending == "revoked":
        assert alice_api.delete(f"/api/workspaces/{team['id']}/invitations/{invitation_id}").status_code == 204
    else:
        Invitation.objects.filter(pk=invitation_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert post_json(bearer_client(bob), f"/api/invitations/{token}/accept").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"), [({"email": "not an email"}, "email"), ({"email": "alice@example.com"}, "email")]
)
def test_bad_invitations_are_422(alice_api, team, body, field):
    response = post_json(alice_api, f"/api/workspaces/{team['id']}/invitations", body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert not mail.outbox


def test_roles_change_and_the_last_admin_stays(alice, alice_api, bob, team):
    post_json(alice_api, f"/api/workspaces/{team['id']}/invitations", {"email": "bob@example.com", "role": "editor"})
    post_json(bearer_client(bob), f"/api/invitations/{invite_link()}/accept")
    members = f"/api/workspaces/{team['id']}/members"

    alone = alice_api.put(f"{members}/{alice.pk}", {"role": "editor"}, content_type="application/json")
    assert alone.status_code == 422 and alone.json()["field"] == "role"
    assert alice_api.delete(f"{members}/{alice.pk}").status_code == 422  # the last admin can't leave

    assert (
        bearer_client(bob).put(f"{members}/{bob.pk}", {"role": "admin"}, content_type="application/json").status_code
        == 403
    )
    promoted = alice_api.put(f"{members}/{bob.pk}", {"role": "admin"}, content_type="application/json")
    assert promoted.json()["role"] == "admin"
    assert alice_api.delete(f"{members}/{alice.pk}").status_code == 204  # now alice may leave
    assert [m["email"] for m in bearer_client(bob).get(members).json()] == ["bob@example.com"]
    assert alice_api.get(members).status_code == 404  # no longer a member


def test_outsiders_see_nothing_of_a_team(bob_api, team):
    assert bob_api.get(f"/api/workspaces/{team['id']}/members").status_code == 404
    assert (
        post_json(bob_api, f"/api/workspaces/{team['id']}/invitations", {"email": "x@example.com"}).status_code == 404
    )


def test_members_may_leave_but_not_remove_others(alice_api, bob, catalog, team):
    carol = make_user(email="carol@example.com")
    for person in (bob, carol):
        post_json(alice_api, f"/api/workspaces/{team['id']}/invitations", {"email": person.email, "role": "editor"})
        post_json(bearer_client(person), f"/api/invitations/{invite_link()}/accept")
    members = f"/api/workspaces/{team['id']}/members"
    assert bearer_client(bob).delete(f"{members}/{carol.pk}").status_code == 403
    assert bearer_client(bob).delete(f"{members}/{bob.pk}").status_code == 204
    assert not Membership.objects.filter(user=bob, workspace_id=team["id"]).exists()
