"""Activity feeds: services record what happened (created, generated, moved, shared, commented, invited,
joined) as events in the same transaction; feeds per workspace and project read them, for members only."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from imagestudio.events.models import Event
from imagestudio.generation import outcomes
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.conftest import bearer_client
from tests.factories import make_image, make_job, make_user, provider_result


def post_json(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def test_a_project_feed_tells_its_story_newest_first(alice, alice_api, bob):
    team = create_team(alice, "Studio")
    set_member(team, bob, Role.VIEWER)
    project = post_json(alice_api, "/api/projects", {"name": "Kites", "workspace_id": str(team.pk)}).json()
    job = make_job(
        user=alice, model="fal-ai/flux/schnell", status="running", project_id=project["id"], prompt="a red kite"
    )
    assert outcomes.finish(job, provider_result(count=2), generation_time=1.0) == "succeeded"
    loose = make_image(user=alice)
    post_json(alice_api, f"/api/projects/{project['id']}/images/add", {"image_ids": [str(loose.pk)]})
    post_json(alice_api, f"/api/projects/{project['id']}/share", {"password": "kites4all"})
    image_id = job.images.first().pk
    post_json(bearer_client(bob), f"/api/images/{image_id}/comments", {"comment_text": "Higher! @alice"})

    feed = bearer_client(bob).get(f"/api/projects/{project['id']}/activity").json()["items"]
    assert [(item["verb"], item["actor_name"]) for item in feed] == [
        ("comment.added", "Bob"),
        ("project.shared", "Alice"),
        ("images.added", "Alice"),
        ("images.generated", "Alice"),
        ("project.created", "Alice"),
    ]
    assert feed[3]["text"] == "generated 2 images: “a red kite”"
    assert feed[1]["text"] == "shared “Kites” with a password"
    assert feed[2]["text"] == "added 1 image to “Kites”"


def test_moving_between_projects_is_in_both_feeds(alice, alice_api):
    a = post_json(alice_api, "/api/projects", {"name": "A"}).json()["id"]
    b = post_json(alice_api, "/api/projects", {"name": "B"}).json()["id"]
    images = [str(make_image(user=alice).pk) for _ in range(3)]
    post_json(alice_api, f"/api/projects/{a}/images/add", {"image_ids": images})
    post_json(alice_api, f"/api/projects/{b}/images/add", {"image_ids": images[:2]})
    assert alice_api.get(f"/api/projects/{a}/activity").json()["items"][0]["text"] == "moved 2 images out of “A” to “B”"
    assert alice_api.get(f"/api/projects/{b}/activity").json()["items"][0]["text"] == "added 2 images to “B”"


def test_invitations_and_joins_are_in_the_workspace_feed_and_tell_the_inviter(alice, alice_api, bob):
    team = post_json(alice_api, "/api/workspaces", {"name": "Crew"}).json()
    post_json(alice_api, f"/api/workspaces/{team['id']}/invitations", {"email": "bob@example.com", "role": "editor"})
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)
    post_json(bearer_client(bob), f"/api/invitations/{token}/accept")
    feed = alice_api.get(f"/api/workspaces/{team['id']}/activity").json()["items"]
    assert [item["text"] for item in feed] == ["joined as editor", "invited bob@example.com as editor"]
    assert alice_api.get("/api/notifications").json()["items"][0]["reason"] == "joined"


def test_feeds_are_for_members_only(alice, alice_api, bob_api):
    team = post_json(alice_api, "/api/workspaces", {"name": "Crew"}).json()
    project = post_json(alice_api, "/api/projects", {"name": "P", "workspace_id": team["id"]}).json()
    assert bob_api.get(f"/api/workspaces/{team['id']}/activity").status_code == 404
    assert bob_api.get(f"/api/projects/{project['id']}/activity").status_code == 404
    assert Client().get(f"/api/projects/{project['id']}/activity").status_code == 401


def test_events_roll_back_with_the_change_they_describe(alice, alice_api):
    before = Event.objects.count()
    response = post_json(alice_api, "/api/projects", {"name": "  "})
    assert response.status_code == 422 and Event.objects.count() == before


def test_the_pages_show_the_feeds(alice, alice_browser, catalog):
    team = create_team(alice, "Crew")
    set_member(team, make_user(email="pat@example.com", name="Pat"), Role.EDITOR)
    alice_browser.post("/projects/new/", {"name": "Posters", "template": ""})
    page = alice_browser.get(f"/workspaces/{team.pk}/activity/")
    assert page.status_code == 200 and "Nothing yet" in page.content.decode()
    project_page = alice_browser.get(f"/projects/{alice.projects.get(name='Posters').pk}/")
    html = project_page.content.decode()
    assert 'data-verb="project.created"' in html and "created the project “Posters”" in html


def test_archiving_and_deleting_a_project_are_in_the_workspace_feed(alice, alice_api):
    team = create_team(alice, "Studio")
    project = post_json(alice_api, "/api/projects", {"name": "Kites", "workspace_id": str(team.pk)}).json()["id"]
    alice_api.put(f"/api/projects/{project}/archive", {"archived": True}, content_type="application/json")
    alice_api.put(f"/api/projects/{project}/archive", {"archived": False}, content_type="application/json")
    assert alice_api.delete(f"/api/projects/{project}?images=trash").status_code == 200

    feed = alice_api.get(f"/api/workspaces/{team.pk}/activity").json()["items"]
    assert [(item["verb"], item["text"]) for item in feed[:3]] == [
        ("project.deleted", "deleted the project “Kites” and its images went to the trash"),
        ("project.unarchived", "brought back the project “Kites” from the archive"),
        ("project.archived", "archived the project “Kites”"),
    ]


def test_a_client_reviewers_verdict_is_in_the_project_feed_under_their_name(alice, alice_api, alice_browser):
    project = post_json(alice_api, "/api/projects", {"name": "Kites"}).json()["id"]
    image = make_image(user=alice)
    post_json(alice_api, f"/api/projects/{project}/images/add", {"image_ids": [str(image.pk)]})
    token = post_json(alice_api, f"/api/projects/{project}/share", {"allow_review": True}).json()["token"]
    body = {"image_id": str(image.pk), "reviewer_name": "Dana", "verdict": "reject"}
    assert post_json(Client(), f"/api/share/project/{token}/reviews", body).status_code == 200

    latest = alice_api.get(f"/api/projects/{project}/activity").json()["items"][0]
    assert (latest["verb"], latest["actor_name"], latest["text"]) == (
        "review.verdict",
        "Dana (client review)",
        "rejected an image",
    )
    page = alice_browser.get(f"/projects/{project}/").content.decode()
    assert '<strong class="font-medium">Dana (client review)</strong>' in page


def test_feed_sentences_follow_the_readers_language(alice, alice_api, bob):
    """Every sentence is translated whole, counts with their plural and roles in the reader's words."""
    team = create_team(alice, "Studio")
    set_member(team, bob, Role.EDITOR)
    project = post_json(alice_api, "/api/projects", {"name": "Kites", "workspace_id": str(team.pk)}).json()
    job = make_job(
        user=alice, model="fal-ai/flux/schnell", status="running", project_id=project["id"], prompt="a red kite"
    )
    assert outcomes.finish(job, provider_result(count=2), generation_time=1.0) == "succeeded"
    Event.objects.create(verb="member.joined", workspace=team, actor=bob, data={"role": "editor"})
    Event.objects.create(verb="review.verdict", workspace=team, data={"verdict": "reject"})
    feed = f"/api/workspaces/{team.pk}/activity"
    texts = [item["text"] for item in alice_api.get(feed, headers={"Accept-Language": "de"}).json()["items"]]
    assert "hat 2 Bilder erzeugt: „a red kite“" in texts
    assert "ist als Bearbeiter·in beigetreten" in texts
    assert "hat das Projekt „Kites“ erstellt" in texts
    assert "hat ein Bild abgelehnt" in texts
    english = [item["text"] for item in alice_api.get(feed).json()["items"]]
    assert {"generated 2 images: “a red kite”", "joined as editor", "rejected an image"} <= set(english)
    browser = Client(headers={"Accept-Language": "de"})
    browser.force_login(alice)
    page = browser.get(f"/projects/{project['id']}/").content.decode()
    assert "hat 2 Bilder erzeugt: „a red kite“" in page
