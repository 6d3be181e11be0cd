"""The trash: soft delete, restore, delete for good, empty, and the daily purge after TRASH_RETENTION_DAYS that
removes files and renditions from storage — except files another image row still uses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagestudio.gallery import renditions, trash
from imagestudio.gallery.manage import set_tags
from imagestudio.gallery.models import Image, ImageTag
from imagestudio.projects.services import duplicate_project
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.conftest import bearer_client
from tests.factories import make_image, make_project, make_user
from tests.serving import served_status


def post(client: Client, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json")


def trashed_days_ago(image: Image, days: float) -> Image:
    Image.objects.filter(pk=image.pk).update(deleted_at=timezone.now() - timedelta(days=days))
    image.refresh_from_db()
    return image


def stored(image: Image) -> list[str]:
    """The original, the thumbnail and the sized renditions (srcset WebP/AVIF) of an image."""
    return [image.file.name, image.thumbnail.name, *renditions.rendition_names(image)]


def exists(names: list[str]) -> list[bool]:
    return [default_storage.exists(name) for name in names]


def all_there(names: list[str]) -> bool:
    return all(exists(names))


def all_gone(names: list[str]) -> bool:
    return not any(exists(names))


# -- soft delete, list, restore ----------------------------------------------------------------------


def test_trash_lists_what_was_deleted_with_days_left(alice, alice_api):
    kept = make_image(user=alice, prompt="kept")
    gone = make_image(user=alice, prompt="gone")
    alice_api.delete(f"/api/images/{gone.pk}")
    trashed_days_ago(gone, 10.5)
    page = alice_api.get("/api/images/trash").json()
    assert [item["id"] for item in page["items"]] == [str(gone.pk)]
    assert page["items"][0]["days_left"] == 20  # 19.5 days: a part day counts
    assert page["retention_days"] == 30
    listed = [item["id"] for item in alice_api.get("/api/images").json()["items"]]
    assert (str(kept.pk) in listed, str(gone.pk) in listed) == (True, False)
    assert served_status(alice_api.get(page["items"][0]["thumbnail_url"])) == 200


def test_trash_pages_by_cursor_most_recent_first_in_constant_queries(alice, alice_api):
    images = [make_image(user=alice, seed=i) for i in range(5)]
    for days, image in enumerate(images):
        trashed_days_ago(image, days + 1)
    alice_api.get("/api/images/trash?limit=1")  # the token's once-a-minute "last used" write
    with CaptureQueriesContext(connection) as first_page:
        first = alice_api.get("/api/images/trash?limit=2").json()
    first_count = len(first_page)  # read now: the next request clears the connection's query log
    with CaptureQueriesContext(connection) as second_page:
        second = alice_api.get(f"/api/images/trash?limit=2&cursor={first['next_cursor']}").json()
    second_sql = [query["sql"] for query in second_page.captured_queries]
    third = alice_api.get(f"/api/images/trash?limit=2&cursor={second['next_cursor']}").json()
    order = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert order == [str(image.pk) for image in images]
    assert third["next_cursor"] is None
    assert first_count == len(second_sql) > 0
    assert "OFFSET" not in second_sql[-1].upper()


def test_restore_brings_the_image_back_into_lists(alice, alice_api, alice_browser):
    image = make_image(user=alice, prompt="a restored lighthouse")
    alice_api.delete(f"/api/images/{image.pk}")
    assert str(image.pk) not in [item["id"] for item in alice_api.get("/api/images").json()["items"]]
    response = post(alice_api, f"/api/images/{image.pk}/restore")
    assert response.status_code == 200
    assert response.json()["id"] == str(image.pk)
    assert str(image.pk) in [item["id"] for item in alice_api.get("/api/images").json()["items"]]
    assert alice_api.get("/api/images/trash").json()["items"] == []
    assert alice_browser.get(f"/images/{image.pk}/").status_code == 200


def test_restore_of_a_live_or_foreign_image_is_404(alice, alice_api, bob, bob_api):
    live = make_image(user=alice)
    assert post(alice_api, f"/api/images/{live.pk}/restore").status_code == 404
    alice_api.delete(f"/api/images/{live.pk}")
    assert post(bob_api, f"/api/images/{live.pk}/restore").status_code == 404
    assert bob_api.get("/api/images/trash").json()["items"] == []
    assert Image.objects.get(pk=live.pk).deleted_at is not None


# -- delete for good -----------------------------------------------------------------------------------


def test_delete_forever_removes_the_row_and_its_files(alice, alice_api, django_capture_on_commit_callbacks):
    image = make_image(user=alice)
    set_tags(image, ["sea"])
    names = stored(image)
    assert all_there(names)
    alice_api.delete(f"/api/images/{image.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/images/trash/{image.pk}").status_code == 204
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not ImageTag.objects.filter(image_id=image.pk).exists()
    assert all_gone(names)


def test_delete_forever_refuses_a_live_image(alice, alice_api):
    image = make_image(user=alice)
    assert alice_api.delete(f"/api/images/trash/{image.pk}").status_code == 404
    assert Image.objects.filter(pk=image.pk).exists()
    with pytest.raises(ValueError, match="Only images in the trash"):
        trash.delete_forever([image])


def test_empty_trash_deletes_only_the_callers_trash(alice, alice_api, bob, django_capture_on_commit_callbacks):
    mine = [make_image(user=alice, seed=i) for i in range(3)]
    live = make_image(user=alice, seed=9)
    theirs = make_image(user=bob)
    trash.soft_delete([*mine, theirs])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(alice_api, "/api/images/trash/empty")
    assert response.json() == {"deleted": 3}
    assert not Image.objects.filter(pk__in=[image.pk for image in mine]).exists()
    assert all(all_gone(stored(image)) for image in mine)
    assert Image.objects.filter(pk__in=[live.pk, theirs.pk]).count() == 2
    assert all_there(stored(theirs))


# -- the periodic purge --------------------------------------------------------------------------


def test_purge_removes_images_past_retention_and_keeps_younger_ones(alice, django_capture_on_commit_callbacks):
    old = trashed_days_ago(make_image(user=alice, seed=1, width=600, height=400), 31)
    assert len(stored(old)) > 2  # the sized renditions are purged too
    young = trashed_days_ago(make_image(user=alice, seed=2), 29)
    live = make_image(user=alice, seed=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 1
    assert not Image.objects.filter(pk=old.pk).exists()
    assert all_gone(stored(old))
    assert set(Image.objects.values_list("pk", flat=True)) == {young.pk, live.pk}
    assert all_there(stored(young))


def test_purge_respects_the_retention_setting_and_the_time_given(alice, settings, django_capture_on_commit_callbacks):
    settings.TRASH_RETENTION_DAYS = 7
    image = trashed_days_ago(make_image(user=alice), 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 0
        assert trash.purge_expired(now=timezone.now() + timedelta(days=2)) == 1
    assert not Image.objects.filter(pk=image.pk).exists()
    assert trash.days_left(trashed_days_ago(make_image(user=alice, seed=5), 2)) == 5


def test_purge_keeps_files_another_image_row_still_uses(alice, django_capture_on_commit_callbacks):
    project = make_project(user=alice, name="Original")
    source = make_image(user=alice, project=project, width=600, height=400)
    assert len(stored(source)) > 2
    copy = duplicate_project(project, user=alice, with_images=True)
    twin = Image.objects.get(project=copy)
    assert sorted(stored(twin)) == sorted(stored(source))  # the duplicate shares the files
    trashed_days_ago(source, 40)
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 1
    assert all_there(stored(twin))  # the copy still uses them
    trashed_days_ago(twin, 40)
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 1
    assert all_gone(stored(twin))  # the last user is gone: so are the files


def test_purge_of_both_sharing_rows_at_once_removes_the_files(alice, django_capture_on_commit_callbacks):
    project = make_project(user=alice, name="Original")
    source = make_image(user=alice, project=project)
    duplicate_project(project, user=alice, with_images=True)
    Image.objects.update(deleted_at=timezone.now() - timedelta(days=45))
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 2
    assert all_gone(stored(source))


def test_purge_keeps_files_when_the_transaction_rolls_back(alice, django_capture_on_commit_callbacks):
    image = trashed_days_ago(make_image(user=alice), 31)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        trash.purge_expired()
    assert len(callbacks) == 1  # files go only once the deletion has committed
    assert all_there(stored(image))


def test_purge_works_through_more_than_one_batch(alice, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(trash, "PURGE_BATCH", 2)
    images = [trashed_days_ago(make_image(user=alice, seed=i), 31) for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 5
    assert not Image.objects.exists()
    assert not any(exists(stored(images[-1])))


# -- roles ------------------------------------------------------------------------------------------


@pytest.fixture
def team(catalog):
    people = {role: make_user(email=f"{role}@example.com", name=role.title()) for role in ("owner", "editor", "viewer")}
    people["outsider"] = make_user(email="outsider@example.com", name="Outsider")
    workspace = create_team(people["owner"], "Studio team")
    set_member(workspace, people["editor"], Role.EDITOR)
    set_member(workspace, people["viewer"], Role.VIEWER)
    project = make_project(user=people["owner"], workspace=workspace, name="Launch")
    return {"people": people, "image": make_image(user=people["owner"], project=project)}


@pytest.mark.parametrize(("actor", "status"), [("owner", 204), ("editor", 204), ("viewer", 403), ("outsider", 404)])
def test_who_may_trash_a_team_image(team, actor, status):
    response = bearer_client(team["people"][actor]).delete(f"/api/images/{team['image'].pk}")
    assert response.status_code == status
    assert (Image.objects.get(pk=team["image"].pk).deleted_at is not None) is (status == 204)


@pytest.mark.parametrize(("actor", "status"), [("owner", 204), ("editor", 403), ("viewer", 403), ("outsider", 404)])
def test_who_may_delete_a_team_image_for_good(team, actor, status):
    trash.soft_delete([team["image"]])
    response = bearer_client(team["people"][actor]).delete(f"/api/images/trash/{team['image'].pk}")
    assert response.status_code == status
    assert Image.objects.filter(pk=team["image"].pk).exists() is (status != 204)


@pytest.mark.parametrize(("actor", "status"), [("owner", 200), ("editor", 200), ("viewer", 403), ("outsider", 404)])
def test_who_may_see_and_restore_a_team_image_in_the_trash(team, actor, status):
    trash.soft_delete([team["image"]])
    client = bearer_client(team["people"][actor])
    listed = [item["id"] for item in client.get("/api/images/trash").json()["items"]]
    assert (str(team["image"].pk) in listed) is (status == 200)
    assert post(client, f"/api/images/{team['image'].pk}/restore").status_code == status
    assert (Image.objects.get(pk=team["image"].pk).deleted_at is None) is (status == 200)


def test_an_editor_emptying_the_trash_leaves_team_images_for_admins(team, django_capture_on_commit_callbacks):
    editor = team["people"]["editor"]
    own = make_image(user=editor)
    trash.soft_delete([team["image"], own])
    with django_capture_on_commit_callbacks(execute=True):
        assert post(bearer_client(editor), "/api/images/trash/empty").json() == {"deleted": 1}
    assert Image.objects.filter(pk=team["image"].pk).exists()
    assert not Image.objects.filter(pk=own.pk).exists()


def test_trash_merges_own_and_team_images_by_time_across_pages(team):
    """The trash reads two parts (own images outside projects; images in the workspaces' projects) and merges
    them: the pages interleave both by the time they were trashed, and the count adds both."""
    editor = team["people"]["editor"]
    personal = make_project(user=editor, name="Sketches")
    own = [make_image(user=editor, seed=i) for i in range(3)]
    in_own_project = make_image(user=editor, project=personal, seed=9)
    second_team_image = make_image(user=team["people"]["owner"], project=team["image"].project, seed=8)
    by_age = [own[0], team["image"], own[1], in_own_project, second_team_image, own[2]]
    for days, image in enumerate(by_age):
        trash.soft_delete([image])
        trashed_days_ago(image, days + 1)
    client = bearer_client(editor)
    listed, cursor = [], ""
    for _ in range(len(by_age)):
        page = client.get(f"/api/images/trash?limit=4{cursor}").json()
        listed += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert listed == [str(image.pk) for image in by_age]
    assert trash.trashed_count(editor) == 6
    assert trash.trashed_count(team["people"]["viewer"], "view") == 2  # the two team images only
    html = Client()
    html.force_login(editor)
    assert "6 images · " in html.get("/images/trash/").content.decode()


@pytest.mark.parametrize("actor", ["owner", "editor", "viewer", "outsider"])
def test_trash_parts_split_exactly_what_the_user_may_act_on(team, actor):
    person = team["people"][actor]
    mine = make_image(user=person)
    in_project = make_image(user=person, project=make_project(user=person, name="Mine"))
    trash.soft_delete([team["image"], mine, in_project, make_image(user=team["people"]["outsider"], seed=3)])
    for action in ("view", "edit", "manage"):
        parts = [set(part.values_list("pk", flat=True)) for part in trash.trashed_parts(person, action)]
        assert not parts[0] & parts[1]
        assert parts[0] | parts[1] == set(trash.trashed_for(person, action).values_list("pk", flat=True))
        assert mine.pk in parts[0]
        assert in_project.pk in parts[1]
        assert trash.trashed_count(person, action) == len(parts[0] | parts[1])


# -- the trash page ------------------------------------------------------------------------------


def test_trash_page_shows_items_with_days_left(alice, alice_browser):
    image = trashed_days_ago(make_image(user=alice, prompt="a trashed fox"), 27.5)
    html = alice_browser.get("/images/trash/").content.decode()
    assert "a trashed fox" in html
    assert 'data-testid="trash-item"' in html
    assert "3 days left" in html  # 2.5 days: a part day counts
    assert f"/images/trash/{image.pk}/thumb" in html
    assert served_status(alice_browser.get(f"/images/trash/{image.pk}/thumb")) == 200


def test_trash_page_is_empty_state_when_nothing_is_trashed(alice, alice_browser):
    make_image(user=alice)
    assert 'data-testid="trash-empty"' in alice_browser.get("/images/trash/").content.decode()


def test_trash_page_restore_delete_and_empty(alice, alice_browser, django_capture_on_commit_callbacks):
    back, gone, rest = (make_image(user=alice, seed=i) for i in range(3))
    trash.soft_delete([back, gone, rest])
    assert alice_browser.post(f"/images/trash/{back.pk}/restore/").status_code == 302
    assert Image.objects.get(pk=back.pk).deleted_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_browser.post(f"/images/trash/{gone.pk}/delete/").status_code == 302
    assert not Image.objects.filter(pk=gone.pk).exists()
    assert all_gone(stored(gone))
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_browser.post("/images/trash/empty/").status_code == 302
    assert list(Image.objects.values_list("pk", flat=True)) == [back.pk]


def test_trash_page_bad_cursor_is_a_clear_error(alice, alice_browser):
    response = alice_browser.get("/images/trash/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "That page link is invalid or expired" in response.content.decode()


def test_another_users_trash_item_is_404_on_pages(alice, bob):
    image = make_image(user=alice)
    trash.soft_delete([image])
    client = Client()
    client.force_login(bob)
    assert client.post(f"/images/trash/{image.pk}/restore/").status_code == 404
    assert client.post(f"/images/trash/{image.pk}/delete/").status_code == 404
    assert client.get(f"/images/trash/{image.pk}/thumb").status_code == 404
    assert Image.objects.get(pk=image.pk).deleted_at is not None


def test_purge_command_runs_the_purge(alice, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    image = trashed_days_ago(make_image(user=alice), 31)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_trash", stdout=out)
    assert "Purged 1 image" in out.getvalue()
    assert not Image.objects.filter(pk=image.pk).exists()
    assert all_gone(stored(image))
