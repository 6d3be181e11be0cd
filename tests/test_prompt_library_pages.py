"""The prompt library pages: my prompts (search, categories, favourites), new/edit/delete, use, copy, the
public and starter prompts, my history, import and export — as the owner, a viewer of a team and an outsider."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imagestudio.prompts import library
from imagestudio.prompts.library import PromptFields
from imagestudio.prompts.models import Prompt, PromptFavorite
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, personal_workspace, set_member
from tests.factories import make_job

HTMX = {"HX-Request": "true"}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def main_html(response) -> str:
    text = response.content.decode()
    return text[text.index('<main id="main"') : text.index("</main>")] if '<main id="main"' in text else text


def shown(response, testid: str) -> int:
    return response.content.decode().count(f'data-testid="{testid}"')


def make_prompt(*, user, workspace=None, prompt_text="a quiet harbour at dawn", **fields) -> Prompt:
    return library.create_prompt(
        workspace=workspace or personal_workspace(user),
        user=user,
        fields=PromptFields(prompt_text=prompt_text, **fields),
    )


@pytest.fixture
def team(alice, bob):
    """Alice's team, where Bob is a viewer."""
    workspace = create_team(alice, "Poster studio")
    set_member(workspace, bob, Role.VIEWER)
    return workspace


def work_in(client: Client, workspace) -> None:
    assert client.post("/workspaces/switch/", {"workspace_id": str(workspace.pk)}).status_code == 302


# -- my prompts ---------------------------------------------------------------------------------------


def test_an_empty_library_invites_the_first_prompt(alice):
    response = browser(alice).get("/prompts/")
    assert response.status_code == 200
    assert shown(response, "prompts-empty") == 1
    assert shown(response, "new-prompt") == 1
    assert 'href="/prompts/"' in response.content.decode()  # the sidebar links here


def test_the_library_shows_cards_with_their_parts(alice):
    make_prompt(
        user=alice,
        title="Neon portrait",
        prompt_text="portrait in a rainy alley, neon",
        negative_prompt="blurry",
        category="Portraits",
        tags=["neon", "night"],
    )
    response = browser(alice).get("/prompts/")
    page = main_html(response)
    assert shown(response, "prompt-card") == 1
    for text in ("Neon portrait", "portrait in a rainy alley, neon", "blurry", "neon", "night", "0 uses"):
        assert text in page
    assert shown(response, "prompt-use") == shown(response, "prompt-edit") == shown(response, "prompt-delete") == 1
    assert shown(response, "delete-dialog") == 1
    chips = re.findall(r'data-category="([^"]+)"', page)
    assert chips == ["All", "Portraits"]
    forms = page.count('method="post"')
    assert forms >= 5 and page.count('name="csrfmiddlewaretoken"') == forms  # every form can be posted


def test_search_category_and_favourites_filter_the_cards(alice):
    fox = make_prompt(user=alice, title="Fox", prompt_text="a red fox in snow", category="Animals")
    make_prompt(user=alice, title="Soup", prompt_text="tomato soup", category="Food")
    client = browser(alice)
    assert "Fox" in main_html(client.get("/prompts/?q=FOX")) and "Soup" not in main_html(client.get("/prompts/?q=fox"))
    by_category = main_html(client.get("/prompts/?category=Food"))
    assert "Soup" in by_category and "a red fox" not in by_category
    library.set_favorite(fox, alice, True)
    favourites = client.get("/prompts/?favorite=1")
    assert "a red fox" in main_html(favourites) and "tomato soup" not in main_html(favourites)
    nothing = client.get("/prompts/?q=zebra")
    assert shown(nothing, "prompts-no-match") == 1


def test_a_live_search_answers_the_results_and_the_filters_out_of_band(alice):
    make_prompt(user=alice, title="Fox", prompt_text="a red fox")
    response = browser(alice).get("/prompts/?q=fox", headers={**HTMX, "HX-Target": "prompt-results"})
    body = response.content.decode()
    assert body.startswith('<div id="prompt-results"')
    assert body.count('hx-swap-oob="true"') == 2 and 'id="prompt-controls"' in body and 'id="prompt-chips"' in body
    assert "<html" not in body


def test_infinite_scroll_answers_the_next_cards(alice):
    for n in range(30):
        make_prompt(user=alice, title=f"Prompt {n:02}", prompt_text=f"prompt number {n}")
    client = browser(alice)
    first = client.get("/prompts/?sort=title")
    assert shown(first, "prompt-card") == 24
    next_url = re.search(r'hx-get="(\?[^"]*cursor=[^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    more = client.get(f"/prompts/{next_url}", headers=HTMX)
    assert shown(more, "prompt-card") == 6
    assert "<html" not in more.content.decode()
    assert client.get("/prompts/?cursor=garbage").status_code == 400


def test_new_edit_and_delete_a_prompt(alice):
    client = browser(alice)
    assert client.get("/prompts/new/").status_code == 200
    response = client.post(
        "/prompts/new/",
        {"prompt_text": "a misty forest", "negative_prompt": "people", "category": "landscapes", "tags": "fog, trees"},
    )
    assert response.status_code == 302 and response["Location"] == "/prompts/"
    prompt = Prompt.objects.get(prompt_text="a misty forest")
    assert (prompt.title, prompt.category, prompt.tags) == ("a misty forest", "Landscapes", ["fog", "trees"])

    form = client.get(f"/prompts/{prompt.pk}/edit/")
    assert form.status_code == 200 and "a misty forest" in form.content.decode()
    assert (
        client.post(f"/prompts/{prompt.pk}/edit/", {"title": "Forest", "prompt_text": "a misty forest"}).status_code
        == 302
    )
    assert Prompt.objects.get(pk=prompt.pk).title == "Forest"

    bad = client.post(f"/prompts/{prompt.pk}/edit/", {"title": "Lost", "prompt_text": "  "})
    assert bad.status_code == 422 and shown(bad, "prompt-form-errors") == 1
    assert Prompt.objects.get(pk=prompt.pk).title == "Forest"

    assert client.post(f"/prompts/{prompt.pk}/delete/").status_code == 302
    assert not Prompt.objects.filter(pk=prompt.pk).exists()


def test_new_prompt_prefills_from_the_query_string(alice):
    response = browser(alice).get("/prompts/new/?prompt=a+kite+over+dunes")
    assert "a kite over dunes</textarea>" in response.content.decode()


def test_use_counts_and_opens_generate_with_the_prompt(alice):
    prompt = make_prompt(user=alice, prompt_text="a red fox, 400mm")
    response = browser(alice).post(f"/prompts/{prompt.pk}/use/")
    assert response.status_code == 302
    assert response["Location"] == "/generate/?prompt=a+red+fox%2C+400mm"
    assert Prompt.objects.get(pk=prompt.pk).usage_count == 1


def test_the_favourite_button_swaps_itself(alice):
    prompt = make_prompt(user=alice)
    client = browser(alice)
    response = client.post(f"/prompts/{prompt.pk}/favorite/", headers=HTMX)
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == "Added to your favourites."
    assert PromptFavorite.objects.filter(user=alice, prompt=prompt).exists()
    plain = client.post(f"/prompts/{prompt.pk}/favorite/", {"next": "/prompts/?favorite=1"})
    assert (plain.status_code, plain["Location"]) == (302, "/prompts/?favorite=1")
    assert not PromptFavorite.objects.filter(user=alice, prompt=prompt).exists()
    away = client.post(f"/prompts/{prompt.pk}/favorite/", {"next": "https://evil.example/"})
    assert away["Location"] == "/prompts/"  # never back to another site


# -- roles ----------------------------------------------------------------------------------------------


def test_a_viewer_sees_the_team_library_without_edit_controls(alice, bob, team):
    make_prompt(user=alice, workspace=team, title="Team prompt")
    client = browser(bob)
    work_in(client, team)
    response = client.get("/prompts/")
    assert shown(response, "prompt-card") == 1
    assert shown(response, "prompt-use") == 1 and shown(response, "prompt-favorite") == 1
    for testid in ("prompt-edit", "prompt-delete", "new-prompt", "import-open"):
        assert shown(response, testid) == 0, testid
    assert client.get("/prompts/new/").status_code == 403
    assert client.get("/prompts/import/").status_code == 403


def test_an_outsider_gets_404_for_a_private_prompt(alice, bob):
    prompt = make_prompt(user=alice)
    client = browser(bob)
    for url in (f"/prompts/{prompt.pk}/edit/",):
        assert client.get(url).status_code == 404
    for url in ("use", "favorite", "copy", "delete"):
        assert client.post(f"/prompts/{prompt.pk}/{url}/").status_code == 404


# -- public and starter prompts -------------------------------------------------------------------------


def test_public_page_lists_starters_by_category_and_copies_one(alice, bob):
    library.load_starters()
    shared = make_prompt(user=alice, title="Shared idea", prompt_text="a lighthouse in a storm", is_public=True)
    client = browser(bob)
    response = client.get("/prompts/public/")
    assert response.status_code == 200
    assert shown(response, "prompt-card") == 24
    chips = re.findall(r'data-category="([^"]+)"', main_html(response))
    assert chips[:11] == ["All", *library.CATEGORIES]
    food = client.get("/prompts/public/?category=Food&source=starter")
    assert shown(food, "prompt-card") == Prompt.objects.filter(is_starter=True, category="Food").count()
    community = client.get("/prompts/public/?source=community")
    assert shown(community, "prompt-card") == 1 and "Shared idea" in main_html(community)
    assert shown(community, "prompt-edit") == 0 and shown(community, "prompt-copy") == 1
    assert main_html(community).count('name="csrfmiddlewaretoken"') == main_html(community).count('method="post"')

    copied = client.post(f"/prompts/{shared.pk}/copy/", {"next": "/prompts/public/?source=community"})
    assert copied["Location"] == "/prompts/public/?source=community"
    copy = Prompt.objects.get(workspace=personal_workspace(bob), source=shared)
    assert copy.title == "Shared idea" and not copy.is_public
    again = client.get("/prompts/public/?source=community")
    assert shown(again, "prompt-copied") == 1 and shown(again, "prompt-copy") == 0


def test_public_search_and_use_of_a_starter(bob):
    library.load_starters()
    client = browser(bob)
    found = client.get("/prompts/public/?q=ramen")
    assert shown(found, "prompt-card") == 1
    starter = Prompt.objects.get(starter_key="food-ramen-steam")
    assert client.post(f"/prompts/{starter.pk}/use/").status_code == 302
    assert Prompt.objects.get(pk=starter.pk).usage_count == 1
    assert client.get(f"/prompts/{starter.pk}/edit/").status_code == 403


# -- history ----------------------------------------------------------------------------------------


def test_history_lists_what_i_ran_with_use_and_save(alice, bob):
    make_job(user=alice, prompt="a fox", user_prompt="a fox")
    make_job(user=alice, prompt="a fox", user_prompt="a fox")
    make_job(user=alice, prompt="an owl", user_prompt="an owl")
    make_job(user=bob, prompt="bob's own", user_prompt="bob's own")
    make_prompt(user=alice, prompt_text="an owl")
    client = browser(alice)
    response = client.get("/prompts/history/")
    page = main_html(response)
    assert shown(response, "history-entry") == 2
    assert "bob&#x27;s own" not in page and "bob's own" not in page
    assert "Ran 2 times" in page
    assert shown(response, "history-saved") == 1 and shown(response, "history-save") == 1
    assert 'href="/generate/?prompt=a+fox"' in page
    assert 'href="/prompts/new/?prompt=a+fox"' in page
    searched = client.get("/prompts/history/?q=owl")
    assert shown(searched, "history-entry") == 1
    assert shown(client.get("/prompts/history/?q=zebra"), "history-no-match") == 1
    assert shown(browser(bob).get("/prompts/history/?q=fox"), "history-no-match") == 1


def test_an_empty_history_invites_a_generation(alice):
    assert shown(browser(alice).get("/prompts/history/"), "history-empty") == 1


# -- import and export --------------------------------------------------------------------------------


def test_export_downloads_and_import_reports_bad_lines(alice):
    make_prompt(user=alice, title="Fox", prompt_text="a fox")
    client = browser(alice)
    exported = client.get("/prompts/export/?format=csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert "attachment" in exported["Content-Disposition"]
    assert json.loads(client.get("/prompts/export/").content)["prompts"][0]["title"] == "Fox"

    bad = b'[\n {"prompt_text": "fine"},\n {"prompt_text": ""}\n]'
    response = client.post("/prompts/import/", {"file": SimpleUploadedFile("bad.json", bad)})
    assert response.status_code == 422
    assert shown(response, "import-report") == 1 and shown(response, "import-problem") == 1
    assert ">3</td>" in response.content.decode()  # the bad row's line
    assert Prompt.objects.count() == 1

    good = b'[{"prompt_text": "an owl", "title": "Owl"}, {"prompt_text": "a fox"}]'
    done = client.post("/prompts/import/", {"file": SimpleUploadedFile("good.json", good)}, follow=True)
    assert "Imported 1 prompt (1 already in the library)." in done.content.decode()
    assert Prompt.objects.filter(title="Owl").exists()


@pytest.mark.parametrize("path", ["/prompts/", "/prompts/public/", "/prompts/history/"])
def test_every_library_page_renders_for_a_new_account(alice, path):
    response = browser(alice).get(path)
    assert response.status_code == 200
    assert shown(response, "prompt-nav") == 1
