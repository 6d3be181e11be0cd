"""Collections (boards): the /api/collections… routes and pages, who may do what to them, their order,
smart collections and share links."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from imagestudio.collections import selectors, services
from imagestudio.collections.models import Collection, CollectionImage
from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, personal_workspace, set_member
from tests.conftest import bearer_client
from tests.factories import make_image, make_user
from tests.serving import served_status

# Until the lead mounts the collections routes in imagestudio/urls.py and api.py (harmless afterwards).

ACTORS = ("owner", "admin", "editor", "viewer", "outsider", "anonymous")


@pytest.fixture
def team(catalog):
    people = {name: make_user(email=f"{name}@example.com") for name in ACTORS if name != "anonymous"}
    workspace = create_team(people["owner"], "Studio team")
    for role in ("admin", "editor", "viewer"):
        set_member(workspace, people[role], Role(role))
    project = Project.objects.create(workspace=workspace, user=people["owner"], name="Launch")
    images = [make_image(user=people["owner"], project=project, prompt=f"team image {i}", seed=i) for i in range(3)]
    collection = services.create_collection(workspace=workspace, user=people["owner"], name="Moodboard")
    services.add_images(collection, images, by=people["owner"])
    return {"workspace": workspace, "people": people, "project": project, "images": images, "collection": collection}


def api_for(team, actor: str) -> Client:
    return Client() if actor == "anonymous" else bearer_client(team["people"][actor])


def browser_for(team, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(team["people"][actor])
    return client


def json_call(client: Client, method: str, path: str, body: dict | None = None):
    return getattr(client, method)(path, body or {}, content_type="application/json")


def expect(statuses: tuple[int, ...]):
    return pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, statuses, strict=True)))


def order_of(collection: Collection) -> list[str]:
    return [str(image.pk) for image in selectors.images_page(collection, limit=500).items]


# -- CRUD through the API ------------------------------------------------------------------------------


def test_create_get_list_update_and_delete_a_collection(alice_api, alice):
    created = json_call(alice_api, "post", "/api/collections", {"name": "  Spring   board ", "description": "Ideas"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Spring board"
    assert body["workspace_id"] == str(personal_workspace(alice).pk)
    assert (body["is_smart"], body["filter"], body["image_count"]) == (False, None, 0)

    cid = body["id"]
    assert alice_api.get(f"/api/collections/{cid}").json()["description"] == "Ideas"
    assert [c["id"] for c in alice_api.get("/api/collections").json()["items"]] == [cid]

    updated = json_call(alice_api, "put", f"/api/collections/{cid}", {"name": "Summer board", "is_public": True})
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["is_public"]) == ("Summer board", True)

    assert alice_api.delete(f"/api/collections/{cid}").status_code == 204
    assert alice_api.get(f"/api/collections/{cid}").status_code == 404


def test_bad_input_answers_422_naming_the_field(alice_api):
    response = json_call(alice_api, "post", "/api/collections", {"name": "   "})
    assert response.status_code == 422
    assert response.json() == {"detail": "Give the collection a name.", "field": "name"}

    smart = json_call(alice_api, "post", "/api/collections", {"name": "Stars", "filter": {"rating_min": "9"}})
    assert smart.status_code == 422
    assert smart.json()["field"] == "filter.rating_min"


def test_the_cover_must_be_one_of_the_collections_images(team):
    client, collection = api_for(team, "editor"), team["collection"]
    outsider_image = make_image(user=team["people"]["editor"])
    refused = json_call(client, "put", f"/api/collections/{collection.pk}", {"cover_image_id": str(outsider_image.pk)})
    assert refused.status_code == 422
    assert refused.json()["field"] == "cover_image_id"
    chosen = team["images"][2]
    ok = json_call(client, "put", f"/api/collections/{collection.pk}", {"cover_image_id": str(chosen.pk)})
    assert ok.json()["cover_image_id"] == str(chosen.pk)
    # Taking the cover out of the collection clears it.
    assert client.delete(f"/api/collections/{collection.pk}/images/{chosen.pk}").status_code == 204
    assert client.get(f"/api/collections/{collection.pk}").json()["cover_image_id"] is None


# -- who may do what (API) -----------------------------------------------------------------------------


@expect((200, 200, 200, 200, 404, 401))
def test_view_a_collection(team, actor, status):
    assert api_for(team, actor).get(f"/api/collections/{team['collection'].pk}").status_code == status


@expect((200, 200, 200, 200, 404, 401))
def test_list_a_collections_images(team, actor, status):
    response = api_for(team, actor).get(f"/api/collections/{team['collection'].pk}/images")
    assert response.status_code == status
    if status == 200:
        assert [i["id"] for i in response.json()["items"]] == [str(i.pk) for i in team["images"]]


@expect((200, 200, 200, 200, 404, 401))
def test_list_the_workspaces_collections(team, actor, status):
    response = api_for(team, actor).get(f"/api/collections?workspace_id={team['workspace'].pk}")
    assert response.status_code == status
    if status == 200:
        assert [c["id"] for c in response.json()["items"]] == [str(team["collection"].pk)]


@expect((201, 201, 201, 403, 404, 401))
def test_create_a_collection_in_a_team(team, actor, status):
    body = {"name": "New board", "workspace_id": str(team["workspace"].pk)}
    assert json_call(api_for(team, actor), "post", "/api/collections", body).status_code == status


@expect((200, 200, 200, 403, 404, 401))
def test_rename_a_collection(team, actor, status):
    path = f"/api/collections/{team['collection'].pk}"
    response = json_call(api_for(team, actor), "put", path, {"name": "Renamed"})
    assert response.status_code == status
    assert (Collection.objects.get(pk=team["collection"].pk).name == "Renamed") is (status == 200)
    if status == 403:
        assert response.json()["detail"] == "This needs the editor role in this workspace; you are a viewer."


@expect((200, 200, 403, 403, 404, 401))
def test_make_a_collection_public(team, actor, status):
    path = f"/api/collections/{team['collection'].pk}"
    assert json_call(api_for(team, actor), "put", path, {"is_public": True}).status_code == status
    assert Collection.objects.get(pk=team["collection"].pk).is_public is (status == 200)


@expect((200, 200, 200, 403, 404, 401))
def test_add_images(team, actor, status):
    image = make_image(user=team["people"]["owner"], project=team["project"])
    path = f"/api/collections/{team['collection'].pk}/images"
    response = json_call(api_for(team, actor), "post", path, {"image_ids": [str(image.pk)]})
    assert response.status_code == status
    assert CollectionImage.objects.filter(collection=team["collection"], image=image).exists() is (status == 200)


@expect((204, 204, 204, 403, 404, 401))
def test_remove_an_image(team, actor, status):
    image = team["images"][0]
    response = api_for(team, actor).delete(f"/api/collections/{team['collection'].pk}/images/{image.pk}")
    assert response.status_code == status
    assert CollectionImage.objects.filter(collection=team["collection"], image=image).exists() is (status != 204)
    assert Image.objects.filter(pk=image.pk, deleted_at=None).exists()  # the image itself stays


@expect((200, 200, 200, 403, 404, 401))
def test_reorder(team, actor, status):
    ids = [str(image.pk) for image in reversed(team["images"])]
    path = f"/api/collections/{team['collection'].pk}/reorder"
    assert json_call(api_for(team, actor), "put", path, {"image_ids": ids}).status_code == status
    assert (order_of(team["collection"]) == ids) is (status == 200)


@expect((201, 201, 403, 403, 404, 401))
def test_share_a_collection(team, actor, status):
    path = f"/api/collections/{team['collection'].pk}/share"
    assert json_call(api_for(team, actor), "post", path, {}).status_code == status


@expect((204, 204, 403, 403, 404, 401))
def test_delete_a_collection(team, actor, status):
    response = api_for(team, actor).delete(f"/api/collections/{team['collection'].pk}")
    assert response.status_code == status
    assert Collection.objects.filter(pk=team["collection"].pk).exists() is (status != 204)


def test_an_image_you_cannot_see_cannot_be_added(team):
    stranger_image = make_image(user=team["people"]["outsider"])
    path = f"/api/collections/{team['collection'].pk}/images"
    response = json_call(api_for(team, "editor"), "post", path, {"image_ids": [str(stranger_image.pk)]})
    assert response.status_code == 404
    assert not CollectionImage.objects.filter(image=stranger_image).exists()


# -- who may do what (pages) ---------------------------------------------------------------------------


def page_status(team, actor: str, method: str, name: str) -> int:
    c, image = team["collection"], team["images"][0]
    paths = {
        "detail": f"/collections/{c.pk}/",
        "edit": f"/collections/{c.pk}/edit/",
        "add": f"/collections/{c.pk}/images/add/",
        "cover": f"/collections/{c.pk}/images/{image.pk}/cover/",
        "remove": f"/collections/{c.pk}/images/{image.pk}/remove/",
        "visibility": f"/collections/{c.pk}/visibility/",
        "delete": f"/collections/{c.pk}/delete/",
        "thumb": f"/collections/{c.pk}/images/{image.pk}/thumb",
        "file": f"/collections/{c.pk}/images/{image.pk}/file",
    }
    client = browser_for(team, actor)
    return served_status((client.get if method == "get" else client.post)(paths[name]))


@pytest.mark.parametrize(
    ("method", "name", "statuses"),
    [
        ("get", "detail", (200, 200, 200, 200, 404, 302)),
        ("get", "edit", (200, 200, 200, 403, 404, 302)),
        ("get", "add", (200, 200, 200, 403, 404, 302)),
        ("post", "cover", (302, 302, 302, 403, 404, 302)),
        ("post", "visibility", (302, 302, 403, 403, 404, 302)),
        ("get", "thumb", (200, 200, 200, 200, 404, 404)),
        ("get", "file", (200, 200, 200, 200, 404, 404)),
    ],
)
def test_collection_pages_by_role(team, method, name, statuses):
    got = tuple(page_status(team, actor, method, name) for actor in ACTORS)
    assert got == statuses


@expect((302, 302, 302, 403, 404, 302))
def test_remove_an_image_on_the_page(team, actor, status):
    assert page_status(team, actor, "post", "remove") == status
    still_in = CollectionImage.objects.filter(collection=team["collection"], image=team["images"][0]).exists()
    assert still_in is (status != 302 or actor == "anonymous")


@expect((302, 302, 403, 403, 404, 302))
def test_delete_a_collection_on_the_page(team, actor, status):
    assert page_status(team, actor, "post", "delete") == status
    assert Collection.objects.filter(pk=team["collection"].pk).exists() is (status != 302 or actor == "anonymous")


@pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, (200, 200, 200, 200, 200, 302), strict=True)))
def test_collections_list_page_shows_the_current_workspaces_collections(team, actor, status):
    client = browser_for(team, actor)
    if actor not in ("outsider", "anonymous"):
        client.post("/workspaces/switch/", {"workspace_id": str(team["workspace"].pk)})
    response = client.get("/collections/")
    assert response.status_code == status
    if status == 200:
        listed = "Moodboard" in response.content.decode()
        assert listed is (actor != "outsider")  # an outsider sees their own (empty) personal workspace


@pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, (200, 200, 200, 403, 200, 302), strict=True)))
def test_new_collection_page(team, actor, status):
    client = browser_for(team, actor)
    if actor != "anonymous":
        client.post("/workspaces/switch/", {"workspace_id": str(team["workspace"].pk)})
    assert client.get("/collections/new/").status_code == status


def test_creating_a_collection_from_the_page(alice_browser, alice):
    response = alice_browser.post("/collections/new/", {"name": "", "kind": "manual"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = alice_browser.post("/collections/new/", {"name": "Board", "description": "x", "kind": "manual"})
    collection = Collection.objects.get(name="Board")
    assert response.status_code == 302 and response["Location"] == f"/collections/{collection.pk}/"
    assert collection.workspace == personal_workspace(alice) and not collection.is_smart


def test_the_detail_page_renders_the_board_in_order_for_editors(team):
    services.reorder(team["collection"], [team["images"][2].pk, team["images"][0].pk, team["images"][1].pk])
    html = browser_for(team, "editor").get(f"/collections/{team['collection'].pk}/").content.decode()
    assert "data-collection-board" in html and "sortable.min.js" in html
    shown = re.findall(r'data-testid="collection-image" data-image-id="([0-9a-f-]+)"', html)
    assert shown == [str(team["images"][i].pk) for i in (2, 0, 1)]
    viewer_html = browser_for(team, "viewer").get(f"/collections/{team['collection'].pk}/").content.decode()
    assert "data-collection-board" not in viewer_html and "data-sort-handle" not in viewer_html


def test_renaming_in_place_with_htmx(team):
    client = browser_for(team, "editor")
    path = f"/collections/{team['collection'].pk}/edit/"
    form = client.get(path, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="edit-form"' in form and "<html" not in form
    bad = client.post(path, {"name": " ", "description": ""}, headers={"HX-Request": "true"}).content.decode()
    assert "This field is required." in bad
    saved = client.post(path, {"name": "Renamed", "description": "Now described"}, headers={"HX-Request": "true"})
    assert "Renamed" in saved.content.decode() and "toast" in saved["HX-Trigger"]
    collection = Collection.objects.get(pk=team["collection"].pk)
    assert (collection.name, collection.description) == ("Renamed", "Now described")


def test_the_add_images_page_offers_images_not_in_it_and_appends_the_chosen(team):
    owner = team["people"]["owner"]
    extra = [make_image(user=owner, project=team["project"], prompt=f"extra {i}") for i in range(2)]
    client = browser_for(team, "editor")
    path = f"/collections/{team['collection'].pk}/images/add/"
    html = client.get(path).content.decode()
    offered = set(re.findall(r'name="image_ids" value="([0-9a-f-]+)"', html))
    assert offered == {str(image.pk) for image in extra}
    response = client.post(path, {"image_ids": [str(extra[1].pk), str(extra[0].pk)]})
    assert response.status_code == 302
    expected = [*(str(i.pk) for i in team["images"]), str(extra[1].pk), str(extra[0].pk)]
    assert order_of(team["collection"]) == expected


# -- order ---------------------------------------------------------------------------------------------


def test_reorder_persists_the_exact_order(alice, alice_api):
    images = [make_image(user=alice, prompt=f"image {i}", seed=i) for i in range(7)]
    collection = services.create_collection(workspace=personal_workspace(alice), user=alice, name="Order")
    services.add_images(collection, images, by=alice)
    wanted = [str(images[i].pk) for i in (3, 0, 6, 1, 4, 2, 5)]
    response = json_call(alice_api, "put", f"/api/collections/{collection.pk}/reorder", {"image_ids": wanted})
    assert response.status_code == 200
    assert response.json()["moved"] == 6  # image 4 kept its place
    listed = alice_api.get(f"/api/collections/{collection.pk}/images?limit=3")
    assert [i["id"] for i in listed.json()["items"]] == wanted[:3]
    rest = alice_api.get(f"/api/collections/{collection.pk}/images?limit=10&cursor={listed.json()['next_cursor']}")
    assert [i["id"] for i in rest.json()["items"]] == wanted[3:]
    assert rest.json()["next_cursor"] is None


def test_a_partial_reorder_leaves_the_other_images_in_place(alice):
    images = [make_image(user=alice, prompt=f"image {i}") for i in range(5)]
    collection = services.create_collection(workspace=personal_workspace(alice), user=alice, name="Order")
    services.add_images(collection, images, by=alice)
    services.reorder(collection, [images[3].pk, images[1].pk])  # swap two; 0, 2 and 4 stay put
    assert order_of(collection) == [str(images[i].pk) for i in (0, 3, 2, 1, 4)]


def test_bad_orders_are_refused(alice, alice_api):
    images = [make_image(user=alice) for _ in range(2)]
    stranger = make_image(user=alice)
    collection = services.create_collection(workspace=personal_workspace(alice), user=alice, name="Order")
    services.add_images(collection, images, by=alice)
    path = f"/api/collections/{collection.pk}/reorder"
    twice = json_call(alice_api, "put", path, {"image_ids": [str(images[0].pk)] * 2})
    assert (twice.status_code, twice.json()["field"]) == (422, "image_ids")
    outside = json_call(alice_api, "put", path, {"image_ids": [str(images[0].pk), str(stranger.pk)]})
    assert (outside.status_code, outside.json()["field"]) == (422, "image_ids")
    assert order_of(collection) == [str(image.pk) for image in images]


def test_reorder_takes_the_same_number_of_queries_for_5_or_60_images(alice, django_assert_num_queries):
    collection = services.create_collection(workspace=personal_workspace(alice), user=alice, name="Big")
    images = [make_image(user=alice, width=8, height=8) for _ in range(60)]
    services.add_images(collection, images, by=alice)
    small = [image.pk for image in reversed(images[:5])]
    large = [image.pk for image in reversed(images)]
    # Lock (a no-op read on SQLite), read the positions, one UPDATE … CASE, touch updated_at: plus the
    # transaction's savepoint pair inside the test's transaction.
    with django_assert_num_queries(6):
        services.reorder(collection, small)
    with django_assert_num_queries(6):
        services.reorder(collection, large)
    assert order_of(collection) == [str(pk) for pk in large]


def test_adding_ignores_duplicates_and_appends_after_the_last_position(alice, alice_api):
    a, b, c, d = (make_image(user=alice, prompt=name) for name in "abcd")
    collection = services.create_collection(workspace=personal_workspace(alice), user=alice, name="Adds")
    path = f"/api/collections/{collection.pk}/images"
    first = json_call(alice_api, "post", path, {"image_ids": [str(a.pk), str(b.pk), str(a.pk)]})
    assert first.json() == {"added": 2, "already": 0, "image_count": 2}
    again = json_call(alice_api, "post", path, {"image_ids": [str(b.pk), str(c.pk), str(a.pk)]})
    assert again.json() == {"added": 1, "already": 2, "image_count": 3}
    services.remove_image(collection, b.pk)  # a gap: the next add still goes after the last one
    services.add_images(collection, [d], by=alice)
    assert order_of(collection) == [str(a.pk), str(c.pk), str(d.pk)]
    positions = list(CollectionImage.objects.filter(collection=collection).values_list("position", flat=True))
    assert len(positions) == len(set(positions))


def test_trashed_images_leave_the_collection_view(alice):
    images = [make_image(user=alice) for _ in range(3)]
    collection = services.create_collection(workspace=personal_workspace(alice), user=alice, name="Trash")
    services.add_images(collection, images, by=alice)
    Image.objects.filter(pk=images[1].pk).update(deleted_at=timezone.now())
    assert order_of(collection) == [str(images[0].pk), str(images[2].pk)]
    counted = selectors.with_image_count(Collection.objects.filter(pk=collection.pk)).get()
    assert counted.image_count == 2


def test_image_ids_in_gives_the_gallery_filter_the_collections_images(alice):
    images = [make_image(user=alice) for _ in range(3)]
    collection = services.create_collection(workspace=personal_workspace(alice), user=alice, name="Ids")
    services.add_images(collection, images[:2], by=alice)
    assert set(Image.objects.filter(pk__in=selectors.image_ids_in(collection.pk))) == set(images[:2])
    assert not Image.objects.filter(pk__in=selectors.image_ids_in("not-an-id")).exists()


# -- smart collections ---------------------------------------------------------------------------------


def test_a_smart_collection_evaluates_its_saved_filter(alice, alice_api, bob):
    liked = make_image(user=alice, prompt="liked")
    make_image(user=alice, prompt="not liked")
    Image.objects.filter(pk=liked.pk).update(is_favorite=True)
    bobs = make_image(user=bob, prompt="bob liked")
    Image.objects.filter(pk=bobs.pk).update(is_favorite=True)
    created = json_call(alice_api, "post", "/api/collections", {"name": "Favourites", "filter": {"favourite": "1"}})
    assert created.status_code == 201
    assert (created.json()["is_smart"], created.json()["filter"]) == (True, {"favourite": "1"})
    cid = created.json()["id"]
    listed = alice_api.get(f"/api/collections/{cid}/images").json()["items"]
    assert [item["id"] for item in listed] == [str(liked.pk)]

    # It fills itself: a newly liked image shows up; no images can be added or reordered by hand.
    later = make_image(user=alice, prompt="liked later")
    Image.objects.filter(pk=later.pk).update(is_favorite=True)
    listed = alice_api.get(f"/api/collections/{cid}/images").json()["items"]
    assert {item["id"] for item in listed} == {str(liked.pk), str(later.pk)}
    refused = json_call(alice_api, "post", f"/api/collections/{cid}/images", {"image_ids": [str(later.pk)]})
    assert (refused.status_code, refused.json()["field"]) == (422, "image_ids")

    # The filter can change; a manual collection has none to change.
    changed = json_call(alice_api, "put", f"/api/collections/{cid}", {"filter": {"q": "later"}})
    assert changed.status_code == 200
    listed = alice_api.get(f"/api/collections/{cid}/images").json()["items"]
    assert [item["id"] for item in listed] == [str(later.pk)]


def test_a_smart_collection_page_shows_what_the_filter_finds(alice, alice_browser):
    match = make_image(user=alice, prompt="a red fox")
    make_image(user=alice, prompt="a blue whale")
    collection = services.create_collection(
        workspace=personal_workspace(alice), user=alice, name="Foxes", filter_params={"q": "fox"}
    )
    html = alice_browser.get(f"/collections/{collection.pk}/").content.decode()
    assert re.findall(r'data-testid="collection-image" data-image-id="([0-9a-f-]+)"', html) == [str(match.pk)]
    assert "data-collection-board" not in html and "Open in gallery" in html


def test_smart_collection_from_the_new_page_with_a_pasted_gallery_url(alice_browser):
    response = alice_browser.post(
        "/collections/new/",
        {"name": "Portraits", "kind": "smart", "filter": "http://testserver/images/?aspect=portrait&cursor=abc"},
    )
    assert response.status_code == 302
    assert Collection.objects.get(name="Portraits").filter_params == {"aspect": "portrait"}


# -- sharing -------------------------------------------------------------------------------------------


def test_a_collections_share_link_shows_its_images_in_order_and_404s_once_revoked(team):
    admin = api_for(team, "admin")
    collection, images = team["collection"], team["images"]
    services.reorder(collection, [images[1].pk, images[2].pk, images[0].pk])
    created = json_call(admin, "post", f"/api/collections/{collection.pk}/share", {"allow_download": True})
    assert created.status_code == 201
    link = created.json()
    assert (link["kind"], link["target_id"], link["allow_review"]) == ("collection", str(collection.pk), False)
    token = link["token"]

    anonymous = Client()
    page = anonymous.get(f"/s/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    shown = re.findall(rf"/s/{token}/images/([0-9a-f-]+)/thumb", html)
    assert list(dict.fromkeys(shown)) == [str(images[i].pk) for i in (1, 2, 0)]
    assert "Moodboard" in html
    assert anonymous.get(f"/s/{token}/?embed=1").status_code == 200
    assert served_status(anonymous.get(f"/s/{token}/images/{images[0].pk}/thumb")) == 200
    assert served_status(anonymous.get(f"/s/{token}/images/{images[0].pk}/file")) == 200
    outside = make_image(user=team["people"]["owner"], project=team["project"])
    assert anonymous.get(f"/s/{token}/images/{outside.pk}/thumb").status_code == 404
    as_json = anonymous.get(f"/api/share/collection/{token}")
    assert [i["id"] for i in as_json.json()["images"]] == [str(images[i].pk) for i in (1, 2, 0)]

    mine = [item["token"] for item in admin.get("/api/share").json()]
    assert token in mine
    assert admin.delete(f"/api/share/{token}").status_code == 204
    assert anonymous.get(f"/s/{token}/").status_code == 404
    assert anonymous.get(f"/s/{token}/images/{images[0].pk}/thumb").status_code == 404
    assert anonymous.get(f"/api/share/collection/{token}").status_code == 404


def test_another_admin_can_revoke_a_collection_link_an_editor_cannot(team):
    created = json_call(api_for(team, "owner"), "post", f"/api/collections/{team['collection'].pk}/share", {})
    token = created.json()["token"]
    assert api_for(team, "editor").delete(f"/api/share/{token}").status_code == 403
    assert api_for(team, "outsider").delete(f"/api/share/{token}").status_code == 404
    assert api_for(team, "admin").delete(f"/api/share/{token}").status_code == 204


def test_collection_links_refuse_review_mode(team):
    path = f"/api/collections/{team['collection'].pk}/share"
    response = json_call(api_for(team, "admin"), "post", path, {"allow_review": True})
    assert (response.status_code, response.json()["field"]) == (422, "allow_review")


def test_sharing_from_the_link_manager_page(team):
    client = browser_for(team, "admin")
    form = client.get(f"/shares/?collection={team['collection'].pk}").content.decode()
    assert "Share collection “Moodboard”" in form and f'name="collection" value="{team["collection"].pk}"' in form
    response = client.post("/shares/new/", {"collection": str(team["collection"].pk), "password": ""})
    assert response.status_code == 302
    listing = client.get("/shares/").content.decode()
    assert "Moodboard" in listing
    assert browser_for(team, "editor").get(f"/shares/?collection={team['collection'].pk}").status_code == 403


def test_a_public_collection_has_a_public_page_a_private_one_does_not(team):
    collection = team["collection"]
    anonymous = Client()
    assert anonymous.get(f"/collections/{collection.pk}/public/").status_code == 404
    services.update_collection(collection, is_public=True)
    page = anonymous.get(f"/collections/{collection.pk}/public/")
    assert page.status_code == 200 and "Moodboard" in page.content.decode()
    image = team["images"][0]
    assert served_status(anonymous.get(f"/collections/{collection.pk}/images/{image.pk}/thumb")) == 200


def test_the_list_shows_each_collections_cover_or_first_image_in_constant_queries(
    alice, alice_browser, django_assert_num_queries
):
    images = [make_image(user=alice) for _ in range(3)]
    workspace = personal_workspace(alice)
    for n in range(6):
        collection = services.create_collection(workspace=workspace, user=alice, name=f"Board {n}")
        services.add_images(collection, images[n % 3 :], by=alice)
    chosen = services.create_collection(workspace=workspace, user=alice, name="Chosen cover")
    services.add_images(chosen, images, by=alice)
    services.set_cover(chosen, images[2])
    with django_assert_num_queries(2):  # the page (counts and first images as subqueries), then the covers
        page = selectors.collections_page(alice)
    covers = {collection.name: collection.cover for collection in page.items}
    assert covers["Board 0"] == images[0] and covers["Board 4"] == images[1] and covers["Chosen cover"] == images[2]
    html = alice_browser.get("/collections/").content.decode()
    assert html.count('data-testid="collection-cover"') == 7
