"""Comments on images with @mentions: who may comment and delete, who gets notified (one event, read by
notifications), and how the page shows them."""

from __future__ import annotations

import pytest
from django.test import Client

from imagestudio.events.models import Event, Notification
from imagestudio.gallery.comments import mentioned
from imagestudio.gallery.models import ImageComment
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.conftest import bearer_client
from tests.factories import make_image, make_project, make_user


@pytest.fixture
def studio(catalog):
    owner = make_user(email="olga@example.com", name="Olga Berg")
    viewer = make_user(email="maya.lopez@example.com", name="Maya")
    outsider = make_user(email="zed@example.com", name="Zed")
    team = create_team(owner, "Team")
    set_member(team, viewer, Role.VIEWER)
    image = make_image(user=owner, project=make_project(user=owner, name="Posters", workspace=team))
    return {"owner": owner, "viewer": viewer, "outsider": outsider, "image": image}


def comment(client, image, text):
    return client.post(f"/api/images/{image.pk}/comments", {"comment_text": text}, content_type="application/json")


def test_a_mention_notifies_the_member_named_and_the_owner_once(studio):
    viewer_api = bearer_client(studio["viewer"])
    response = comment(viewer_api, studio["image"], "Love it! @olga can we try a warmer palette? cc @zed")
    assert response.status_code == 201
    assert response.json()["mentions"] == [str(studio["owner"].pk)]  # zed can't see the image: not mentioned
    event = Event.objects.get()
    assert (event.verb, event.target_id, event.actor) == ("comment.added", str(studio["image"].pk), studio["viewer"])
    notes = Notification.objects.filter(event=event)
    assert [(n.user, n.reason) for n in notes] == [(studio["owner"], "mention")]  # one per person, mention wins

    owner_feed = bearer_client(studio["owner"]).get("/api/notifications").json()
    assert owner_feed["unread"] == 1 and owner_feed["items"][0]["actor_name"] == "Maya"
    assert "warmer palette" in owner_feed["items"][0]["data"]["excerpt"]
    assert bearer_client(studio["viewer"]).get("/api/notifications").json()["unread"] == 0  # not for your own act


def test_mentions_match_email_local_part_or_name(studio):
    people = [studio["owner"], studio["viewer"]]
    assert mentioned("@maya.lopez hi", people) == [studio["viewer"]]
    assert mentioned("@OlgaBerg and @maya.lopez@example.com", people) == people
    assert mentioned("email me at x@olga.com", people) == []  # an address, not a mention


def test_outsiders_cannot_read_or_comment(studio):
    outsider_api = bearer_client(studio["outsider"])
    assert outsider_api.get(f"/api/images/{studio['image'].pk}/comments").status_code == 404
    assert comment(outsider_api, studio["image"], "hi").status_code == 404
    assert Client().get(f"/api/images/{studio['image'].pk}/comments").status_code == 401


def test_empty_or_long_comments_are_422(studio):
    owner_api = bearer_client(studio["owner"])
    assert comment(owner_api, studio["image"], "   ").json()["field"] == "comment_text"
    assert comment(owner_api, studio["image"], "x" * 4001).status_code == 422
    assert ImageComment.objects.count() == 0


def test_delete_own_comment_or_any_as_admin(studio):
    viewer_api, owner_api = bearer_client(studio["viewer"]), bearer_client(studio["owner"])
    mine = comment(owner_api, studio["image"], "owner's note").json()["id"]
    theirs = comment(viewer_api, studio["image"], "viewer's note").json()["id"]
    base = f"/api/images/{studio['image'].pk}/comments"
    assert viewer_api.delete(f"{base}/{mine}").status_code == 403
    assert viewer_api.delete(f"{base}/{theirs}").status_code == 204
    assert owner_api.delete(f"{base}/{mine}").status_code == 204
    assert ImageComment.objects.count() == 0


def test_the_image_page_shows_comments_with_mentions_and_the_owner_sees_the_notification(studio):
    viewer, owner = Client(), Client()
    viewer.force_login(studio["viewer"])
    owner.force_login(studio["owner"])
    path = f"/images/{studio['image'].pk}/"
    assert viewer.post(f"{path}comments/", {"comment_text": "@olga <b>bold</b> idea"}).status_code == 302
    html = owner.get(path).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html  # escaped
    assert '<span class="font-medium text-primary-700 dark:text-primary-300">@olga</span>' in html
    bad = viewer.post(f"{path}comments/", {"comment_text": " "})
    assert bad.status_code == 422 and "Write something first." in bad.content.decode()

    feed = owner.get("/notifications/").content.decode()
    assert 'data-reason="mention"' in feed and "mentioned you in a comment" in feed
    owner.post("/notifications/")
    assert Notification.objects.filter(user=studio["owner"], read_at=None).count() == 0


def test_the_top_bar_bell_counts_unread_notifications_after_the_page_loads(studio):
    viewer, owner = Client(), Client()
    viewer.force_login(studio["viewer"])
    owner.force_login(studio["owner"])
    page = owner.get("/dashboard/").content.decode()
    assert 'data-testid="notification-badge"' in page and 'data-testid="unread-count"' not in page  # lazy
    assert 'hx-trigger="load delay:300ms, every 60s"' in page

    assert owner.get("/notifications/badge/").content.decode().count('data-testid="unread-count"') == 0
    comment(bearer_client(studio["viewer"]), studio["image"], "@olga first")
    comment(bearer_client(studio["viewer"]), studio["image"], "@olga second")
    badge = owner.get("/notifications/badge/").content.decode()
    assert '<span class="absolute' in badge and ">2</span>" in badge and "2 unread" in badge
    owner.post("/notifications/")
    assert 'data-testid="unread-count"' not in owner.get("/notifications/badge/").content.decode()
