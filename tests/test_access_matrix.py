"""Who may do what to a team's projects and images, through every project route: the expected status for
the workspace's owner, an admin, an editor, a viewer, an outsider and an anonymous caller."""

from __future__ import annotations

import pytest
from django.test import Client

from imagestudio.projects.models import Project
from imagestudio.sharing.models import SharedProject
from imagestudio.sharing.services import LinkOptions, share_project
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.conftest import bearer_client
from tests.factories import make_image, make_user

ACTORS = ("owner", "admin", "editor", "viewer", "outsider", "anonymous")


@pytest.fixture
def team(catalog):
    people = {name: make_user(email=f"{name}@example.com") for name in ACTORS if name != "anonymous"}
    workspace = create_team(people["owner"], "Studio team")
    for role in ("admin", "editor", "viewer"):
        set_member(workspace, people[role], Role(role))
    project = Project.objects.create(workspace=workspace, user=people["owner"], name="Launch")
    image = make_image(user=people["owner"], project=project)
    return {"workspace": workspace, "people": people, "project": project, "image": image}


def client_for(team, actor: str) -> Client:
    return Client() if actor == "anonymous" else bearer_client(team["people"][actor])


def json_call(client: Client, method: str, path: str, body: dict | None = None):
    return getattr(client, method)(path, body or {}, content_type="application/json")


def expect(statuses: tuple[int, ...]):
    return pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, statuses, strict=True)))


@expect((200, 200, 200, 200, 404, 401))
def test_view_project(team, actor, status):
    assert client_for(team, actor).get(f"/api/projects/{team['project'].pk}").status_code == status


@expect((200, 200, 200, 200, 404, 401))
def test_list_project_images(team, actor, status):
    assert client_for(team, actor).get(f"/api/projects/{team['project'].pk}/images").status_code == status


@expect((200, 200, 200, 200, 404, 401))
def test_view_an_image_in_a_team_project(team, actor, status):
    assert client_for(team, actor).get(f"/api/images/{team['image'].pk}").status_code == status


@expect((200, 200, 200, 200, 404, 401))
def test_list_the_workspace_projects(team, actor, status):
    response = client_for(team, actor).get(f"/api/projects?workspace_id={team['workspace'].pk}")
    assert response.status_code == status
    if status == 200:
        assert [p["id"] for p in response.json()["items"]] == [str(team["project"].pk)]


@expect((200, 200, 200, 403, 404, 401))
def test_rename_project(team, actor, status):
    response = json_call(client_for(team, actor), "put", f"/api/projects/{team['project'].pk}", {"name": "Renamed"})
    assert response.status_code == status
    renamed = Project.objects.get(pk=team["project"].pk).name == "Renamed"
    assert renamed is (status == 200)
    if status == 403:
        assert response.json()["detail"] == "This needs the editor role in this workspace; you are a viewer."


@expect((200, 200, 403, 403, 404, 401))
def test_make_project_public_or_a_template(team, actor, status):
    response = json_call(client_for(team, actor), "put", f"/api/projects/{team['project'].pk}", {"is_template": True})
    assert response.status_code == status
    assert Project.objects.get(pk=team["project"].pk).is_template is (status == 200)


@expect((200, 200, 200, 403, 404, 401))
def test_archive_project(team, actor, status):
    response = json_call(client_for(team, actor), "put", f"/api/projects/{team['project'].pk}/archive")
    assert response.status_code == status
    assert Project.objects.get(pk=team["project"].pk).is_archived is (status == 200)


@expect((200, 200, 403, 403, 404, 401))
def test_delete_project(team, actor, status):
    response = client_for(team, actor).delete(f"/api/projects/{team['project'].pk}?images=keep")
    assert response.status_code == status
    assert Project.objects.filter(pk=team["project"].pk).exists() is (status != 200)


@expect((200, 200, 200, 403, 404, 401))
def test_add_own_image_to_the_project(team, actor, status):
    mover = team["people"].get(actor, team["people"]["owner"])
    image = make_image(user=mover)
    response = json_call(
        client_for(team, actor),
        "post",
        f"/api/projects/{team['project'].pk}/images/add",
        {"image_ids": [str(image.pk)]},
    )
    assert response.status_code == status
    image.refresh_from_db()
    assert (image.project_id == team["project"].pk) is (status == 200)


@expect((200, 200, 200, 403, 404, 401))
def test_take_an_image_out_of_the_project(team, actor, status):
    path = f"/api/projects/{team['project'].pk}/images/{team['image'].pk}"
    assert client_for(team, actor).delete(path).status_code == status


@expect((201, 201, 201, 403, 404, 401))
def test_duplicate_project(team, actor, status):
    response = json_call(client_for(team, actor), "post", f"/api/projects/{team['project'].pk}/duplicate")
    assert response.status_code == status
    assert Project.objects.filter(name="Copy of Launch").count() == (1 if status == 201 else 0)


@expect((200, 200, 200, 200, 404, 401))
def test_export_project(team, actor, status):
    response = client_for(team, actor).post(f"/api/projects/{team['project'].pk}/export")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/zip"
        b"".join(response.streaming_content)


@expect((201, 201, 201, 403, 404, 401))
def test_create_a_project_in_the_team(team, actor, status):
    response = json_call(
        client_for(team, actor), "post", "/api/projects", {"name": "New", "workspace_id": str(team["workspace"].pk)}
    )
    assert response.status_code == status
    assert Project.objects.filter(name="New", workspace=team["workspace"]).exists() is (status == 201)


def test_someone_elses_unassigned_image_stays_private(team):
    loose = make_image(user=team["people"]["owner"])  # in no project: its creator's alone
    for actor in ("admin", "editor", "viewer", "outsider"):
        assert client_for(team, actor).get(f"/api/images/{loose.pk}").status_code == 404
    assert client_for(team, "owner").get(f"/api/images/{loose.pk}").status_code == 200


@expect((201, 201, 403, 403, 404, 401))
def test_share_project(team, actor, status):
    response = json_call(client_for(team, actor), "post", f"/api/projects/{team['project'].pk}/share")
    assert response.status_code == status
    assert SharedProject.objects.filter(project=team["project"]).count() == (1 if status == 201 else 0)


@expect((201, 201, 403, 403, 404, 401))
def test_share_an_image_in_the_project(team, actor, status):
    response = json_call(client_for(team, actor), "post", f"/api/share/image/{team['image'].pk}")
    assert response.status_code == status


@expect((204, 204, 403, 403, 404, 401))
def test_revoke_the_owners_project_link(team, actor, status):
    link = share_project(team["project"], user=team["people"]["owner"], options=LinkOptions())
    assert client_for(team, actor).delete(f"/api/share/{link.share_token}").status_code == status
    link.refresh_from_db()
    assert (link.revoked_at is not None) is (status == 204)


@expect((200, 200, 200, 200, 200, 200))
def test_everyone_with_the_link_may_view_it(team, actor, status):
    link = share_project(team["project"], user=team["people"]["owner"], options=LinkOptions())
    assert client_for(team, actor).get(f"/api/share/project/{link.share_token}").status_code == status


@expect((200, 200, 200, 200, 404, 401))
def test_read_comments_on_a_team_image(team, actor, status):
    assert client_for(team, actor).get(f"/api/images/{team['image'].pk}/comments").status_code == status


@expect((201, 201, 201, 201, 404, 401))
def test_comment_on_a_team_image(team, actor, status):
    body = {"comment_text": "Nice"}
    assert (
        json_call(client_for(team, actor), "post", f"/api/images/{team['image'].pk}/comments", body).status_code
        == status
    )
