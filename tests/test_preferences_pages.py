"""Settings › Preferences and › Models: saving, errors that keep what was typed, and the choices really
applied: theme and accent on <html>, the language over the browser's, dates in the chosen time zone, the
user's shortcut keys on every page, the gallery view (and its move out of User.preferences)."""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as global_apps
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from imagestudio.catalog.models import AIModel
from imagestudio.preferences import defaults, services
from imagestudio.preferences.models import UserSettings
from tests.factories import make_image, make_user

pytestmark = pytest.mark.django_db
FORM = {
    "theme": "dark",
    "accent_color": "#7c3aed",
    "gallery_view_mode": "grid",
    "language": "",
    "timezone": "",
    "shortcut_search": "/",
    "shortcut_generate": "g",
    "shortcut_help": "?",
}


def html_tag(html: str) -> str:
    found = re.search(r"<html[^>]*>", html)
    assert found is not None
    return found.group(0)


def row(user) -> UserSettings:
    return UserSettings.objects.get(user=user)


def test_both_tabs_render_inside_the_settings_frame(alice_browser):
    for slug, testid in (("preferences", "preferences-form"), ("models", "defaults-form")):
        response = alice_browser.get(f"/settings/{slug}/")
        html = response.content.decode()
        assert response.status_code == 200
        assert f'data-testid="{testid}"' in html
        assert re.search(rf'data-testid="settings-tab-{slug}"', html)
        assert 'aria-current="page" data-testid="settings-tab-' + slug in html


def test_signed_out_visitors_are_sent_to_sign_in():
    for slug in ("preferences", "models"):
        response = Client().get(f"/settings/{slug}/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_saving_preferences_stores_them(alice_browser, alice):
    form = {**FORM, "theme": "custom", "accent_color": "#FF8800", "gallery_view_mode": "list"}
    form |= {"language": "de", "timezone": "America/New_York", "shortcut_search": "s"}
    response = alice_browser.post("/settings/preferences/", form)
    assert response.status_code == 302 and response["Location"] == "/settings/preferences/"
    saved = row(alice)
    assert saved.theme == "custom" and saved.gallery_view_mode == "list"
    assert saved.settings["accent_color"] == "#ff8800" and saved.settings["language"] == "de"
    assert saved.settings["timezone"] == "America/New_York" and saved.settings["shortcuts"] == {"search": "s"}
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "de"


def test_the_saved_theme_is_on_html_for_theme_js(alice_browser, alice):
    alice_browser.post("/settings/preferences/", FORM)
    tag = html_tag(alice_browser.get("/dashboard/").content.decode())
    assert 'data-theme-saved="dark"' in tag and 'data-theme-save="/api/settings"' in tag
    assert "data-accent" not in tag  # the accent belongs to the custom theme only


def test_a_custom_accent_overrides_the_primary_colour_scale(alice_browser, alice):
    alice_browser.post("/settings/preferences/", {**FORM, "theme": "custom", "accent_color": "#0ea5e9"})
    tag = html_tag(alice_browser.get("/dashboard/").content.decode())
    assert 'data-theme-saved="custom"' in tag
    assert 'data-accent="#0ea5e9" style="--user-accent: #0ea5e9"' in tag


def test_visitors_get_no_saved_theme():
    tag = html_tag(Client().get("/").content.decode())
    assert "data-theme-saved" not in tag and "data-accent" not in tag


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"accent_color": "orange"}, "accent_color", "Use a colour like #7c3aed."),
        ({"theme": "custom", "accent_color": ""}, "accent_color", "Pick an accent colour for the custom theme."),
        ({"theme": "sepia"}, "theme", "Select a valid choice."),
        ({"language": "fr"}, "language", "Select a valid choice."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice."),
        ({"shortcut_search": "g"}, "shortcut_search", "“g” is also the key for: Go to Generate."),
        ({"shortcut_search": "g"}, "shortcut_generate", "“g” is also the key for: Focus search."),
        ({"shortcut_help": "/"}, "shortcut_help", "“/” is also the key for: Focus search."),
        ({"shortcut_generate": "é"}, "shortcut_generate", "Use one letter, digit or punctuation key."),
        ({"shortcut_generate": "ab"}, "shortcut_generate", "at most 1 character"),
        ({"shortcut_generate": ""}, "shortcut_generate", "This field is required."),
    ],
)
def test_a_bad_preference_is_refused_with_its_message_and_keeps_the_form(alice_browser, alice, change, field, message):
    response = alice_browser.post("/settings/preferences/", {**FORM, "gallery_view_mode": "list", **change})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="preferences-errors"' in html
    error = re.search(rf'id="id_{field}_error"[^>]*>.*?<span>(.*?)</span>', html, re.S)
    assert error is not None and message in error.group(1)
    assert 'value="list" checked' in html  # what was chosen elsewhere is still there
    assert not UserSettings.objects.filter(user=alice).exclude(settings={}).exists()


def test_the_saved_language_wins_over_the_browsers(alice_browser, alice):
    german_browser = {"Accept-Language": "de-DE,de;q=0.9"}
    assert html_tag(Client().get("/", headers=german_browser).content.decode()).startswith('<html lang="de"')
    assert html_tag(alice_browser.get("/dashboard/", headers=german_browser).content.decode()).startswith(
        '<html lang="de"'
    )
    services.update_settings(user=alice, changes={"language": "en"})
    response = alice_browser.get("/dashboard/", headers=german_browser)
    assert html_tag(response.content.decode()).startswith('<html lang="en"')
    assert response["Content-Language"] == "en"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_saved_german_beats_an_english_browser(alice_browser, alice):
    services.update_settings(user=alice, changes={"language": "de"})
    response = alice_browser.get("/dashboard/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert html_tag(response.content.decode()).startswith('<html lang="de"')
    assert response["Content-Language"] == "de"


def test_another_users_language_does_not_leak_to_visitors(alice_browser, alice):
    services.update_settings(user=alice, changes={"language": "de"})
    alice_browser.get("/dashboard/")
    response = Client().get("/", headers={"Accept-Language": "en"})
    assert html_tag(response.content.decode()).startswith('<html lang="en"')


def test_dates_render_in_the_chosen_time_zone(alice_browser, alice):
    services.update_settings(user=alice, changes={"timezone": "Asia/Tokyo"})
    saved = row(alice).updated_at
    html = alice_browser.get("/settings/preferences/").content.decode()
    tokyo = timezone.localtime(saved, ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
    assert f'data-testid="settings-saved-at">{tokyo} JST</time>' in html
    services.update_settings(user=alice, changes={"timezone": ""})
    utc = timezone.localtime(row(alice).updated_at, ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M")
    assert (
        f'data-testid="settings-saved-at">{utc} UTC</time>'
        in alice_browser.get("/settings/preferences/").content.decode()
    )


def test_the_time_zone_choices_are_grouped_by_region(alice_browser):
    html = alice_browser.get("/settings/preferences/").content.decode()
    assert '<optgroup label="Europe">' in html and '<option value="Europe/Berlin">Berlin</option>' in html
    assert '<option value="America/Argentina/Buenos_Aires">Argentina / Buenos Aires</option>' in html


def test_every_page_carries_the_users_shortcut_map(alice_browser, alice):
    alice_browser.post("/settings/preferences/", {**FORM, "shortcut_search": "s", "shortcut_help": "h"})
    html = alice_browser.get("/dashboard/").content.decode()
    script = re.search(r'<script id="shortcut-map" type="application/json">(.*?)</script>', html)
    assert script is not None
    assert json.loads(script.group(1)) == {"search": "s", "generate": "g", "help": "h"}
    # The "?" dialog lists the user's keys.
    assert 'data-testid="shortcut-key-search">s</kbd>' in html
    assert 'data-testid="shortcut-key-help">h</kbd>' in html
    assert 'data-testid="shortcut-key-generate">g</kbd>' in html
    # So do the search box's hint, the sidebar's and the user menu's shortcut entries, and the dashboard's tips.
    assert html.count(">s</kbd>") == 3 and html.count(">h</kbd>") == 4 and html.count(">?</kbd>") == 0


def test_visitors_get_the_default_shortcut_map():
    html = Client().get("/").content.decode()
    script = re.search(r'<script id="shortcut-map" type="application/json">(.*?)</script>', html)
    assert script is not None and json.loads(script.group(1)) == {"search": "/", "generate": "g", "help": "?"}


def test_the_gallery_opens_in_the_saved_view(alice_browser, alice):
    make_image(user=alice)
    services.update_settings(user=alice, changes={"gallery_view_mode": "list"})
    assert 'data-view="list"' in alice_browser.get("/images/").content.decode()
    alice_browser.get("/images/", {"view": "masonry"})
    assert row(alice).gallery_view_mode == "masonry"
    assert alice_browser.get("/settings/preferences/").content.decode().count('value="masonry" checked') == 1


def test_the_migration_moves_remembered_gallery_views(catalog):
    from importlib import import_module

    migration = import_module("imagestudio.preferences.migrations.0002_gallery_view_from_user_preferences")
    listed, masonry, odd, plain = (make_user() for _ in range(4))
    for user, prefs in (
        (listed, {"gallery_view": "list", "x": 1}),
        (masonry, {"gallery_view": "masonry"}),
        (odd, {"gallery_view": "carousel"}),
    ):
        user.preferences = prefs
        user.save(update_fields=["preferences"])
    UserSettings.objects.create(user=masonry, theme="dark")  # an existing row keeps its other settings
    migration.copy_views(global_apps, None)
    assert row(listed).gallery_view_mode == "list"
    assert row(masonry).gallery_view_mode == "masonry" and row(masonry).theme == "dark"
    assert not UserSettings.objects.filter(user__in=[odd, plain]).exists()


def test_the_models_tab_saves_the_defaults(alice_browser, alice):
    form = {
        "model": "offline/studio-turbo",
        "aspect_ratio": "4:3",
        "resolution": "2",
        "num_images": "3",
        "style": "anime",
        "negative_prompt": "text",
        "num_inference_steps": "10",
        "guidance_scale": "3.5",
        "autosave": "on",
    }
    response = alice_browser.post("/settings/models/", form)
    assert response.status_code == 302
    saved = row(alice)
    assert saved.default_model_id == "offline/studio-turbo"
    assert saved.default_parameters == {
        "aspect_ratio": "4:3",
        "resolution": "2",
        "num_images": 3,
        "style": "anime",
        "negative_prompt": "text",
        "num_inference_steps": 10,
        "guidance_scale": 3.5,
    }
    assert services.value(saved, "autosave") is True
    html = alice_browser.get("/settings/models/").content.decode()
    assert re.search(r'<option value="offline/studio-turbo"[^>]*selected', html)
    assert re.search(r'name="num_inference_steps" id="param-num_inference_steps"[^>]*value="10"', html)
    assert 'data-testid="autosave-toggle"' in html and re.search(r'id="id_autosave"[^>]* checked', html)


def test_turning_autosave_off_from_the_models_tab(alice_browser, alice):
    alice_browser.post("/settings/models/", {"model": "", "style": "none", "resolution": "1"})
    assert services.value(row(alice), "autosave") is False
    assert row(alice).default_model_id == ""


def test_the_models_tab_shows_cost_and_capabilities(alice_browser):
    html = alice_browser.get("/settings/models/").content.decode()
    assert html.count('data-testid="model-info"') == defaults.usable_models().count()
    flux = AIModel.objects.get(endpoint_id="fal-ai/flux/dev")
    option = f'<option value="fal-ai/flux/dev" disabled>{flux.display_name} · {flux.cost_per_generation} credits — '
    assert option + "Needs a fal.ai key (FAL_KEY).</option>" in html
    shown = re.search(r'data-model-info="offline/studio-v1"[^>]*>(.*?)</div>', html, re.S)
    assert shown is not None and "Free" in shown.group(1) and "Can do: text-to-image" in shown.group(1)
    assert re.search(r'data-model-info="fal-ai/flux/dev"[^>]* hidden', html)


def test_a_parameter_the_model_cannot_take_is_shown_beside_it(alice_browser, alice):
    form = {"model": "offline/studio-turbo", "style": "none", "resolution": "1", "num_inference_steps": "30"}
    response = alice_browser.post("/settings/models/", form)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Num inference steps must be at most 12 and at least 1." in html
    assert re.search(r'name="num_inference_steps" id="param-num_inference_steps"[^>]*value="30"', html)
    assert row(alice).default_model_id == ""


def test_a_shared_setting_error_lands_on_its_field(alice_browser, alice, monkeypatch):
    # Every shared choice the form offers fits the offline models; a stricter model refuses one.
    monkeypatch.setattr(defaults, "MAX_NEGATIVE_PROMPT", 3)
    form = {"model": "offline/studio-v1", "style": "none", "resolution": "1", "negative_prompt": "blurry"}
    html = alice_browser.post("/settings/models/", form).content.decode()
    error = re.search(r'id="id_negative_prompt_error"[^>]*>.*?<span>(.*?)</span>', html, re.S)
    assert error is not None and "at most 3 characters" in error.group(1)
