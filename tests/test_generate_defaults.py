"""The generate page starts from the user's defaults (Settings › Models), or, with auto-save on, from the
settings of their last generation; explicit query parameters (preset, remix, project, model) still win."""

from __future__ import annotations

import re

import pytest

from imagestudio.catalog.models import AIModel
from imagestudio.generation.models import Preset
from imagestudio.preferences import defaults, services
from imagestudio.preferences.models import UserSettings
from tests.factories import RECORD_TASKS_ONLY, make_image

pytestmark = pytest.mark.django_db
POST = {
    "model": "offline/studio-v1",
    "prompt": "a lighthouse at dusk",
    "aspect_ratio": "3:2",
    "resolution": "1",
    "num_images": 2,
    "style": "noir",
    "negative_prompt": "blurry",
    "num_inference_steps": "33",
    "guidance_scale": "9.5",
}


def selected_model(html: str) -> str:
    select = re.search(r'<select[^>]*data-testid="model-select".*?</select>', html, re.S)
    assert select is not None
    chosen = re.findall(r'<option value="([^"]+)"[^>]*\sselected', select.group(0))
    assert len(chosen) == 1
    return chosen[0]


def panel_value(html: str, name: str) -> str:
    found = re.search(rf'<input type="number" name="{name}" id="param-{name}"[^>]*value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def checked_radio(html: str, name: str) -> str:
    found = re.findall(rf'name="{name}" id="[^"]+" value="([^"]+)" checked', html)
    assert len(found) == 1
    return found[0]


def set_defaults(user, *, autosave: bool = False) -> None:
    defaults.update_settings(
        user=user,
        changes={
            "default_model_id": "offline/studio-turbo",
            "default_parameters": {"num_inference_steps": 8, "aspect_ratio": "16:9", "style": "anime"},
            "autosave": autosave,
        },
    )


def test_with_no_defaults_the_studio_default_model_is_preselected(alice_browser):
    html = alice_browser.get("/generate/").content.decode()
    assert selected_model(html) == "offline/studio-v1"
    assert panel_value(html, "num_inference_steps") == "24"  # the model's own default


def test_the_users_defaults_are_preselected(alice_browser, alice):
    set_defaults(alice)
    html = alice_browser.get("/generate/").content.decode()
    assert selected_model(html) == "offline/studio-turbo"
    assert panel_value(html, "num_inference_steps") == "8"
    assert checked_radio(html, "aspect_ratio") == "16:9"
    assert 'value="anime" selected' in html


def test_a_retired_default_model_falls_back_to_the_studio_default(alice_browser, alice):
    set_defaults(alice)
    AIModel.objects.filter(endpoint_id="offline/studio-turbo").update(is_active=False)
    html = alice_browser.get("/generate/").content.decode()
    assert selected_model(html) == "offline/studio-v1"
    assert panel_value(html, "num_inference_steps") == "24"


def test_autosave_remembers_the_last_generation_and_restores_it(alice_browser, alice, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    set_defaults(alice, autosave=True)
    assert alice_browser.post("/generate/", POST).status_code == 302
    last = services.value(UserSettings.objects.get(user=alice), "last_generation")
    assert last["model_id"] == "offline/studio-v1"
    assert last["parameters"]["num_inference_steps"] == "33" and last["parameters"]["negative_prompt"] == "blurry"
    assert "prompt" not in last["parameters"]
    html = alice_browser.get("/generate/").content.decode()
    assert selected_model(html) == "offline/studio-v1"  # the last generation's, not the default turbo
    assert panel_value(html, "num_inference_steps") == "33"
    assert panel_value(html, "guidance_scale") == "9.5"
    assert checked_radio(html, "aspect_ratio") == "3:2"
    assert checked_radio(html, "num_images") == "2"
    assert 'value="noir" selected' in html and "\nblurry</textarea>" in html
    assert "a lighthouse at dusk</textarea>" not in html  # settings, not the prompt


def test_without_autosave_nothing_is_remembered_and_the_defaults_hold(alice_browser, alice, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    set_defaults(alice, autosave=False)
    assert alice_browser.post("/generate/", POST).status_code == 302
    assert services.value(UserSettings.objects.get(user=alice), "last_generation") == {}
    html = alice_browser.get("/generate/").content.decode()
    assert selected_model(html) == "offline/studio-turbo"
    assert panel_value(html, "num_inference_steps") == "8"


def test_turning_autosave_off_stops_restoring(alice_browser, alice, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    set_defaults(alice, autosave=True)
    alice_browser.post("/generate/", POST)
    services.update_settings(user=alice, changes={"autosave": False})
    assert selected_model(alice_browser.get("/generate/").content.decode()) == "offline/studio-turbo"


def test_a_failed_submission_remembers_nothing(alice_browser, alice):
    set_defaults(alice, autosave=True)
    response = alice_browser.post("/generate/", {**POST, "prompt": ""})
    assert response.status_code == 422
    assert services.value(UserSettings.objects.get(user=alice), "last_generation") == {}


def test_a_preset_wins_over_the_defaults(alice_browser, alice):
    set_defaults(alice, autosave=True)
    preset = Preset.objects.create(
        user=alice,
        name="Noir",
        settings={
            "form": {"model": "offline/studio-v1", "prompt": "x", "style": "noir"},
            "panel": {"guidance_scale": "3"},
        },
    )
    html = alice_browser.get("/generate/", {"preset": preset.pk}).content.decode()
    assert selected_model(html) == "offline/studio-v1"
    assert panel_value(html, "guidance_scale") == "3"
    assert 'value="noir" selected' in html


def test_a_remix_wins_over_the_defaults(alice_browser, alice):
    set_defaults(alice)
    image = make_image(user=alice, prompt="a remixed fox")
    html = alice_browser.get("/generate/", {"remix": image.pk}).content.decode()
    assert selected_model(html) == image.model.endpoint_id
    assert "a remixed fox" in html


def test_an_explicit_model_wins_over_the_defaults(alice_browser, alice):
    set_defaults(alice)
    html = alice_browser.get("/generate/", {"model": "offline/studio-v1"}).content.decode()
    assert panel_value(html, "num_inference_steps") == "24"  # studio-v1's panel with its own defaults
    assert 'data-model="offline/studio-v1"' in html


def test_using_a_library_prompt_keeps_the_defaults(alice_browser, alice):
    set_defaults(alice)
    html = alice_browser.get("/generate/", {"prompt": "a heron"}).content.decode()
    assert selected_model(html) == "offline/studio-turbo"
    assert panel_value(html, "num_inference_steps") == "8"
