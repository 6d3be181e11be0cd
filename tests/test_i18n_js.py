"""The text our scripts show is translated through Django's JavaScript catalog: /jsi18n/ serves the djangojs
catalogs (German for a German visitor, nothing to translate for an English one), every page loads it with its
CSP nonce before the studio's scripts, the catalogs hold exactly the strings the scripts mark, and no toast is
shown with unmarked text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from imagestudio.preferences.services import update_settings
from tests.test_i18n_catalogs import _entries

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent / "imagestudio"
# Our scripts: the shared ones and an app's own (static/<app>/*.js); not the built copies in dist or vendor files.
SOURCES = sorted(ROOT.glob("web/static/src/js/*.js")) + sorted(ROOT.glob("*/static/*/*.js"))
JS_CATALOGS = sorted(ROOT.glob("**/locale/de/LC_MESSAGES/djangojs.po"))
# A marked string: gettext("…") / gettext_noop("…"), or both forms of ngettext("…", "…", n).
_LITERAL = r'"((?:[^"\\\n]|\\.)*)"'
_MARKED = re.compile(rf"\b(?:gettext|gettext_noop)\(\s*{_LITERAL}\s*\)")
_MARKED_PLURAL = re.compile(rf"\bngettext\(\s*{_LITERAL}\s*,\s*{_LITERAL}\s*,")
# A toast (or the undo toast, or the board's status line) given a string literal instead of translated text.
_UNWRAPPED_TOAST = re.compile(r"\b(?:toast|studioToast|undoToast|say)\(\s*[\"'`][^\"'`]")


def _catalog(response) -> dict[str, str | list[str]]:
    """The translations a /jsi18n/ answer defines (the JSON object the script merges into django.catalog)."""
    match = re.search(r"const newcatalog = (\{.*?\});\n", response.content.decode(), re.S)
    return json.loads(match.group(1)) if match else {}


def _source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)


def test_the_catalog_is_german_for_a_german_visitor(client):
    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    catalog = _catalog(response)
    assert catalog["Expand sidebar"] == "Seitenleiste ausklappen"
    assert catalog["Undo"] == "Rückgängig"
    assert catalog["Moved %(count)s image to the trash."] == [
        "%(count)s Bild in den Papierkorb verschoben.",
        "%(count)s Bilder in den Papierkorb verschoben.",
    ]
    assert catalog["Order saved"] == "Reihenfolge gespeichert"  # an app's own script (collections/board.js)
    assert "function gettext" in response.content.decode() or "django.gettext" in response.content.decode()


def test_the_catalog_is_cached_per_language(client):
    german = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="de")
    english = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="en")

    assert "max-age=3600" in german["Cache-Control"]
    assert _catalog(german)["Undo"] == "Rückgängig"
    assert _catalog(english) == {}  # English needs no catalog: the German one was not served from the cache


def test_the_catalog_leaves_out_the_admins_strings(client):
    catalog = _catalog(client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="de"))
    ours = {str(entry["msgid"]) for po in JS_CATALOGS for entry in _entries(po) if entry["msgid"]}

    assert set(catalog) == ours


@pytest.mark.parametrize("po", JS_CATALOGS, ids=lambda po: str(po.relative_to(ROOT.parent)))
def test_every_catalog_string_is_still_in_a_script(po):
    marked = _marked_strings()
    stale = [str(entry["msgid"]) for entry in _entries(po) if entry["msgid"] and str(entry["msgid"]) not in marked]

    assert stale == [], f"{po.name} has strings no script marks any more (run `make messages`): {stale[:5]}"


def test_every_marked_string_is_in_a_catalog():
    catalogued = {
        str(entry.get(key, "")) for po in JS_CATALOGS for entry in _entries(po) for key in ("msgid", "msgid_plural")
    }
    missing = sorted(_marked_strings() - catalogued)

    assert missing == [], f"run `make messages` and translate: {missing[:5]}"


def _marked_strings() -> set[str]:
    text = _source_text()
    found = {json.loads(f'"{literal}"') for literal in _MARKED.findall(text)}
    for singular, plural in _MARKED_PLURAL.findall(text):
        found |= {json.loads(f'"{singular}"'), json.loads(f'"{plural}"')}
    return found


def test_the_marked_strings_are_found():
    marked = _marked_strings()

    assert "Expand sidebar" in marked  # gettext
    assert "Moved %(count)s images to the trash." in marked  # ngettext's plural
    assert "Previous / next image" in marked  # gettext_noop (the lightbox's help rows)


def test_no_toast_shows_an_unmarked_string():
    unwrapped = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SOURCES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _UNWRAPPED_TOAST.search(line)
    ]

    assert unwrapped == []


def test_the_toast_check_catches_a_literal():
    assert _UNWRAPPED_TOAST.search('toast("Move undone.", "success");')
    assert _UNWRAPPED_TOAST.search("undoToast(`Moved ${n} images.`, undo);")
    assert not _UNWRAPPED_TOAST.search('toast(gettext("Move undone."), "success");')


def _csp_nonce(response) -> str:
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    return re.search(r"'nonce-([^']+)'", script_src).group(1)


def test_every_page_loads_the_catalog_with_its_nonce_before_the_scripts(client):
    response = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    nonce = _csp_nonce(response)

    tag = re.search(r'<script src="/jsi18n/\?l=de" nonce="([^"]+)"[^>]*\bdefer\b[^>]*></script>', html)
    assert tag is not None
    assert tag.group(1) == nonce
    assert html.index("/jsi18n/") < html.index("dist/js/app.js")


def test_a_page_script_runs_after_the_catalog(alice_browser):
    response = alice_browser.get(reverse("generate"))
    html = response.content.decode()

    _csp_nonce(response)
    assert html.index("/jsi18n/?l=en") < html.index("dist/js/refine.js") < html.index("</head>")


def test_a_users_saved_language_picks_the_catalog_and_its_url(alice, alice_browser):
    english = alice_browser.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="en")  # cached in English
    assert _catalog(english) == {}
    update_settings(user=alice, changes={"language": "de"})

    page = alice_browser.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    catalog = _catalog(alice_browser.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="en"))

    assert "/jsi18n/?l=de" in page  # so a browser's cached English catalog is not reused
    assert catalog["Undo"] == "Rückgängig"
