"""The German pages have no untranslated strings: each main page, rendered for Accept-Language: de, shows no
UI text that the English page shows too (see tests/i18n_check.py for what counts)."""

from __future__ import annotations

import html
import re
from zoneinfo import available_timezones

import pytest
from django.template import loader
from django.test import Client
from django.urls import reverse
from django.utils import translation

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.styles import STYLE_PRESETS
from imagestudio.collections.services import create_collection
from imagestudio.gallery.models import Image
from imagestudio.preferences.tabs import TABS
from imagestudio.prompts import library
from imagestudio.workspaces.services import personal_workspace
from tests.factories import enqueue_job, make_project
from tests.i18n_check import page_pair, untranslated, visible_texts

pytestmark = pytest.mark.django_db

# What the test seeds: user content, shown as written in every language.
PROMPT = "a teal lighthouse at dusk"
PROJECT = "Harbour posters"
COLLECTION = "Moodboard"
PROMPT_TITLE = "Misty valley"
PROMPT_TEXT = "misty valley at dawn, soft light"
# Prompt suggestions are model input, not UI: models (and the offline engine) read English prompts best.
PROMPT_IDEAS = (
    "Misty mountains at sunrise, pastel sky|A lighthouse on a stormy coast at night|Calm lake under the northern "
    "lights|Desert dunes at golden hour|Cherry blossom valley in spring"
)
USER_CONTENT = [PROMPT, PROJECT, COLLECTION, PROMPT_TITLE, PROMPT_TEXT, PROMPT_IDEAS, "Alice", "alice@example.com"]
# Whole texts that stay as they are: the prompt fragments a style adds (model input, like the ideas above) and
# the time zone picker's place names (the IANA database's English names, as every OS shows them).
STYLE_FRAGMENTS = [text for preset in STYLE_PRESETS.values() for text in (preset.fragment, preset.negative) if text]
PLACES = {" / ".join(zone.split("/")[1:]).replace("_", " ") for zone in available_timezones()}
# Machine values shown as they are: IPTC's source-type code and a raw parameter value in an image's metadata, a
# gallery query example, and a model setting's name in the comparison's sweep picker.
MACHINE_VALUES = ["trainedAlgorithmicMedia", "{'width': 256, 'height': 256}", "favourite=1&tags=portrait", "style"]
# The generate form's quick-add chips show the words they add to the prompt: model input, like the ideas.
QUICK_ADD = re.compile(r'data-quick-add="([^"]*)"')

PUBLIC_PAGES = ["landing", "account_login", "account_signup", "account_reset_password"]
SIGNED_IN_PAGES = [
    "dashboard",
    "generate",
    "image_list",
    "image_detail",
    "project_list",
    "project_detail",
    "collection_list",
    "prompt_library",
    "batch_list",
    "queue",
    "notifications",
    *(f"settings:{slug}" for slug, _label, _icon, _name in TABS),
    # generation, batches, prompts, gallery, collections, projects, sharing, workspaces: their other pages
    "compare_new",
    "batch_new",
    "prompt_new",
    "prompt_public",
    "prompt_history",
    "prompt_import",
    "image_import",
    "image_duplicates",
    "image_storage",
    "image_find_similar",
    "image_iterate",
    "trash",
    "explore",
    "project_new",
    "project_settings",
    "collection_new",
    "collection_detail",
    "share_list",
    "team_new",
]


@pytest.fixture
def studio(alice, run_tasks):
    """Alice's studio with one of everything: an image the offline engine made, a project, a collection, a prompt."""
    with run_tasks():
        enqueue_job(user=alice, prompt=PROMPT)
    workspace = personal_workspace(alice)
    project = make_project(user=alice, name=PROJECT)
    collection = create_collection(workspace=workspace, user=alice, name=COLLECTION)
    library.create_prompt(
        workspace=workspace, user=alice, fields=library.PromptFields(title=PROMPT_TITLE, prompt_text=PROMPT_TEXT)
    )
    client = Client()
    client.force_login(alice)
    image = Image.objects.get(user=alice)
    return client, {
        "image_detail": [image.pk],
        "project_detail": [project.pk],
        "image_find_similar": [image.pk],
        "image_iterate": [image.pk, "inpaint"],
        "project_settings": [project.pk],
        "collection_detail": [collection.pk],
    }


def _path(page: str, args: dict) -> str:
    if page.startswith("settings:"):
        name = next(name for slug, _label, _icon, name in TABS if slug == page.removeprefix("settings:"))
        return reverse(name)
    return reverse(page, args=args.get(page, []))


def _assert_translated(client: Client, path: str) -> None:
    german, english = page_pair(client, path)
    model_names = AIModel.objects.values_list("display_name", flat=True)
    quick_add = [html.unescape(words) for words in QUICK_ADD.findall(german)]
    allowed_texts = [*model_names, *STYLE_FRAGMENTS, *PLACES, *MACHINE_VALUES, *quick_add]
    offenders = untranslated(german, english, allowed_words=USER_CONTENT, allowed_texts=allowed_texts)
    assert offenders == [], f"{path} shows English in German: {offenders}"


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_pages_are_fully_german(catalog, page):
    _assert_translated(Client(), reverse(page))


@pytest.mark.parametrize("page", SIGNED_IN_PAGES)
def test_signed_in_pages_are_fully_german(studio, page):
    client, args = studio
    _assert_translated(client, _path(page, args))


def test_the_checker_reports_english_left_on_a_german_page():
    english = '<p>Create your first image</p><button title="Close dialog">Close</button><p>Harbour posters</p>'
    german = '<p>Erstelle dein erstes Bild</p><button title="Close dialog">Schließen</button><p>Harbour posters</p>'
    assert untranslated(german, english, allowed_words=["Harbour posters"]) == ["Close dialog"]
    assert visible_texts("<script>let a = 'Close'</script><kbd>Ctrl</kbd><p> Hi  there </p>") == ["Hi there"]


def test_a_visitor_switches_the_language_in_the_footer(catalog):
    client = Client()
    landing = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert 'data-testid="language-form"' in landing and 'value="de"' in landing
    response = client.post(reverse("set_language"), {"language": "de", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    login = client.get("/accounts/login/", headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="de"' in login and "Willkommen zurück" in login


def test_the_error_pages_are_fully_german(catalog):
    client = Client()
    missing = [client.get("/no-such-page/", headers={"Accept-Language": code}) for code in ("de", "en")]
    assert [response.status_code for response in missing] == [404, 404]
    german, english = (response.content.decode() for response in missing)
    assert untranslated(german, english) == [] and "Diese Seite haben wir nicht gefunden" in german
    for name in ("400.html", "403.html", "429.html", "500.html"):
        pages = []
        for code in ("de", "en"):
            with translation.override(code):
                pages.append(loader.get_template(name).render({"detail": ""}))
        assert 'lang="de"' in pages[0] and untranslated(*pages) == [], name
