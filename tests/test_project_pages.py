"""The project pages: list, new, the project page and its actions, as the owner, a teammate with a weak role,
an outsider and a stranger who is not logged in. Pages call the same services as the API; these tests check
what a person sees and that every change is refused unless their role allows it."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.factories import make_image, make_project, make_user

HTMX = {"HX-Request": "true"}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def work_in(client: Client, workspace) -> None:
    response = client.post("/workspaces/switch/", {"workspace_id": str(workspace.pk)})
    assert response.status_code == 302


def html(response) -> str:
    return response.content.decode()


def main_html(response) -> str:
    """The page's own content, without the sidebar (which lists the workspace's recent projects)."""
    text = html(response)
    return text[text.index('<main id="main"') : text.index("</main>")]


def shown(response, name: str) -> int:
    return html(response).count(f'data-testid="{name}"')


def toast(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


@pytest.fixture
def project(alice):
    return make_project(user=alice, name="Spring campaign", description="Posters for spring", category="Marketing")


@pytest.fixture
def team(alice, bob):
    """Alice's team, where Bob is a viewer; the project pages of both work in it."""
    workspace = create_team(alice, "Poster studio")
    set_member(workspace, bob, Role.VIEWER)
    return workspace


@pytest.fixture
def team_project(alice, team):
    return make_project(user=alice, name="Team posters", workspace=team)


# -- who may see what ------------------------------------------------------------------------------


def page_urls(project_id, image_id) -> list[str]:
    base = f"/projects/{project_id}"
    return [
        "/projects/",
        "/projects/new/",
        f"{base}/",
        f"{base}/rename/",
        f"{base}/settings/",
        f"{base}/export/",
        f"{base}/images/add/",
    ]


def post_urls(project_id, image_id) -> list[tuple[str, dict]]:
    base = f"/projects/{project_id}"
    return [
        (f"{base}/rename/", {"name": "Taken over"}),
        (f"{base}/settings/", {"description": "Taken over", "tags": "x"}),
        (f"{base}/duplicate/", {}),
        (f"{base}/archive/", {"archived": "1"}),
        (f"{base}/delete/", {"images": "keep"}),
        (f"{base}/images/add/", {"image_ids": [str(image_id)]}),
        (f"{base}/images/{image_id}/cover/", {}),
        (f"{base}/images/{image_id}/remove/", {}),
    ]


def test_anonymous_visitors_are_sent_to_log_in(project, alice):
    image = make_image(user=alice, project=project)
    client = Client()
    for url in page_urls(project.pk, image.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    for url, data in post_urls(project.pk, image.pk):
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    project.refresh_from_db()
    assert (project.name, project.is_archived) == ("Spring campaign", False)


def test_an_outsider_gets_404_for_every_page_and_action_of_the_project(project, alice):
    image = make_image(user=alice, project=project)
    outsider = browser(make_user(email="charlie@example.com"))
    for url in page_urls(project.pk, image.pk)[2:]:
        assert outsider.get(url).status_code == 404, url
    for url, data in post_urls(project.pk, image.pk):
        assert outsider.post(url, data).status_code == 404, url
    project.refresh_from_db()
    image.refresh_from_db()
    assert (project.name, project.is_archived, project.cover_image_id) == ("Spring campaign", False, None)
    assert image.project_id == project.pk
    assert Project.objects.count() == 1
    assert "Spring campaign" not in html(outsider.get("/projects/"))


def test_a_viewer_sees_the_project_without_edit_controls(bob, team, team_project, alice):
    make_image(user=alice, project=team_project)
    viewer = browser(bob)
    work_in(viewer, team)
    listing = viewer.get("/projects/")
    assert listing.status_code == 200
    assert "Team posters" in html(listing)
    assert shown(listing, "new-project") == 0

    response = viewer.get(f"/projects/{team_project.pk}/")
    assert response.status_code == 200
    assert shown(response, "project-title") == 1
    assert shown(response, "project-image") == 1
    assert shown(response, "project-export") == 1  # viewers may take a copy
    for control in (
        "rename-project",
        "project-settings",
        "project-more",
        "open-delete",
        "add-images",
        "generate-in-project",
        "set-cover",
        "remove-image",
    ):
        assert shown(response, control) == 0, control


def test_a_viewer_gets_403_for_every_change_and_nothing_changes(bob, team, team_project, alice):
    image = make_image(user=alice, project=team_project)
    viewer = browser(bob)
    work_in(viewer, team)
    assert viewer.get("/projects/new/").status_code == 403
    assert viewer.post("/projects/new/", {"name": "Mine now"}).status_code == 403
    for url in (f"/projects/{team_project.pk}/rename/", f"/projects/{team_project.pk}/settings/"):
        assert viewer.get(url).status_code == 403, url
    assert viewer.get(f"/projects/{team_project.pk}/images/add/").status_code == 403
    for url, data in post_urls(team_project.pk, image.pk):
        assert viewer.post(url, data).status_code == 403, url
        assert viewer.post(url, data, headers=HTMX).status_code == 403, url
    team_project.refresh_from_db()
    image.refresh_from_db()
    assert (team_project.name, team_project.description, team_project.is_archived) == ("Team posters", "", False)
    assert team_project.cover_image_id is None
    assert image.project_id == team_project.pk
    assert Project.objects.filter(workspace=team).count() == 1


def test_an_editor_may_edit_but_not_delete_or_make_templates(bob, team, team_project):
    set_member(team, bob, Role.EDITOR)
    editor = browser(bob)
    work_in(editor, team)
    page = editor.get(f"/projects/{team_project.pk}/")
    assert shown(page, "project-settings") == 1
    assert shown(page, "open-delete") == 0
    settings = editor.get(f"/projects/{team_project.pk}/settings/")
    assert shown(settings, "settings-is-template") == 0
    response = editor.post(f"/projects/{team_project.pk}/settings/", {"description": "Edited", "is_template": "on"})
    assert response.status_code == 302
    assert editor.post(f"/projects/{team_project.pk}/delete/", {"images": "keep"}).status_code == 403
    team_project.refresh_from_db()
    assert (team_project.description, team_project.is_template) == ("Edited", False)


# -- the list --------------------------------------------------------------------------------------


def test_the_list_shows_the_current_workspace_projects_as_cards(alice, alice_browser, project, team):
    make_image(user=alice, project=project)
    make_image(user=alice, project=project)
    project.tags = ["print", "spring"]
    project.save()
    make_project(user=alice, name="Team only", workspace=team)
    make_project(user=alice, name="Old stuff", is_archived=True)

    response = alice_browser.get("/projects/")
    assert response.status_code == 200
    text = html(response)
    assert shown(response, "project-card") == 1
    assert "Spring campaign" in text and "Team only" not in text and "Old stuff" not in text
    assert "2 images" in text
    assert "Marketing" in text and "print" in text and "spring" in text
    assert shown(response, "project-cover-placeholder") == 1
    assert shown(response, "new-project") == 1

    work_in(alice_browser, team)
    text = html(alice_browser.get("/projects/"))
    assert "Team only" in text and "Spring campaign" not in text


def test_the_list_searches_sorts_and_shows_archived_projects_from_the_url(alice, alice_browser):
    for name in ("Beta posters", "Alpha logos", "Gamma posters"):
        make_project(user=alice, name=name)
    make_project(user=alice, name="Archived posters", is_archived=True)

    found = main_html(alice_browser.get("/projects/?q=posters"))
    assert "Beta posters" in found and "Gamma posters" in found
    assert "Alpha logos" not in found and "Archived posters" not in found
    assert 'value="posters"' in found

    by_name = main_html(alice_browser.get("/projects/?sort=name"))
    assert by_name.index("Alpha logos") < by_name.index("Beta posters") < by_name.index("Gamma posters")
    newest = main_html(alice_browser.get("/projects/"))
    assert newest.index("Gamma posters") < newest.index("Beta posters")

    archived = alice_browser.get("/projects/?archived=1")
    assert shown(archived, "project-card") == 1
    assert "Archived posters" in html(archived)

    missing = alice_browser.get("/projects/?q=nothing+like+this")
    assert shown(missing, "projects-no-match") == 1


def test_the_list_loads_more_with_a_cursor_and_htmx_gets_only_the_cards(alice, alice_browser):
    for i in range(26):
        make_project(user=alice, name=f"Project {i:02d}")
    first = alice_browser.get("/projects/?sort=name")
    assert shown(first, "project-card") == 24
    more = re.search(r'hx-get="(\?sort=name&amp;cursor=[^"]+)"', html(first))
    assert more, "a load-more link keeping the sort"
    url = "/projects/" + more.group(1).replace("&amp;", "&")

    partial = alice_browser.get(url, headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in html(partial)
    assert shown(partial, "project-card") == 2
    assert "Project 24" in html(partial) and "Project 25" in html(partial)
    assert shown(partial, "load-more") == 0
    assert "HX-Request" in partial["Vary"]

    full = alice_browser.get(url)  # without JS, the same link is a page of its own
    assert full.status_code == 200 and "<html" in html(full)


def test_a_live_search_swaps_only_the_results(alice, alice_browser):
    make_project(user=alice, name="Posters")
    response = alice_browser.get("/projects/?q=post", headers={**HTMX, "HX-Target": "project-results"})
    text = html(response)
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="project-results"')
    assert "Posters" in text and "<html" not in text
    # The Active/Archived and sort links are swapped too (out of band), so they keep the typed words.
    assert re.search(r'<div id="project-filters"[^>]*hx-swap-oob="true"', text)
    assert 'href="?q=post&amp;archived=1"' in text and 'href="?q=post&amp;sort=name"' in text


def test_an_empty_list_invites_a_new_project(alice_browser):
    response = alice_browser.get("/projects/")
    assert shown(response, "projects-empty") == 1
    assert 'href="/projects/new/"' in html(response)


def test_a_tampered_cursor_is_a_400_with_a_way_back(alice_browser):
    response = alice_browser.get("/projects/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert shown(response, "projects-error") == 1
    assert "start from the first page" in html(response)


# -- new project -----------------------------------------------------------------------------------


def test_the_new_page_offers_blank_built_in_and_saved_templates(alice, alice_browser):
    make_project(user=alice, name="House style", is_template=True)
    response = alice_browser.get("/projects/new/")
    assert response.status_code == 200
    choices = re.findall(r'data-testid="template-choice" data-template="([^"]*)"', html(response))
    saved = Project.objects.get(name="House style")
    assert choices == [
        "",
        "product-shots",
        "character-sheet",
        "logo-exploration",
        "social-media-set",
        "storyboard",
        str(saved.pk),
    ]


def test_create_a_project_from_a_built_in_template(alice, alice_browser):
    response = alice_browser.post("/projects/new/", {"template": "storyboard", "name": "", "tags": ""})
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/"
    assert (project.name, project.category, project.user) == ("Storyboard", "Film", alice)
    assert project.tags == ["storyboard", "film", "sequence"]
    assert project.settings == {"model": "offline/studio-v1", "parameters": {"aspect_ratio": "16:9"}}
    assert project.notes.startswith("Number the frames")
    page = alice_browser.get(response["Location"])
    assert "Created “Storyboard”." in html(page)
    assert "Number the frames" in html(page)


def test_typed_fields_win_over_the_template_and_saved_templates_are_copied(alice, alice_browser):
    saved = make_project(user=alice, name="House style", notes="Use the **brand** palette", is_template=True)
    response = alice_browser.post(
        "/projects/new/", {"template": str(saved.pk), "name": "Summer", "tags": "Beach, sun, beach"}
    )
    assert response.status_code == 302
    made = Project.objects.get(name="Summer")
    assert made.notes == "Use the **brand** palette"
    assert made.tags == ["beach", "sun"]
    assert made.is_template is False


def test_a_new_project_error_is_shown_on_its_field_and_keeps_the_input(alice_browser):
    response = alice_browser.post(
        "/projects/new/", {"template": "", "name": "  ", "description": "Keep me", "category": "Art", "tags": "a, b"}
    )
    assert response.status_code == 422
    text = html(response)
    assert 'id="id_name_error"' in text and "Give the project a name." in text
    assert "Keep me</textarea>" in text and 'value="Art"' in text and 'value="a, b"' in text
    assert Project.objects.count() == 0


def test_an_unknown_or_foreign_template_is_refused(alice_browser, bob):
    response = alice_browser.post("/projects/new/", {"template": "no-such-thing", "name": "X"})
    assert response.status_code == 422
    assert "No template" in html(response)
    foreign = make_project(user=bob, name="Bob's style", is_template=True)
    response = alice_browser.post("/projects/new/", {"template": str(foreign.pk), "name": "X"})
    assert response.status_code == 422
    assert "That template is gone" in html(response)
    assert Project.objects.filter(name="X").count() == 0


# -- the project page ------------------------------------------------------------------------------


def test_the_project_page_shows_header_images_stats_and_safe_notes(alice, alice_browser, project):
    first = make_image(user=alice, project=project, prompt="a red poster")
    make_image(user=alice, project=project, prompt="a blue poster")
    Image.objects.filter(pk=first.pk).update(is_favorite=True)
    project.notes = "## Brief\n- one **bold** idea\n<script>alert('x')</script>\n[site](https://example.com) [bad](javascript:alert(1))"
    project.cover_image = first
    project.save()

    response = alice_browser.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    text = html(response)
    assert "Spring campaign" in text and "Posters for spring" in text
    assert re.search(r'data-testid="project-description"><p>Posters for spring</p>', text)  # Markdown, like notes
    assert shown(response, "project-image") == 2
    assert re.search(rf'<img src="/images/{first.pk}/file"[^>]*data-testid="project-cover"', text)
    assert re.search(r'data-testid="stat-images">.*?data-value>2<', text, re.S)
    assert re.search(r'data-testid="stat-favourites">.*?data-value>1<', text, re.S)
    notes = re.search(r'data-testid="notes-body">(.*?)</div>', text, re.S)
    assert notes
    body = notes.group(1)
    assert "<h2>Brief</h2>" in body and "<strong>bold</strong>" in body
    assert "<script" not in body and "&lt;script&gt;" in body
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">site</a>' in body
    assert "javascript:" not in body.replace("[bad](javascript:alert(1))", "")
    assert f'href="/generate/?project={project.pk}"' in text
    for control in ("rename-project", "project-settings", "open-delete", "add-images", "set-cover", "remove-image"):
        assert shown(response, control) >= 1, control


def test_the_project_grid_loads_more_images_with_htmx(alice, alice_browser, project):
    for i in range(42):
        make_image(user=alice, project=project, prompt=f"poster {i}")
    page = alice_browser.get(f"/projects/{project.pk}/")
    assert shown(page, "project-image") == 40
    more = re.search(r'hx-get="(\?cursor=[^"]+)"', html(page))
    assert more
    partial = alice_browser.get(f"/projects/{project.pk}/{more.group(1)}", headers=HTMX)
    assert "<html" not in html(partial)
    assert shown(partial, "project-image") == 2


def test_rename_in_place_returns_the_header_partial(alice_browser, project):
    url = f"/projects/{project.pk}/rename/"
    editing = alice_browser.get(url, headers=HTMX)
    assert editing.status_code == 200
    assert shown(editing, "rename-input") == 1 and "<html" not in html(editing)
    assert 'value="Spring campaign"' in html(editing)

    response = alice_browser.post(url, {"name": "  Summer   campaign "}, headers=HTMX)
    assert response.status_code == 200
    text = html(response)
    assert 'id="project-header"' in text and "<html" not in text
    assert re.search(r'data-testid="project-title">Summer campaign</h1>', text)
    assert toast(response) == {"message": "Renamed to “Summer campaign”.", "level": "success"}
    project.refresh_from_db()
    assert project.name == "Summer campaign"


def test_a_bad_rename_keeps_the_form_open_with_the_error(alice_browser, project):
    response = alice_browser.post(f"/projects/{project.pk}/rename/", {"name": "   "}, headers=HTMX)
    assert response.status_code == 200
    assert shown(response, "rename-input") == 1
    assert "field-error" in html(response)
    project.refresh_from_db()
    assert project.name == "Spring campaign"


def test_rename_without_javascript_is_a_page_and_a_redirect(alice_browser, project):
    url = f"/projects/{project.pk}/rename/"
    assert shown(alice_browser.get(url), "rename-page-form") == 1
    response = alice_browser.post(url, {"name": "Autumn"})
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    bad = alice_browser.post(url, {"name": "x" * 201})
    assert bad.status_code == 422
    project.refresh_from_db()
    assert project.name == "Autumn"


def test_settings_save_description_notes_tags_and_generation_defaults(alice_browser, project):
    project.settings = {"model": "offline/studio-v1", "parameters": {"resolution": "2", "aspect_ratio": "1:1"}}
    project.save()
    url = f"/projects/{project.pk}/settings/"
    form = alice_browser.get(url)
    assert form.status_code == 200
    assert 'value="offline/studio-v1" selected' in html(form)
    assert shown(form, "settings-is-template") == 1  # Alice is the admin of her personal workspace

    response = alice_browser.post(
        url,
        {
            "description": "New brief",
            "notes": "- shoot at dusk",
            "category": "Print",
            "tags": "Poster, A3",
            "model": "offline/studio-v1",
            "aspect_ratio": "3:4",
            "num_images": "2",
            "style": "",
            "negative_prompt": "text, watermark",
            "is_template": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    project.refresh_from_db()
    assert (project.description, project.notes, project.category) == ("New brief", "- shoot at dusk", "Print")
    assert project.tags == ["poster", "a3"]
    assert project.settings == {
        "model": "offline/studio-v1",
        "parameters": {"resolution": "2", "aspect_ratio": "3:4", "num_images": 2, "negative_prompt": "text, watermark"},
    }
    assert project.is_template is True


def test_a_settings_error_names_the_field_and_keeps_every_input(alice_browser, project):
    url = f"/projects/{project.pk}/settings/"
    tags = ", ".join(f"tag{i}" for i in range(21))
    response = alice_browser.post(url, {"description": "Typed brief", "notes": "My notes", "tags": tags})
    assert response.status_code == 422
    text = html(response)
    assert re.search(r'id="id_tags_error".*?A project has at most 20 tags\.', text, re.S)
    assert "Typed brief</textarea>" in text and "My notes</textarea>" in text and f'value="{tags}"' in text
    bad_model = alice_browser.post(url, {"model": "no/such-model"})
    assert bad_model.status_code == 422
    assert 'id="id_model_error"' in html(bad_model)
    project.refresh_from_db()
    assert (project.description, project.notes, project.tags) == ("Posters for spring", "", [])


def test_archive_and_unarchive(alice_browser, project):
    url = f"/projects/{project.pk}/archive/"
    response = alice_browser.post(url, {"archived": "1"}, follow=True)
    project.refresh_from_db()
    assert project.is_archived is True
    assert shown(response, "archived-alert") == 1
    assert "Archived “Spring campaign”." in html(response)
    assert "Spring campaign" not in html(alice_browser.get("/projects/"))

    alice_browser.post(url, {"archived": "0"})
    project.refresh_from_db()
    assert project.is_archived is False


@pytest.mark.parametrize(("with_images", "copied"), [(True, 2), (False, 0)])
def test_duplicate_with_or_without_images(alice, alice_browser, project, with_images, copied):
    make_image(user=alice, project=project)
    make_image(user=alice, project=project)
    data = {"with_images": "on"} if with_images else {}
    response = alice_browser.post(f"/projects/{project.pk}/duplicate/", data)
    copy = Project.objects.get(name="Copy of Spring campaign")
    assert response.status_code == 302 and response["Location"] == f"/projects/{copy.pk}/"
    assert Image.objects.alive().filter(project=copy).count() == copied
    assert Image.objects.alive().filter(project=project).count() == 2
    assert copy.description == "Posters for spring"


@pytest.mark.parametrize(("images", "trashed", "in_gallery"), [("trash", 2, 0), ("keep", 0, 2)])
def test_delete_sends_images_to_the_trash_or_keeps_them(alice, alice_browser, project, images, trashed, in_gallery):
    kept = [make_image(user=alice, project=project).pk for _ in range(2)]
    response = alice_browser.post(f"/projects/{project.pk}/delete/", {"images": images}, follow=True)
    assert response.redirect_chain[-1][0] == "/projects/"
    assert "Deleted “Spring campaign”; 2 images" in html(response)
    assert not Project.objects.filter(pk=project.pk).exists()
    rows = Image.objects.filter(pk__in=kept)
    assert rows.filter(deleted_at__isnull=False).count() == trashed
    assert rows.filter(deleted_at__isnull=True, project__isnull=True).count() == in_gallery


def test_delete_without_a_choice_deletes_nothing(alice_browser, project):
    response = alice_browser.post(f"/projects/{project.pk}/delete/", {}, follow=True)
    assert "Nothing was deleted" in html(response)
    assert Project.objects.filter(pk=project.pk).exists()


def test_add_images_lists_your_other_images_and_moves_the_chosen_ones(alice, bob, alice_browser, project):
    loose = make_image(user=alice, prompt="loose image")
    elsewhere_project = make_project(user=alice, name="Elsewhere")
    elsewhere = make_image(user=alice, project=elsewhere_project, prompt="elsewhere image")
    inside = make_image(user=alice, project=project, prompt="inside image")
    make_image(user=bob, prompt="bob image")

    url = f"/projects/{project.pk}/images/add/"
    page = alice_browser.get(url)
    text = html(page)
    assert shown(page, "image-choice") == 2
    assert f'value="{loose.pk}"' in text and f'value="{elsewhere.pk}"' in text
    assert f'value="{inside.pk}"' not in text
    assert "In Elsewhere" in text

    response = alice_browser.post(url, {"image_ids": [str(loose.pk), str(elsewhere.pk)]}, follow=True)
    assert "Added 2 images to “Spring campaign”." in html(response)
    assert set(Image.objects.filter(project=project).values_list("pk", flat=True)) == {
        loose.pk,
        elsewhere.pk,
        inside.pk,
    }


def test_add_images_refuses_nothing_chosen_and_strangers_images(alice_browser, bob, project):
    url = f"/projects/{project.pk}/images/add/"
    empty = alice_browser.post(url, {})
    assert empty.status_code == 422
    assert "Choose at least one image." in html(empty)
    bobs = make_image(user=bob)
    assert alice_browser.post(url, {"image_ids": [str(bobs.pk)]}).status_code == 404
    assert alice_browser.post(url, {"image_ids": ["not-an-id"]}).status_code == 422
    bobs.refresh_from_db()
    assert bobs.project_id is None


def test_remove_an_image_from_the_project_with_htmx(alice, alice_browser, project):
    image = make_image(user=alice, project=project)
    project.cover_image = image
    project.save()
    response = alice_browser.post(f"/projects/{project.pk}/images/{image.pk}/remove/", headers=HTMX)
    assert response.status_code == 200
    text = html(response)
    assert 'hx-swap-oob="outerHTML"' in text and shown(response, "project-cover-placeholder") == 1
    assert toast(response)["message"].startswith("Removed from the project")
    image.refresh_from_db()
    project.refresh_from_db()
    assert image.project_id is None and image.deleted_at is None
    assert project.cover_image_id is None


def test_remove_without_javascript_and_an_image_from_elsewhere(alice, alice_browser, project):
    image = make_image(user=alice, project=project)
    response = alice_browser.post(f"/projects/{project.pk}/images/{image.pk}/remove/")
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.project_id is None
    other = make_image(user=alice, project=make_project(user=alice, name="Other"))
    refused = alice_browser.post(f"/projects/{project.pk}/images/{other.pk}/remove/", headers=HTMX)
    assert refused["HX-Reswap"] == "none"
    assert toast(refused) == {"message": "That image is not in this project.", "level": "error"}
    other.refresh_from_db()
    assert other.project.name == "Other"


def test_set_the_cover_with_htmx_returns_the_header(alice, alice_browser, project):
    image = make_image(user=alice, project=project)
    response = alice_browser.post(f"/projects/{project.pk}/images/{image.pk}/cover/", headers=HTMX)
    assert response.status_code == 200
    assert re.search(rf'<img src="/images/{image.pk}/file"[^>]*data-testid="project-cover"', html(response))
    assert toast(response) == {"message": "Cover image updated.", "level": "success"}
    project.refresh_from_db()
    assert project.cover_image_id == image.pk

    loose = make_image(user=alice)
    refused = alice_browser.post(f"/projects/{project.pk}/images/{loose.pk}/cover/")
    assert refused.status_code == 302
    project.refresh_from_db()
    assert project.cover_image_id == image.pk


def test_export_streams_a_zip_of_the_project(alice, alice_browser, project):
    make_image(user=alice, project=project, prompt="first poster")
    make_image(user=alice, project=project, prompt="second poster")
    response = alice_browser.get(f"/projects/{project.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert re.fullmatch(r'attachment; filename="spring-campaign-\d{4}-\d\d-\d\d\.zip"', response["Content-Disposition"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len([n for n in names if n.startswith("images/")]) == 2
    assert {"metadata.json", "metadata.csv", "prompts.txt"} <= set(names)
    assert json.loads(archive.read("metadata.json"))["project"]["name"] == "Spring campaign"


# -- queries ---------------------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), html(response)


def test_the_list_runs_the_same_queries_for_2_and_10_projects(alice, alice_browser):
    counts = []
    for total in (2, 10):
        while Project.objects.count() < total:
            made = make_project(user=alice, name=f"Counted {Project.objects.count()}", tags=["a"])
            made.cover_image = make_image(user=alice, project=made)
            made.save()
        n, text = count_queries(alice_browser, "/projects/")
        assert text.count('data-testid="project-card"') == total
        assert text.count('data-testid="project-cover"') == total
        counts.append(n)
    assert counts[0] == counts[1]


def test_the_project_page_runs_the_same_queries_for_2_and_10_images(alice, alice_browser, project):
    counts = []
    for total in (2, 10):
        while Image.objects.filter(project=project).count() < total:
            make_image(user=alice, project=project)
        n, text = count_queries(alice_browser, f"/projects/{project.pk}/")
        assert text.count('data-testid="project-image"') == total
        counts.append(n)
    assert counts[0] == counts[1]


def test_a_trashed_cover_falls_back_to_the_placeholder(alice, alice_browser, project):
    image = make_image(user=alice, project=project)
    project.cover_image = image
    project.save()
    Image.objects.filter(pk=image.pk).update(deleted_at=timezone.now())
    page = alice_browser.get(f"/projects/{project.pk}/")
    assert shown(page, "project-cover") == 0 and shown(page, "project-cover-placeholder") == 1
    listing = alice_browser.get("/projects/")
    assert shown(listing, "project-cover") == 0 and shown(listing, "project-cover-placeholder") == 1


def test_only_admins_see_the_share_button(alice, bob, catalog):
    from django.test import Client

    from imagestudio.workspaces.models import Role
    from imagestudio.workspaces.services import create_team, set_member
    from tests.factories import make_project

    team = create_team(alice, "Team")
    set_member(team, bob, Role.EDITOR)
    project = make_project(user=alice, name="Shared", workspace=team)
    admin, editor = Client(), Client()
    admin.force_login(alice)
    editor.force_login(bob)
    assert f'href="/shares/?project={project.pk}"' in admin.get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="project-share"' not in editor.get(f"/projects/{project.pk}/").content.decode()


# -- moving images: drop targets and selectable tiles ------------------------------------------------


def drop_targets(response) -> list[str]:
    """Project ids the sidebar offers as drop targets, in order."""
    text = html(response)
    sidebar = text[text.index('id="sidebar"') : text.index("</aside>")]
    return re.findall(r'data-drop-project="([0-9a-f-]{36})"', sidebar)


def test_the_sidebar_offers_the_current_workspaces_projects_as_drop_targets(alice, alice_browser, team):
    older = make_project(user=alice, name="Older")
    newer = make_project(user=alice, name="Newer")
    make_project(user=alice, name="Shelved", is_archived=True)
    make_project(user=alice, name="A template", is_template=True)
    team_only = make_project(user=alice, name="Team posters", workspace=team)
    Project.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timezone.timedelta(days=1))

    assert drop_targets(alice_browser.get("/images/")) == [str(newer.pk), str(older.pk)]
    work_in(alice_browser, team)
    assert drop_targets(alice_browser.get("/images/")) == [str(team_only.pk)]


def test_a_viewer_gets_no_drop_targets_and_cannot_select_in_a_project(bob, team, team_project):
    make_image(user=team_project.user, project=team_project)
    viewer = Client()
    viewer.force_login(bob)
    work_in(viewer, team)
    response = viewer.get(f"/projects/{team_project.pk}/")
    assert response.status_code == 200
    assert drop_targets(response) == []
    assert "data-selectable" not in main_html(response)
    assert 'id="selection-bar"' not in html(response)


def test_an_editor_can_select_and_drag_the_images_of_a_project(alice, alice_browser, project):
    image = make_image(user=alice, project=project)
    response = alice_browser.get(f"/projects/{project.pk}/")
    text = main_html(response)
    assert f'data-current-project="{project.pk}"' in text
    assert f'data-drag-image="{image.pk}"' in text
    assert 'id="selection-bar"' in html(response)
    assert drop_targets(response) == [str(project.pk)]


def test_gallery_tiles_are_selectable_with_the_move_menu_listing_the_targets(alice, alice_browser, project):
    image = make_image(user=alice)
    text = html(alice_browser.get("/images/"))
    assert f'data-drag-image="{image.pk}"' in text
    menu = text[
        text.index('data-testid="selection-move"') : text.index("</select>", text.index('data-testid="selection-move"'))
    ]
    assert re.findall(r'<option value="([0-9a-f-]{36})"', menu) == [str(project.pk)]
