"""The prompt library through its services and the API: CRUD, roles in a team workspace, public and starter
prompts, favourites, copies, use counts, categories, search, import/export (all or nothing, with line numbers)
and the history of prompts a person ran."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imagestudio.events.models import Event
from imagestudio.prompts import library, transfer
from imagestudio.prompts.library import PromptFields
from imagestudio.prompts.models import Prompt, PromptFavorite
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, personal_workspace, set_member
from tests.conftest import bearer_client
from tests.factories import make_job, make_user

ACTORS = ("owner", "admin", "editor", "viewer", "outsider", "anonymous")


def make_prompt(*, user, workspace=None, title: str = "", prompt_text: str = "a quiet harbour at dawn", **fields):
    return library.create_prompt(
        workspace=workspace or personal_workspace(user),
        user=user,
        fields=PromptFields(title=title, prompt_text=prompt_text, **fields),
    )


def post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def put(client, path, body):
    return client.put(path, body, content_type="application/json")


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def starters(db):
    library.load_starters()


# -- create, read, update, delete ---------------------------------------------------------------------


def test_create_a_prompt_in_the_personal_workspace(alice, alice_api):
    body = {
        "title": "  Harbour   at dawn ",
        "prompt_text": "  a quiet harbour at dawn, fishing boats, mist  ",
        "negative_prompt": "people, text",
        "category": "landscapes",
        "tags": ["Sea", "sea", " Boats "],
    }
    response = post(alice_api, "/api/prompts", body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["title"] == "Harbour at dawn"
    assert made["prompt_text"] == "a quiet harbour at dawn, fishing boats, mist"
    assert made["category"] == "Landscapes"  # a known category in its own spelling
    assert made["tags"] == ["sea", "boats"]
    assert (made["is_public"], made["is_starter"], made["usage_count"], made["is_favorite"]) == (False, False, 0, False)
    assert made["workspace_id"] == str(personal_workspace(alice).pk)
    prompt = Prompt.objects.get(pk=made["id"])
    assert prompt.user == alice
    assert Event.objects.filter(verb="prompt.created", target_id=str(prompt.pk)).exists()


def test_a_prompt_without_a_title_takes_its_first_words(alice_api):
    text = "misty old-growth forest with sunbeams through the canopy, ferns on the floor, soft green palette"
    made = post(alice_api, "/api/prompts", {"prompt_text": text}).json()
    assert made["title"] == "misty old-growth forest with sunbeams through the canopy…"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt_text": "   "}, "prompt_text"),
        ({"prompt_text": "x" * 4001}, "prompt_text"),
        ({"prompt_text": "ok", "title": "t" * 201}, "title"),
        ({"prompt_text": "ok", "negative_prompt": "n" * 2001}, "negative_prompt"),
        ({"prompt_text": "ok", "category": "c" * 51}, "category"),
        ({"prompt_text": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"prompt_text": "ok", "tags": ["x" * 51]}, "tags"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(alice_api, body, field):
    response = post(alice_api, "/api/prompts", body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Prompt.objects.exists()


def test_read_update_and_delete_your_own_prompt(alice, alice_api):
    prompt = make_prompt(user=alice, title="First")
    assert alice_api.get(f"/api/prompts/{prompt.pk}").json()["title"] == "First"
    changed = put(alice_api, f"/api/prompts/{prompt.pk}", {"title": "Second", "tags": ["a"], "category": "SCI-FI"})
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["tags"], changed.json()["category"]) == ("Second", ["a"], "Sci-fi")
    assert changed.json()["prompt_text"] == "a quiet harbour at dawn"  # fields left out stay
    assert alice_api.delete(f"/api/prompts/{prompt.pk}").status_code == 204
    assert not Prompt.objects.filter(pk=prompt.pk).exists()
    assert alice_api.get(f"/api/prompts/{prompt.pk}").status_code == 404


def test_a_bad_update_changes_nothing(alice, alice_api):
    prompt = make_prompt(user=alice, title="Keep")
    response = put(alice_api, f"/api/prompts/{prompt.pk}", {"title": "New", "prompt_text": "  "})
    assert (response.status_code, response.json()["field"]) == (422, "prompt_text")
    assert Prompt.objects.get(pk=prompt.pk).title == "Keep"


def test_signed_out_callers_get_401(alice):
    from django.test import Client

    prompt = make_prompt(user=alice)
    anonymous = Client()
    assert anonymous.get("/api/prompts").status_code == 401
    assert anonymous.get(f"/api/prompts/{prompt.pk}").status_code == 401
    assert anonymous.get("/api/prompts/public").status_code == 401


# -- roles in a team workspace ------------------------------------------------------------------------


@pytest.fixture
def team(catalog):
    people = {name: make_user(email=f"{name}@example.com", credits=None) for name in ACTORS if name != "anonymous"}
    workspace = create_team(people["owner"], "Studio team")
    for role in ("admin", "editor", "viewer"):
        set_member(workspace, people[role], Role(role))
    prompt = make_prompt(user=people["owner"], workspace=workspace, title="Team prompt")
    return {"workspace": workspace, "people": people, "prompt": prompt}


def client_for(team, actor):
    from django.test import Client

    return Client() if actor == "anonymous" else bearer_client(team["people"][actor])


def expect(statuses):
    return pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, statuses, strict=True)))


@expect((200, 200, 200, 200, 404, 401))
def test_members_read_a_team_prompt(team, actor, status):
    assert client_for(team, actor).get(f"/api/prompts/{team['prompt'].pk}").status_code == status


@expect((200, 200, 200, 200, 404, 401))
def test_members_list_the_team_library(team, actor, status):
    response = client_for(team, actor).get(f"/api/prompts?workspace_id={team['workspace'].pk}")
    assert response.status_code == status
    if status == 200:
        assert ids(response) == [str(team["prompt"].pk)]


@expect((200, 200, 200, 403, 404, 401))
def test_editors_change_a_team_prompt(team, actor, status):
    response = put(client_for(team, actor), f"/api/prompts/{team['prompt'].pk}", {"title": "Renamed"})
    assert response.status_code == status
    assert (Prompt.objects.get(pk=team["prompt"].pk).title == "Renamed") is (status == 200)
    if status == 403:
        assert response.json()["detail"] == "This needs the editor role in this workspace; you are a viewer."


@expect((204, 204, 403, 403, 404, 401))
def test_admins_delete_a_team_prompt(team, actor, status):
    response = client_for(team, actor).delete(f"/api/prompts/{team['prompt'].pk}")
    assert response.status_code == status
    assert Prompt.objects.filter(pk=team["prompt"].pk).exists() is (status != 204)


@expect((200, 200, 403, 403, 404, 401))
def test_admins_publish_a_team_prompt(team, actor, status):
    response = put(client_for(team, actor), f"/api/prompts/{team['prompt'].pk}", {"is_public": True})
    assert response.status_code == status
    assert Prompt.objects.get(pk=team["prompt"].pk).is_public is (status == 200)


@expect((201, 201, 201, 403, 404, 401))
def test_editors_add_prompts_to_the_team(team, actor, status):
    body = {"prompt_text": "a team idea", "workspace_id": str(team["workspace"].pk)}
    response = post(client_for(team, actor), "/api/prompts", body)
    assert response.status_code == status
    assert Prompt.objects.filter(prompt_text="a team idea").exists() is (status == 201)


def test_publishing_when_creating_needs_the_admin_role(team):
    body = {"prompt_text": "shared at once", "is_public": True, "workspace_id": str(team["workspace"].pk)}
    assert post(client_for(team, "editor"), "/api/prompts", body).status_code == 403
    assert post(client_for(team, "admin"), "/api/prompts", body).status_code == 201


# -- public and starter prompts -------------------------------------------------------------------------


def test_anyone_signed_in_reads_a_public_prompt_but_only_members_change_it(team):
    prompt = team["prompt"]
    library.update_prompt(prompt, PromptFields(is_public=True), by=team["people"]["owner"])
    outsider = client_for(team, "outsider")
    assert outsider.get(f"/api/prompts/{prompt.pk}").status_code == 200
    refused = put(outsider, f"/api/prompts/{prompt.pk}", {"title": "Mine now"})
    assert refused.status_code == 403
    assert "copy it to your library" in refused.json()["detail"]
    assert outsider.delete(f"/api/prompts/{prompt.pk}").status_code == 403
    assert Prompt.objects.get(pk=prompt.pk).title == "Team prompt"


def test_public_browse_shows_starters_and_shared_prompts_never_private_ones(alice, bob, bob_api, starters):
    shared = make_prompt(user=alice, title="Shared lighthouse", prompt_text="a lighthouse in a storm", is_public=True)
    private = make_prompt(user=alice, title="Private lighthouse", prompt_text="a lighthouse at night")
    everything = bob_api.get("/api/prompts/public?limit=100").json()["items"]
    found = {item["id"] for item in everything}
    assert str(shared.pk) in found and str(private.pk) not in found
    assert sum(item["is_starter"] for item in everything) >= 60

    searched = ids(bob_api.get("/api/prompts/public?q=lighthouse"))
    assert searched == [str(shared.pk)]
    community = ids(bob_api.get("/api/prompts/public?source=community"))
    assert community == [str(shared.pk)]
    portraits = bob_api.get("/api/prompts/public?source=starter&category=portraits&limit=100").json()["items"]
    assert len(portraits) >= 6 and {p["category"] for p in portraits} == {"Portraits"}
    assert all(p["workspace_id"] is None for p in portraits)


def test_starter_prompts_are_read_only_for_everyone(alice_api, starters):
    starter = Prompt.objects.filter(is_starter=True).first()
    assert alice_api.get(f"/api/prompts/{starter.pk}").status_code == 200
    refused = put(alice_api, f"/api/prompts/{starter.pk}", {"title": "Mine"})
    assert refused.status_code == 403
    assert "starter library" in refused.json()["detail"]
    assert alice_api.delete(f"/api/prompts/{starter.pk}").status_code == 403


def test_the_starter_library_has_60_prompts_in_10_categories_and_loads_idempotently(db):
    created, updated = library.load_starters()
    assert created >= 60 and updated == 0
    starters = Prompt.objects.filter(is_starter=True)
    assert starters.count() == created
    per_category = {row.name: row.count for row in library.category_counts(starters)}
    assert len([name for name, n in per_category.items() if n]) >= 10
    assert all(per_category[name] >= 5 for name in library.CATEGORIES)
    assert all(p.negative_prompt and p.tags and p.is_public and p.workspace_id is None for p in starters)

    assert library.load_starters() == (0, 0)  # again: nothing to do
    Prompt.objects.filter(starter_key="portrait-rembrandt-window").update(title="Changed by hand")
    call_command("seed", stdout=io.StringIO())  # `manage.py seed` loads them too, updating in place
    assert Prompt.objects.filter(is_starter=True).count() == created
    assert Prompt.objects.get(starter_key="portrait-rembrandt-window").title == "Window-light portrait"


# -- favourites, copies, use ----------------------------------------------------------------------------


def test_favourite_toggles_or_sets_and_is_per_person(alice, bob, alice_api, bob_api, starters):
    mine = make_prompt(user=alice, title="Mine")
    starter = Prompt.objects.filter(is_starter=True).first()
    assert post(alice_api, f"/api/prompts/{mine.pk}/favorite").json()["is_favorite"] is True
    assert post(alice_api, f"/api/prompts/{mine.pk}/favorite").json()["is_favorite"] is False
    assert post(alice_api, f"/api/prompts/{mine.pk}/favorite", {"favorite": True}).json()["is_favorite"] is True
    assert post(alice_api, f"/api/prompts/{mine.pk}/favorite", {"favorite": True}).json()["is_favorite"] is True
    assert post(alice_api, f"/api/prompts/{starter.pk}/favorite", {"favorite": True}).status_code == 200
    assert PromptFavorite.objects.filter(user=alice).count() == 2

    favourites = alice_api.get("/api/prompts?favorite=true").json()["items"]
    assert {p["id"] for p in favourites} == {str(mine.pk), str(starter.pk)}  # a starter counts too
    assert all(p["is_favorite"] for p in favourites)
    assert bob_api.get(f"/api/prompts/{starter.pk}").json()["is_favorite"] is False
    assert post(bob_api, f"/api/prompts/{mine.pk}/favorite").status_code == 404  # not bob's to see


def test_copy_a_public_prompt_into_your_library(alice, bob, bob_api):
    shared = make_prompt(user=alice, title="Neon portrait", tags=["neon"], category="Portraits", is_public=True)
    response = post(bob_api, f"/api/prompts/{shared.pk}/copy")
    assert response.status_code == 201
    copy = response.json()
    assert copy["workspace_id"] == str(personal_workspace(bob).pk)
    assert (copy["title"], copy["tags"], copy["category"], copy["source_id"]) == (
        "Neon portrait",
        ["neon"],
        "Portraits",
        str(shared.pk),
    )
    assert (copy["is_public"], copy["usage_count"]) == (False, 0)
    changed = put(bob_api, f"/api/prompts/{copy['id']}", {"title": "My neon"})
    assert changed.status_code == 200
    assert Prompt.objects.get(pk=shared.pk).title == "Neon portrait"


def test_copying_within_the_same_workspace_makes_a_copy_of(alice, alice_api):
    prompt = make_prompt(user=alice, title="Original")
    assert post(alice_api, f"/api/prompts/{prompt.pk}/copy").json()["title"] == "Copy of Original"


def test_a_viewer_may_not_copy_into_the_team_but_into_their_own(team):
    viewer = client_for(team, "viewer")
    body = {"workspace_id": str(team["workspace"].pk)}
    assert post(viewer, f"/api/prompts/{team['prompt'].pk}/copy", body).status_code == 403
    own = post(viewer, f"/api/prompts/{team['prompt'].pk}/copy")
    assert own.status_code == 201
    assert own.json()["workspace_id"] == str(personal_workspace(team["people"]["viewer"]).pk)


def test_use_counts_and_answers_the_generate_address(alice, alice_api, bob_api):
    prompt = make_prompt(user=alice, prompt_text="a red fox in the snow, 400mm", is_public=True)
    first = post(alice_api, f"/api/prompts/{prompt.pk}/use")
    assert first.status_code == 200
    assert first.json()["usage_count"] == 1
    assert first.json()["generate_url"] == "/generate/?prompt=a+red+fox+in+the+snow%2C+400mm"
    assert post(bob_api, f"/api/prompts/{prompt.pk}/use").json()["usage_count"] == 2  # a public prompt's use
    refreshed = Prompt.objects.get(pk=prompt.pk)
    assert refreshed.usage_count == 2
    assert refreshed.updated_at == prompt.updated_at  # a use is not an edit


# -- categories, lists and search ---------------------------------------------------------------------


def test_categories_with_counts(alice, alice_api, starters):
    make_prompt(user=alice, prompt_text="one", category="Food")
    make_prompt(user=alice, prompt_text="two", category="food")
    make_prompt(user=alice, prompt_text="three", category="Moodboards")
    make_prompt(user=alice, prompt_text="four")
    rows = alice_api.get("/api/prompts/categories").json()
    assert [r["name"] for r in rows[:10]] == list(library.CATEGORIES)
    counts = {r["name"]: r["count"] for r in rows}
    assert (counts["Food"], counts["Moodboards"], counts[""], counts["Portraits"]) == (2, 1, 1, 0)
    public = {r["name"]: r["count"] for r in alice_api.get("/api/prompts/categories?scope=public").json()}
    assert public["Food"] >= 6 and "Moodboards" not in public


def test_list_filters_by_category_and_words_and_pages_with_a_cursor(alice, alice_api):
    for n in range(5):
        make_prompt(user=alice, title=f"Castle {n}", prompt_text=f"a floating castle number {n}", category="Fantasy")
    make_prompt(user=alice, title="Soup", prompt_text="tomato soup, top-down", category="Food", tags=["dinner"])
    assert len(ids(alice_api.get("/api/prompts?category=fantasy"))) == 5
    assert len(ids(alice_api.get("/api/prompts?q=CASTLE floating"))) == 5
    assert len(ids(alice_api.get("/api/prompts?q=dinner"))) == 1  # tags are searched
    assert len(ids(alice_api.get("/api/prompts?q=food"))) == 1  # and the category
    assert ids(alice_api.get("/api/prompts?q=castle soup")) == []

    first = alice_api.get("/api/prompts?limit=4&sort=title").json()
    second = alice_api.get(f"/api/prompts?limit=4&sort=title&cursor={first['next_cursor']}").json()
    titles = [p["title"] for p in first["items"] + second["items"]]
    assert titles == ["Castle 0", "Castle 1", "Castle 2", "Castle 3", "Castle 4", "Soup"]
    assert second["next_cursor"] is None
    assert alice_api.get("/api/prompts?cursor=nonsense").status_code == 400


def test_the_list_takes_constant_queries(alice, alice_api):
    for n in range(3):
        make_prompt(user=alice, prompt_text=f"prompt {n}", tags=["a"])
    alice_api.get("/api/prompts")  # the token's first use of the minute is recorded once
    with CaptureQueriesContext(connection) as few:
        alice_api.get("/api/prompts")
    for n in range(12):
        make_prompt(user=alice, prompt_text=f"more {n}", tags=["b"])
    with CaptureQueriesContext(connection) as many:
        alice_api.get("/api/prompts")
    assert len(many) == len(few)


def test_search_finds_what_you_may_see_and_nothing_else(alice, bob, alice_api, starters):
    mine = make_prompt(user=alice, title="Brutalist tower", prompt_text="brutalist concrete tower at noon")
    theirs = make_prompt(user=bob, title="Brutalist library", prompt_text="brutalist concrete library")
    found = ids(alice_api.get("/api/search/prompts?q=brutalist"))
    assert str(mine.pk) in found and str(theirs.pk) not in found
    assert any(Prompt.objects.get(pk=pk).is_starter for pk in found)  # the starters' "Brutalist concrete"
    assert ids(alice_api.get("/api/search/prompts?q=zzzz-nothing")) == []


# -- history ----------------------------------------------------------------------------------------


def test_history_lists_your_own_prompts_once_each_with_counts(alice, bob, alice_api):
    make_job(user=alice, prompt="a fox + style", user_prompt="a fox")
    make_job(user=alice, prompt="a fox", user_prompt="a fox")
    make_job(user=alice, prompt="an owl", user_prompt="an owl")
    make_job(user=alice, prompt="an upscale", user_prompt="")  # nothing typed: not in the history
    make_job(user=bob, prompt="bob's secret", user_prompt="bob's secret")
    saved = make_prompt(user=alice, prompt_text="an owl")
    items = alice_api.get("/api/prompts/history").json()["items"]
    assert [(i["prompt"], i["count"]) for i in items] == [("an owl", 1), ("a fox", 2)]
    assert items[0]["saved_prompt_id"] == str(saved.pk) and items[1]["saved_prompt_id"] is None
    assert [i["prompt"] for i in alice_api.get("/api/prompts/history?q=FOX").json()["items"]] == ["a fox"]


def test_history_pages_with_a_cursor(alice, alice_api):
    for n in range(5):
        make_job(user=alice, prompt=f"p{n}", user_prompt=f"prompt {n}")
    first = alice_api.get("/api/prompts/history?limit=2").json()
    seen = [i["prompt"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = alice_api.get(f"/api/prompts/history?limit=2&cursor={cursor}").json()
        seen += [i["prompt"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [f"prompt {n}" for n in range(4, -1, -1)]
    assert alice_api.get("/api/prompts/history?cursor=bad").status_code == 400


# -- export and import --------------------------------------------------------------------------------


def upload(client, name: str, data: bytes, **fields):
    return client.post("/api/prompts/import", {"file": SimpleUploadedFile(name, data), **fields})


def test_export_and_import_round_trip_as_json_and_csv(alice, bob, alice_api, bob_api):
    a = make_prompt(user=alice, title="Fox", prompt_text="a fox, snow", negative_prompt="blur", tags=["fox", "winter"])
    make_prompt(user=alice, title="Owl", prompt_text="an owl at night", category="Animals")
    library.set_favorite(a, alice, True)
    for fmt in ("json", "csv"):
        exported = alice_api.get(f"/api/prompts/export?format={fmt}")
        assert exported.status_code == 200
        assert f'.{fmt}"' in exported["Content-Disposition"]
        Prompt.objects.filter(workspace=personal_workspace(bob)).delete()
        imported = upload(bob_api, f"prompts.{fmt}", exported.content)
        assert imported.status_code == 201, imported.content
        assert (imported.json()["created"], imported.json()["skipped"]) == (2, 0)
        copies = {p.title: p for p in Prompt.objects.filter(workspace=personal_workspace(bob))}
        assert copies["Fox"].tags == ["fox", "winter"] and copies["Fox"].negative_prompt == "blur"
        assert copies["Owl"].category == "Animals"
        assert PromptFavorite.objects.filter(user=bob, prompt=copies["Fox"]).exists()
        assert not PromptFavorite.objects.filter(user=bob, prompt=copies["Owl"]).exists()
        again = upload(bob_api, f"prompts.{fmt}", exported.content)
        assert (again.json()["created"], again.json()["skipped"]) == (0, 2)  # importing twice adds nothing


def test_a_json_import_with_bad_rows_imports_nothing_and_names_each_line(alice, alice_api):
    text = """{
  "version": 1,
  "prompts": [
    {"title": "Good", "prompt_text": "a fine prompt"},
    {"title": "No prompt",
     "prompt_text": ""},
    {"prompt_text": "ok", "tags": 5},
    "not an object"
  ]
}"""
    response = upload(alice_api, "library.json", text.encode())
    assert response.status_code == 422
    body = response.json()
    assert body["error_count"] == 3
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(5, "prompt_text"), (7, "tags"), (8, "prompt")]
    assert body["detail"].startswith("Nothing was imported. Fix line 5:")
    assert not Prompt.objects.exists()


def test_a_csv_import_reports_lines_counting_multiline_cells(alice, alice_api):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["title", "prompt_text", "tags", "favorite"])
    writer.writerow(["Two lines", "first line\nsecond line", "a, b", "yes"])
    writer.writerow(["Bad flag", "fine", "", "maybe"])
    writer.writerow(["Too long", "x" * 4001, "", ""])
    response = upload(alice_api, "mine.csv", out.getvalue().encode())
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(4, "favorite"), (5, "prompt_text")]
    assert not Prompt.objects.exists()

    good = "prompt,title\na cat on a windowsill,Cat\n\nan owl,\n"  # `prompt` works too; blank rows skipped
    response = upload(alice_api, "good.csv", good.encode())
    assert response.status_code == 201
    assert sorted(p["title"] for p in response.json()["items"]) == ["Cat", "an owl"]


@pytest.mark.parametrize(
    ("name", "data", "line", "field"),
    [
        ("x.json", b'{"prompts": [', 1, "file"),
        ("x.json", b'{"items": []}', 1, "prompts"),
        ("x.json", b"[]", 0, "file"),
        ("x.csv", b"title,notes\nA,B\n", 1, "prompt_text"),
        ("x.csv", b"\xff\xfe not utf-8", 1, "file"),
        ("x.txt", b"", 0, "file"),
    ],
)
def test_unreadable_files_are_a_422_saying_why(alice_api, name, data, line, field):
    response = upload(alice_api, name, data)
    assert response.status_code == 422
    assert (response.json()["errors"][0]["line"], response.json()["errors"][0]["field"]) == (line, field)


def test_import_needs_a_file_and_an_editor(team):
    viewer = client_for(team, "viewer")
    data = json.dumps([{"prompt_text": "x"}]).encode()
    assert upload(viewer, "a.json", data, workspace_id=str(team["workspace"].pk)).status_code == 403
    editor = client_for(team, "editor")
    assert editor.post("/api/prompts/import", {}).status_code == 422
    made = upload(editor, "a.json", data, workspace_id=str(team["workspace"].pk))
    assert made.status_code == 201
    assert Prompt.objects.filter(workspace=team["workspace"], prompt_text="x").exists()


def test_import_refuses_more_than_the_limit(alice, alice_api, monkeypatch):
    monkeypatch.setattr(transfer, "MAX_IMPORT_ROWS", 2)
    data = json.dumps([{"prompt_text": f"p{n}"} for n in range(3)]).encode()
    response = upload(alice_api, "many.json", data)
    assert response.status_code == 422
    assert "at most 2" in response.json()["errors"][0]["message"]


def cursor_of(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


TAMPERED = [
    "abc",
    "%%%",
    cursor_of('["yesterday", "6f1c1e9e-8e55-4c1e-9f0e-2b7d6c1d2a10"]'),
    cursor_of('["2026-01-01T00:00:00", "a prompt"]'),  # no zone
    cursor_of('{"a": 1, "b": 2}'),
    cursor_of("[1]"),
]


@pytest.mark.parametrize("cursor", [*TAMPERED, cursor_of('["2026-01-01T00:00:00+00:00", "not-a-uuid"]')])
@pytest.mark.parametrize(
    "path", ["/api/prompts", "/api/prompts/public", "/api/search/prompts", "/api/prompts?sort=title"]
)
def test_tampered_cursors_are_a_400_naming_the_cursor(alice_api, path, cursor):
    response = alice_api.get(path, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["field"] == "cursor"


@pytest.mark.parametrize("cursor", [*TAMPERED, cursor_of('["2026-01-01T00:00:00+00:00", 5]')])
def test_tampered_history_cursors_are_a_400_too(alice_api, cursor):
    response = alice_api.get("/api/prompts/history", {"cursor": cursor})
    assert (response.status_code, response.json()["field"]) == (400, "cursor")


@pytest.mark.parametrize("query", ["category=" + "c" * 90, "category=%00", "q=%00fox", "q=" + "w " * 90])
def test_odd_filters_are_no_server_error(alice_api, query):
    for path in ("/api/prompts", "/api/prompts/public", "/api/prompts/history", "/api/search/prompts"):
        assert alice_api.get(f"{path}?{query}").status_code == 200
