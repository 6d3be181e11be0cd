"""Projects through the API: create (blank or from a template), list, edit, archive, cover, move images,
duplicate, delete, search — each answer exact, each bad input a 4xx naming the field."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project
from imagestudio.workspaces.services import personal_workspace
from tests.factories import make_image


def create(client, **body):
    return client.post("/api/projects", body, content_type="application/json")


def put(client, path, body):
    return client.put(path, body, content_type="application/json")


def test_create_a_project_in_the_personal_workspace(alice, alice_api):
    response = create(alice_api, name="  Spring   campaign ", tags=["Social", "social", "print"], description="Posters")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Spring campaign"
    assert body["tags"] == ["social", "print"]
    assert body["workspace_id"] == str(personal_workspace(alice).pk)
    assert body["image_count"] == 0
    assert Project.objects.get(pk=body["id"]).user == alice


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "p", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"name": "p", "settings": {"model": "no/such-model"}}, "settings"),
        ({"name": "p", "settings": {"colour": "red"}}, "settings"),
        ({"name": "p", "template": "no-such-template"}, "template"),
    ],
)
def test_bad_project_input_is_a_422_naming_the_field(alice_api, body, field):
    response = create(alice_api, **body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert Project.objects.count() == 0


def test_create_from_a_built_in_template_and_from_a_saved_one(alice_api):
    templates = alice_api.get("/api/projects/templates").json()
    keys = [t["key"] for t in templates if t["built_in"]]
    assert keys == ["product-shots", "character-sheet", "logo-exploration", "social-media-set", "storyboard"]

    made = create(alice_api, template="storyboard").json()
    assert (made["name"], made["category"]) == ("Storyboard", "Film")
    assert made["settings"]["parameters"]["aspect_ratio"] == "16:9"

    assert put(alice_api, f"/api/projects/{made['id']}", {"is_template": True}).json()["is_template"] is True
    saved = [t for t in alice_api.get("/api/projects/templates").json() if not t["built_in"]]
    assert [t["key"] for t in saved] == [made["id"]]
    copy = create(alice_api, template=made["id"], name="Ad spot").json()
    assert (copy["name"], copy["category"], copy["is_template"]) == ("Ad spot", "Film", False)


def test_list_pages_by_name_with_a_cursor_and_constant_queries(alice_api):
    for name in ["delta", "alpha", "echo", "charlie", "bravo"]:
        create(alice_api, name=name)
    first = alice_api.get("/api/projects?sort=name&limit=2").json()
    assert [p["name"] for p in first["items"]] == ["alpha", "bravo"]
    second = alice_api.get(f"/api/projects?sort=name&limit=2&cursor={first['next_cursor']}").json()
    assert [p["name"] for p in second["items"]] == ["charlie", "delta"]
    third = alice_api.get(f"/api/projects?sort=name&limit=2&cursor={second['next_cursor']}").json()
    assert [p["name"] for p in third["items"]] == ["echo"] and third["next_cursor"] is None

    with CaptureQueriesContext(connection) as few:
        alice_api.get("/api/projects?limit=2")
    with CaptureQueriesContext(connection) as many:
        alice_api.get("/api/projects?limit=5")
    assert len(many) == len(few)
    assert alice_api.get("/api/projects?cursor=garbage").status_code == 400


def test_archive_hides_a_project_until_asked_for(alice_api):
    pid = create(alice_api, name="Old").json()["id"]
    assert put(alice_api, f"/api/projects/{pid}/archive", {}).json()["is_archived"] is True
    assert alice_api.get("/api/projects").json()["items"] == []
    assert [p["id"] for p in alice_api.get("/api/projects?archived=true").json()["items"]] == [pid]
    assert put(alice_api, f"/api/projects/{pid}/archive", {"archived": False}).json()["is_archived"] is False


def test_search_projects_matches_every_word(alice_api):
    create(alice_api, name="Summer shoes", description="Beach product shots")
    create(alice_api, name="Winter shoes")
    found = alice_api.get("/api/search/projects?q=shoes beach").json()["items"]
    assert [p["name"] for p in found] == ["Summer shoes"]


def test_move_images_in_and_out_with_undo_information(alice, alice_api):
    a = create(alice_api, name="A").json()["id"]
    b = create(alice_api, name="B").json()["id"]
    one, two = make_image(user=alice), make_image(user=alice, project=Project.objects.get(pk=a))
    moved = alice_api.post(
        f"/api/projects/{b}/images/add", {"image_ids": [str(one.pk), str(two.pk)]}, content_type="application/json"
    ).json()
    assert moved == {"moved": 2, "previous": {str(one.pk): None, str(two.pk): a}}
    assert alice_api.get(f"/api/projects/{b}").json()["image_count"] == 2
    listed = alice_api.get(f"/api/projects/{b}/images").json()["items"]
    assert {i["id"] for i in listed} == {str(one.pk), str(two.pk)}

    out = alice_api.delete(f"/api/projects/{b}/images/{one.pk}")
    assert out.json() == {"moved": 1, "previous": {str(one.pk): b}}
    assert Image.objects.get(pk=one.pk).project_id is None
    again = alice_api.delete(f"/api/projects/{b}/images/{one.pk}")
    assert again.status_code == 422 and again.json()["field"] == "image_id"


def test_cover_must_be_one_of_the_projects_images(alice, alice_api):
    pid = create(alice_api, name="Covers").json()["id"]
    inside = make_image(user=alice, project=Project.objects.get(pk=pid))
    outside = make_image(user=alice)
    assert put(alice_api, f"/api/projects/{pid}", {"cover_image_id": str(inside.pk)}).json()["cover_image_id"] == str(
        inside.pk
    )
    refused = put(alice_api, f"/api/projects/{pid}", {"cover_image_id": str(outside.pk)})
    assert refused.status_code == 422 and refused.json()["field"] == "cover_image_id"
    assert put(alice_api, f"/api/projects/{pid}", {"clear_cover": True}).json()["cover_image_id"] is None


def test_duplicate_with_images_shares_files_that_outlive_either_side(alice, alice_api):
    pid = create(alice_api, name="Source", tags=["x"]).json()["id"]
    original = make_image(user=alice, project=Project.objects.get(pk=pid))
    put(alice_api, f"/api/projects/{pid}", {"cover_image_id": str(original.pk)})
    copy = alice_api.post(
        f"/api/projects/{pid}/duplicate", {"with_images": True}, content_type="application/json"
    ).json()
    assert (copy["name"], copy["tags"], copy["image_count"]) == ("Copy of Source", ["x"], 1)
    twin = Image.objects.get(project_id=copy["id"])
    assert twin.pk != original.pk and twin.file.name == original.file.name
    assert copy["cover_image_id"] == str(twin.pk)

    alice_api.delete(f"/api/projects/{copy['id']}?images=trash")
    from imagestudio.gallery.services import delete_files

    delete_files(Image.objects.get(pk=twin.pk))  # what the trash purge will do
    assert default_storage.exists(original.file.name)  # the source still refers to it

    bare = alice_api.post(f"/api/projects/{pid}/duplicate", content_type="application/json").json()
    assert bare["image_count"] == 0


@pytest.mark.parametrize(("choice", "trashed", "unassigned"), [("trash", 2, 0), ("keep", 0, 2)])
def test_delete_sends_images_to_the_trash_or_keeps_them(alice, alice_api, choice, trashed, unassigned):
    pid = create(alice_api, name="Doomed").json()["id"]
    project = Project.objects.get(pk=pid)
    ids = [make_image(user=alice, project=project).pk for _ in range(2)]
    response = alice_api.delete(f"/api/projects/{pid}?images={choice}")
    assert response.status_code == 200 and response.json() == {"images_affected": 2}
    assert not Project.objects.filter(pk=pid).exists()
    rows = Image.objects.filter(pk__in=ids)
    assert rows.filter(deleted_at__isnull=False).count() == trashed
    assert rows.filter(deleted_at__isnull=True, project=None).count() == unassigned


def test_generating_into_a_project_needs_edit_rights(alice, alice_api, bob_api):
    pid = create(alice_api, name="Mine").json()["id"]
    body = {
        "model_id": "offline/studio-v1",
        "prompt": "a lighthouse",
        "project_id": pid,
        "parameters": {"width": 256, "height": 256},
    }
    assert alice_api.post("/api/generate/text-to-image", body, content_type="application/json").status_code == 202
    assert bob_api.post("/api/generate/text-to-image", body, content_type="application/json").status_code == 404
