"""Managing images: favourite, rating, tags (Image.tags and ImageTag rows in step), title and notes, bulk
actions, tag autocomplete, who may do it, and the detail page's controls."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from imagestudio.api import api
from imagestudio.gallery import manage
from imagestudio.gallery.models import Image, ImageTag
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.conftest import bearer_client
from tests.factories import make_image, make_project, make_user


def put(client: Client, path: str, body: dict):
    return client.put(path, body, content_type="application/json")


def post(client: Client, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json")


def tag_rows(image: Image) -> list[str]:
    return sorted(ImageTag.objects.filter(image=image).values_list("name", flat=True))


def fresh(image: Image) -> Image:
    return Image.objects.get(pk=image.pk)


@pytest.fixture
def team(catalog):
    people = {role: make_user(email=f"{role}@example.com", name=role.title()) for role in ("owner", "editor", "viewer")}
    people["outsider"] = make_user(email="outsider@example.com", name="Outsider")
    workspace = create_team(people["owner"], "Studio team")
    set_member(workspace, people["editor"], Role.EDITOR)
    set_member(workspace, people["viewer"], Role.VIEWER)
    project = make_project(user=people["owner"], workspace=workspace, name="Launch")
    image = make_image(user=people["owner"], project=project, prompt="a team image")
    return {"people": people, "project": project, "image": image}


# -- PUT /api/images/{id} ---------------------------------------------------------------------------


def test_put_changes_title_notes_tags_rating_and_favourite(alice, alice_api):
    image = make_image(user=alice)
    body = {"title": "  Dusk   study ", "notes": "Try warmer light.\n", "tags": [" Sunset", "sea"], "rating": 4}
    response = put(alice_api, f"/api/images/{image.pk}", {**body, "is_favorite": True})
    assert response.status_code == 200
    data = response.json()
    assert (data["title"], data["notes"], data["tags"], data["rating"], data["is_favorite"]) == (
        "Dusk study",
        "Try warmer light.",
        ["sunset", "sea"],
        4,
        True,
    )
    stored = fresh(image)
    assert (stored.title, stored.tags, stored.rating, stored.is_favorite) == ("Dusk study", ["sunset", "sea"], 4, True)
    assert tag_rows(image) == ["sea", "sunset"]


def test_put_leaves_fields_it_is_not_given(alice, alice_api):
    image = make_image(user=alice)
    put(alice_api, f"/api/images/{image.pk}", {"title": "Keep", "tags": ["a"], "rating": 3, "is_favorite": True})
    response = put(alice_api, f"/api/images/{image.pk}", {"notes": "only notes"})
    assert response.status_code == 200
    stored = fresh(image)
    assert (stored.title, stored.tags, stored.rating, stored.is_favorite, stored.notes) == (
        "Keep",
        ["a"],
        3,
        True,
        "only notes",
    )


def test_put_rating_null_clears_it(alice, alice_api):
    image = make_image(user=alice)
    put(alice_api, f"/api/images/{image.pk}", {"rating": 5})
    assert put(alice_api, f"/api/images/{image.pk}", {"rating": None}).json()["rating"] is None
    assert fresh(image).rating is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": -1}, "rating"),
        ({"title": "x" * 201}, "title"),
        ({"notes": "n" * 10_001}, "notes"),
        ({"tags": ["t" * 51]}, "tags"),
        ({"tags": [f"tag{i}" for i in range(21)]}, "tags"),
    ],
)
def test_put_refuses_bad_input_with_the_field_and_changes_nothing(alice, alice_api, body, field):
    image = make_image(user=alice)
    put(alice_api, f"/api/images/{image.pk}", {"title": "Before", "tags": ["before"], "rating": 2})
    response = put(alice_api, f"/api/images/{image.pk}", {"title": "After", "tags": ["after"], **body})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["detail"]
    stored = fresh(image)
    assert (stored.title, stored.tags, stored.rating) == ("Before", ["before"], 2)
    assert tag_rows(image) == ["before"]


def test_another_users_image_answers_404_to_every_change(alice, bob_api):
    image = make_image(user=alice)
    calls = [
        put(bob_api, f"/api/images/{image.pk}", {"title": "mine now"}),
        bob_api.delete(f"/api/images/{image.pk}"),
        post(bob_api, f"/api/images/{image.pk}/favorite"),
        post(bob_api, f"/api/images/{image.pk}/rate", {"rating": 1}),
    ]
    assert [response.status_code for response in calls] == [404, 404, 404, 404]
    stored = fresh(image)
    assert (stored.title, stored.deleted_at, stored.is_favorite, stored.rating) == ("", None, False, None)


# -- tags kept in step ----------------------------------------------------------------------------


def test_set_tags_trims_lowercases_dedupes_and_keeps_rows_in_step(alice):
    image = make_image(user=alice)
    manage.set_tags(image, ["  Portrait ", "PORTRAIT", "moody  blue", ""], by=alice)
    assert fresh(image).tags == ["portrait", "moody blue"]
    assert tag_rows(image) == ["moody blue", "portrait"]
    manage.set_tags(image, ["moody blue", "night"], by=alice)
    assert fresh(image).tags == ["moody blue", "night"]
    assert tag_rows(image) == ["moody blue", "night"]
    assert set(ImageTag.objects.filter(image=image).values_list("user_id", flat=True)) == {alice.pk}
    manage.set_tags(image, [], by=alice)
    assert fresh(image).tags == []
    assert tag_rows(image) == []


def test_tag_rows_belong_to_the_images_owner_when_an_editor_tags_it(team):
    editor_api = bearer_client(team["people"]["editor"])
    assert put(editor_api, f"/api/images/{team['image'].pk}", {"tags": ["launch"]}).status_code == 200
    row = ImageTag.objects.get(image=team["image"])
    assert (row.name, row.user_id) == ("launch", team["people"]["owner"].pk)


def test_tags_accept_fifty_characters_and_twenty_tags(alice):
    image = make_image(user=alice)
    names = ["x" * 50] + [f"t{i}" for i in range(19)]
    manage.set_tags(image, names, by=alice)
    assert len(fresh(image).tags) == 20
    assert len(tag_rows(image)) == 20


# -- favourite and rating ------------------------------------------------------------------------


def test_favorite_toggles_without_a_body_and_sets_with_one(alice, alice_api):
    image = make_image(user=alice)
    assert post(alice_api, f"/api/images/{image.pk}/favorite").json()["is_favorite"] is True
    assert post(alice_api, f"/api/images/{image.pk}/favorite").json()["is_favorite"] is False
    assert post(alice_api, f"/api/images/{image.pk}/favorite", {"is_favorite": True}).json()["is_favorite"] is True
    assert post(alice_api, f"/api/images/{image.pk}/favorite", {"is_favorite": True}).json()["is_favorite"] is True
    assert fresh(image).is_favorite is True


def test_rate_sets_and_clears_and_refuses_out_of_range(alice, alice_api):
    image = make_image(user=alice)
    assert post(alice_api, f"/api/images/{image.pk}/rate", {"rating": 3}).json()["rating"] == 3
    assert fresh(image).rating == 3
    refused = post(alice_api, f"/api/images/{image.pk}/rate", {"rating": 9})
    assert refused.status_code == 422
    assert refused.json()["field"] == "rating"
    assert fresh(image).rating == 3
    assert post(alice_api, f"/api/images/{image.pk}/rate", {"rating": 0}).json()["rating"] is None
    assert post(alice_api, f"/api/images/{image.pk}/rate", {"rating": None}).json()["rating"] is None
    assert fresh(image).rating is None


def test_delete_moves_the_image_to_the_trash(alice, alice_api):
    image = make_image(user=alice)
    assert alice_api.delete(f"/api/images/{image.pk}").status_code == 204
    assert fresh(image).deleted_at is not None
    assert alice_api.get(f"/api/images/{image.pk}").status_code == 404
    assert str(image.pk) in [item["id"] for item in alice_api.get("/api/images/trash").json()["items"]]


# -- roles ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "status"), [("owner", 200), ("editor", 200), ("viewer", 403), ("outsider", 404)])
def test_who_may_edit_a_team_image(team, actor, status):
    client = bearer_client(team["people"][actor])
    response = put(client, f"/api/images/{team['image'].pk}", {"title": f"by {actor}", "rating": 5})
    assert response.status_code == status
    stored = fresh(team["image"])
    assert (stored.title == f"by {actor}") is (status == 200)
    if status == 403:
        assert response.json()["detail"] == "This needs the editor role in this workspace; you are a viewer."


@pytest.mark.parametrize("action", ["favorite", "rate", "delete", "bulk-tag", "bulk-delete"])
def test_a_viewer_cannot_change_a_team_image(team, action):
    viewer = bearer_client(team["people"]["viewer"])
    image = team["image"]
    response = {
        "favorite": lambda: post(viewer, f"/api/images/{image.pk}/favorite"),
        "rate": lambda: post(viewer, f"/api/images/{image.pk}/rate", {"rating": 2}),
        "delete": lambda: viewer.delete(f"/api/images/{image.pk}"),
        "bulk-tag": lambda: post(viewer, "/api/images/bulk-tag", {"image_ids": [str(image.pk)], "add": ["x"]}),
        "bulk-delete": lambda: post(viewer, "/api/images/bulk-delete", {"image_ids": [str(image.pk)]}),
    }[action]()
    assert response.status_code == 403
    stored = fresh(image)
    assert (stored.is_favorite, stored.rating, stored.tags, stored.deleted_at) == (False, None, [], None)


# -- bulk actions -----------------------------------------------------------------------------------


@pytest.fixture
def three(alice):
    return [make_image(user=alice, prompt=f"image {i}", seed=i) for i in range(3)]


def ids(images) -> list[str]:
    return [str(image.pk) for image in images]


def test_bulk_delete_trashes_them_and_answers_what_changed(alice_api, three):
    response = post(alice_api, "/api/images/bulk-delete", {"image_ids": ids(three[1:])})
    assert response.status_code == 200
    assert response.json() == {"changed": 2, "image_ids": ids(three[1:])}
    assert list(Image.objects.alive().filter(pk__in=ids(three)).values_list("pk", flat=True)) == [three[0].pk]


def test_bulk_delete_of_an_image_already_in_the_trash_is_404(alice_api, three):
    alice_api.delete(f"/api/images/{three[0].pk}")
    response = post(alice_api, "/api/images/bulk-delete", {"image_ids": ids(three)})
    assert response.status_code == 404
    assert Image.objects.alive().filter(pk__in=ids(three)).count() == 2


def test_bulk_delete_with_one_foreign_id_changes_nothing(alice_api, three, bob):
    foreign = make_image(user=bob)
    response = post(alice_api, "/api/images/bulk-delete", {"image_ids": [*ids(three), str(foreign.pk)]})
    assert response.status_code == 404
    assert Image.objects.alive().filter(pk__in=[*ids(three), str(foreign.pk)]).count() == 4


def test_bulk_delete_with_an_unknown_id_changes_nothing(alice_api, three):
    response = post(alice_api, "/api/images/bulk-delete", {"image_ids": [*ids(three), str(uuid.uuid4())]})
    assert response.status_code == 404
    assert Image.objects.alive().filter(pk__in=ids(three)).count() == 3


def test_bulk_actions_take_at_most_500_ids(alice_api, three):
    too_many = ids(three) + [str(uuid.uuid4()) for _ in range(498)]
    for path in ("bulk-delete", "bulk-favorite", "bulk-move"):
        response = post(alice_api, f"/api/images/{path}", {"image_ids": too_many, "project_id": None})
        assert response.status_code == 422, path
        assert response.json()["field"] == "image_ids"
    assert Image.objects.alive().filter(pk__in=ids(three)).count() == 3


def test_bulk_actions_refuse_an_empty_list(alice_api):
    response = post(alice_api, "/api/images/bulk-delete", {"image_ids": []})
    assert response.status_code == 422
    assert response.json()["field"] == "image_ids"


def test_bulk_move_into_a_project_and_out_again(alice, alice_api, three):
    project = make_project(user=alice, name="Autumn")
    response = post(alice_api, "/api/images/bulk-move", {"image_ids": ids(three), "project_id": str(project.pk)})
    assert response.status_code == 200
    assert response.json()["moved"] == 3
    assert response.json()["previous"] == dict.fromkeys(ids(three))
    assert set(Image.objects.filter(project=project).values_list("pk", flat=True)) == {i.pk for i in three}
    back = post(alice_api, "/api/images/bulk-move", {"image_ids": ids(three[:1]), "project_id": None})
    assert back.json() == {"moved": 1, "previous": {str(three[0].pk): str(project.pk)}}
    assert fresh(three[0]).project_id is None


def test_bulk_move_with_a_foreign_image_or_project_moves_nothing(alice, alice_api, three, bob):
    project = make_project(user=alice, name="Autumn")
    foreign = make_image(user=bob)
    response = post(
        alice_api, "/api/images/bulk-move", {"image_ids": [*ids(three), str(foreign.pk)], "project_id": str(project.pk)}
    )
    assert response.status_code == 404
    bobs_project = make_project(user=bob, name="Bob's")
    response = post(alice_api, "/api/images/bulk-move", {"image_ids": ids(three), "project_id": str(bobs_project.pk)})
    assert response.status_code == 404
    assert Image.objects.filter(pk__in=[*ids(three), str(foreign.pk)], project__isnull=False).count() == 0


def test_bulk_move_into_a_team_project_needs_the_editor_role(team):
    viewer = team["people"]["viewer"]
    mine = make_image(user=viewer)
    response = post(
        bearer_client(viewer),
        "/api/images/bulk-move",
        {"image_ids": [str(mine.pk)], "project_id": str(team["project"].pk)},
    )
    assert response.status_code == 403
    assert fresh(mine).project_id is None


def test_bulk_tag_adds_and_removes_keeping_rows_in_step(alice_api, three):
    manage.set_tags(three[0], ["sea", "old"])
    response = post(alice_api, "/api/images/bulk-tag", {"image_ids": ids(three), "add": ["Sea", "dusk"]})
    assert response.status_code == 200
    assert response.json()["changed"] == 3
    assert fresh(three[0]).tags == ["sea", "old", "dusk"]
    assert fresh(three[1]).tags == ["sea", "dusk"]
    assert tag_rows(three[0]) == ["dusk", "old", "sea"]
    response = post(alice_api, "/api/images/bulk-tag", {"image_ids": ids(three), "remove": ["old"]})
    assert response.json() == {"changed": 1, "image_ids": ids(three[:1])}
    assert fresh(three[0]).tags == ["sea", "dusk"]
    assert tag_rows(three[0]) == ["dusk", "sea"]
    assert all(tag_rows(image) == ["dusk", "sea"] for image in three)


def test_bulk_tag_with_a_foreign_id_changes_nothing(alice_api, three, bob):
    foreign = make_image(user=bob)
    response = post(alice_api, "/api/images/bulk-tag", {"image_ids": [*ids(three), str(foreign.pk)], "add": ["x"]})
    assert response.status_code == 404
    assert ImageTag.objects.count() == 0
    assert all(fresh(image).tags == [] for image in [*three, foreign])


def test_bulk_tag_refuses_the_whole_batch_if_one_image_would_pass_twenty_tags(alice_api, three):
    manage.set_tags(three[2], [f"t{i}" for i in range(19)])
    response = post(alice_api, "/api/images/bulk-tag", {"image_ids": ids(three), "add": ["a", "b"]})
    assert response.status_code == 422
    assert response.json()["field"] == "tags"
    assert fresh(three[0]).tags == []
    assert len(tag_rows(three[2])) == 19


def test_bulk_tag_with_a_bad_removal_undoes_the_addition(alice_api, three):
    response = post(alice_api, "/api/images/bulk-tag", {"image_ids": ids(three), "add": ["ok"], "remove": ["r" * 60]})
    assert response.status_code == 422
    assert ImageTag.objects.count() == 0


def test_bulk_favorite_answers_only_what_changed(alice_api, three):
    post(alice_api, f"/api/images/{three[0].pk}/favorite")
    response = post(alice_api, "/api/images/bulk-favorite", {"image_ids": ids(three)})
    assert response.json() == {"changed": 2, "image_ids": ids(three[1:])}
    assert Image.objects.filter(pk__in=ids(three), is_favorite=True).count() == 3
    response = post(alice_api, "/api/images/bulk-favorite", {"image_ids": ids(three), "is_favorite": False})
    assert response.json()["changed"] == 3
    assert Image.objects.filter(pk__in=ids(three), is_favorite=True).count() == 0


def test_bulk_favorite_with_a_foreign_id_changes_nothing(alice_api, three, bob):
    foreign = make_image(user=bob)
    response = post(alice_api, "/api/images/bulk-favorite", {"image_ids": [*ids(three), str(foreign.pk)]})
    assert response.status_code == 404
    assert Image.objects.filter(is_favorite=True).count() == 0


def test_bulk_checks_access_in_a_constant_number_of_queries(alice, alice_api):
    alice_api.get("/api/images/tags")  # the token's once-a-minute "last used" write happens here

    def queries(count: int) -> int:
        images = [make_image(user=alice, seed=100 + i) for i in range(count)]
        with CaptureQueriesContext(connection) as captured:
            assert post(alice_api, "/api/images/bulk-favorite", {"image_ids": ids(images)}).status_code == 200
        return len(captured)

    assert queries(2) == queries(12)


# -- tag autocomplete ---------------------------------------------------------------------------


def test_autocomplete_lists_the_users_most_used_tags_for_a_prefix(alice, alice_api, bob):
    for tags in (["sunset", "sea"], ["sunset", "sun"], ["sunset", "sun"], ["portrait"]):
        manage.set_tags(make_image(user=alice), tags)
    manage.set_tags(make_image(user=bob), ["sunflower"])  # someone else's tag never shows
    response = alice_api.get("/api/images/tags?prefix=SU")
    assert response.status_code == 200
    assert response.json()["items"] == [{"name": "sunset", "count": 3}, {"name": "sun", "count": 2}]
    everything = [item["name"] for item in alice_api.get("/api/images/tags").json()["items"]]
    assert everything == ["sunset", "sun", "portrait", "sea"]
    assert alice_api.get("/api/images/tags?prefix=zz").json()["items"] == []


def test_autocomplete_treats_like_wildcards_as_text(alice, alice_api):
    manage.set_tags(make_image(user=alice), ["50%_off", "500px"])
    assert [item["name"] for item in alice_api.get("/api/images/tags?prefix=50%25").json()["items"]] == ["50%_off"]


def test_autocomplete_reads_the_user_name_index(alice):
    queryset = manage.ImageTag.objects.filter(user=alice, name__gte="su", name__lt="su\U0010ffff")
    sql, params = queryset.values("name").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "image_tags_user_name" in plan


# -- routes and OpenAPI -------------------------------------------------------------------------


def test_literal_paths_are_not_taken_for_image_ids(alice_api):
    assert alice_api.get("/api/images/trash").status_code == 200
    assert alice_api.get("/api/images/tags").status_code == 200
    assert post(alice_api, "/api/images/trash/empty").status_code == 200


def test_openapi_documents_every_error_answer():
    paths = api.get_openapi_schema()["paths"]
    routes = {
        ("/api/images/{image_id}", "put"),
        ("/api/images/{image_id}", "delete"),
        ("/api/images/{image_id}/favorite", "post"),
        ("/api/images/{image_id}/rate", "post"),
        ("/api/images/{image_id}/restore", "post"),
        ("/api/images/bulk-delete", "post"),
        ("/api/images/bulk-move", "post"),
        ("/api/images/bulk-tag", "post"),
        ("/api/images/bulk-favorite", "post"),
        ("/api/images/trash", "get"),
        ("/api/images/trash/empty", "post"),
        ("/api/images/trash/{image_id}", "delete"),
        ("/api/images/tags", "get"),
    }
    for path, method in routes:
        documented = set(paths[path][method]["responses"])
        assert {"401", "404", "422"} <= {str(code) for code in documented}, (path, method)


# -- the detail page --------------------------------------------------------------------------------


def test_detail_page_shows_the_controls_to_an_editor(alice, alice_browser):
    image = make_image(user=alice)
    manage.set_tags(image, ["sea"])
    html = alice_browser.get(f"/images/{image.pk}/").content.decode()
    for testid in ("favorite-toggle", "rate-5", "title-input", "notes-input", "tag-input", "trash-image"):
        assert f'data-testid="{testid}"' in html, testid
    assert 'data-testid="tag"' in html


def test_detail_page_is_read_only_for_a_viewer(team):
    client = Client()
    client.force_login(team["people"]["viewer"])
    html = client.get(f"/images/{team['image'].pk}/").content.decode()
    assert 'data-testid="image-manage"' in html
    assert 'data-testid="favorite-toggle"' not in html
    assert 'data-testid="trash-image"' not in html
    assert client.post(f"/images/{team['image'].pk}/favorite/").status_code == 403


def test_page_forms_favourite_rate_tag_and_describe(alice, alice_browser):
    image = make_image(user=alice)
    base = f"/images/{image.pk}"
    assert alice_browser.post(f"{base}/favorite/").status_code == 302
    assert alice_browser.post(f"{base}/rate/", {"rating": "4"}).status_code == 302
    assert alice_browser.post(f"{base}/tags/", {"tags": "Sea, dusk"}).status_code == 302
    assert alice_browser.post(f"{base}/details/", {"title": "Evening", "notes": "keep"}).status_code == 302
    stored = fresh(image)
    assert (stored.is_favorite, stored.rating, stored.tags, stored.title, stored.notes) == (
        True,
        4,
        ["sea", "dusk"],
        "Evening",
        "keep",
    )
    alice_browser.post(f"{base}/rate/", {"rating": "4"})  # the current rating again clears it
    alice_browser.post(f"{base}/tags/", {"remove": "sea"})
    assert (fresh(image).rating, fresh(image).tags, tag_rows(image)) == (None, ["dusk"], ["dusk"])


def test_page_form_errors_show_on_the_page(alice, alice_browser):
    image = make_image(user=alice)
    response = alice_browser.post(f"/images/{image.pk}/tags/", {"tags": "t" * 60})
    assert response.status_code == 422
    assert "Each tag is at most 50 characters" in response.content.decode()
    htmx = alice_browser.post(f"/images/{image.pk}/details/", {"title": "x" * 300}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200  # HTMX swaps the panel with the error in it
    assert "A title is at most 200 characters." in htmx.content.decode()
    assert fresh(image).title == ""


def test_htmx_favourite_answers_the_panel_with_a_toast(alice, alice_browser):
    image = make_image(user=alice)
    response = alice_browser.post(f"/images/{image.pk}/favorite/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="image-manage"' in response.content.decode()
    assert "Added to favourites." in response["HX-Trigger"]


def test_tag_suggestions_page_fragment(alice, alice_browser):
    manage.set_tags(make_image(user=alice), ["sunset", "sea"])
    html = alice_browser.get("/images/tags/suggest/?tags=portrait%2C%20su").content.decode()
    assert '<option value="portrait, sunset">' in html
    assert "sea" not in html


def test_page_trash_button_moves_the_image_to_the_trash(alice, alice_browser):
    image = make_image(user=alice)
    response = alice_browser.post(f"/images/{image.pk}/trash/")
    assert response.status_code == 302
    assert fresh(image).deleted_at is not None
    assert alice_browser.get(f"/images/{image.pk}/").status_code == 404
