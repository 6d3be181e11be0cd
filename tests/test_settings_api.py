"""GET/PUT /api/settings and /api/settings/defaults: round trips, every validation error by field, the
catalog check of the default model and parameters."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from imagestudio.catalog.models import AIModel
from imagestudio.preferences.models import UserSettings
from imagestudio.preferences.services import SETTING_KEYS

pytestmark = pytest.mark.django_db
MODEL_FIELDS = {"theme", "gallery_view_mode", "notifications_enabled", "default_model_id", "default_parameters"}


def put(client: Client, path: str, body) -> tuple[int, dict]:
    response = client.put(path, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_get_answers_every_setting_with_defaults(alice_api):
    response = alice_api.get("/api/settings")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == MODEL_FIELDS | set(SETTING_KEYS) | {"updated_at"}
    assert body["theme"] == "auto" and body["gallery_view_mode"] == "grid" and body["notifications_enabled"] is True
    assert body["default_model_id"] == "" and body["default_parameters"] == {}
    assert body["accent_color"] == "" and body["language"] == "" and body["timezone"] == ""
    assert body["shortcuts"] == {} and body["autosave"] is True and body["retention_days"] is None


def test_put_changes_only_what_it_is_given_and_answers_everything(alice_api, alice):
    status, body = put(
        alice_api,
        "/api/settings",
        {"theme": "custom", "accent_color": "#FF8800", "language": "de", "timezone": "Asia/Tokyo"},
    )
    assert status == 200
    assert body["theme"] == "custom" and body["accent_color"] == "#ff8800"
    assert body["language"] == "de" and body["timezone"] == "Asia/Tokyo"
    assert body["gallery_view_mode"] == "grid" and body["autosave"] is True  # untouched
    status, body = put(alice_api, "/api/settings", {"gallery_view_mode": "list", "retention_days": 30})
    assert status == 200 and body["gallery_view_mode"] == "list" and body["retention_days"] == 30
    assert body["theme"] == "custom"  # kept from the first call
    row = UserSettings.objects.get(user=alice)
    assert row.gallery_view_mode == "list" and row.settings["timezone"] == "Asia/Tokyo"
    assert alice_api.get("/api/settings").json() == body


def test_the_session_works_too(alice_browser):
    status, body = put(alice_browser, "/api/settings", {"theme": "dark"})
    assert status == 200 and body["theme"] == "dark"


def test_signed_out_is_401():
    assert Client().get("/api/settings").status_code == 401
    assert Client().get("/api/settings/defaults").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"theme": "purple"}, "theme"),
        ({"theme": None}, "theme"),
        ({"gallery_view_mode": "carousel"}, "gallery_view_mode"),
        ({"notifications_enabled": "yes"}, "notifications_enabled"),
        ({"accent_color": "red"}, "accent_color"),
        ({"accent_color": "#12345"}, "accent_color"),
        ({"language": "fr"}, "language"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"shortcuts": ["g"]}, "shortcuts"),
        ({"shortcuts": {"explode": "x"}}, "shortcuts"),
        ({"shortcuts": {"search": "ab"}}, "shortcuts"),
        ({"shortcuts": {"search": "g"}}, "shortcuts"),  # clashes with Generate's default
        ({"shortcuts": {"search": "k", "help": "k"}}, "shortcuts"),
        ({"autosave": 1}, "autosave"),
        ({"last_generation": {"prompt": "x"}}, "last_generation"),
        ({"last_generation": {"model_id": "offline/studio-v1", "parameters": "fast"}}, "last_generation"),
        ({"notifications": {"spam": {"email": True}}}, "notifications"),
        ({"privacy": {"public_profile": "yes"}}, "privacy"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": 4000}, "retention_days"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"default_model_id": "no/such-model"}, "default_model_id"),
        ({"default_parameters": {"guidance_scale": 99}}, "default_parameters.guidance_scale"),
    ],
)
def test_put_refuses_a_bad_value_naming_its_field_and_stores_nothing(alice_api, alice, body, field):
    put(alice_api, "/api/settings", {"language": "en"})
    before = alice_api.get("/api/settings").json()
    status, answer = put(alice_api, "/api/settings", {**body, "theme": body.get("theme", "dark")})
    assert status == 422
    assert answer["field"] == field and answer["detail"]
    assert alice_api.get("/api/settings").json() == before


def test_shortcuts_keep_only_what_differs_from_the_defaults(alice_api):
    status, body = put(alice_api, "/api/settings", {"shortcuts": {"search": "s", "generate": "g"}})
    assert status == 200 and body["shortcuts"] == {"search": "s"}
    # Moving two keys at once: "/" freed by search can go to help.
    status, body = put(alice_api, "/api/settings", {"shortcuts": {"search": "s", "help": "/"}})
    assert status == 200 and body["shortcuts"] == {"search": "s", "help": "/"}


def test_defaults_round_trip(alice_api, alice):
    response = alice_api.get("/api/settings/defaults")
    assert response.status_code == 200
    body = response.json()
    assert body["default_model_id"] == "" and body["default_parameters"] == {}
    assert body["model_name"] == AIModel.objects.get(endpoint_id="offline/studio-v1").display_name
    status, body = put(
        alice_api,
        "/api/settings/defaults",
        {
            "default_model_id": "offline/studio-turbo",
            "default_parameters": {"num_inference_steps": "8", "guidance_scale": 4.5, "aspect_ratio": "16:9"},
        },
    )
    assert status == 200
    assert body["default_model_id"] == "offline/studio-turbo"
    assert body["default_parameters"] == {"num_inference_steps": 8, "guidance_scale": 4.5, "aspect_ratio": "16:9"}
    assert body["capabilities"] == ["text-to-image"] and body["cost_per_image"] == 0
    assert alice_api.get("/api/settings/defaults").json() == body
    assert alice_api.get("/api/settings").json()["default_model_id"] == "offline/studio-turbo"


def test_defaults_parameters_alone_are_checked_against_the_stored_model(alice_api):
    put(alice_api, "/api/settings/defaults", {"default_model_id": "offline/studio-turbo"})
    # 20 steps fit studio-v1 (max 50) but not turbo (max 12).
    status, body = put(alice_api, "/api/settings/defaults", {"default_parameters": {"num_inference_steps": 20}})
    assert status == 422 and body["field"] == "default_parameters.num_inference_steps"
    assert "at most 12" in body["detail"]


def test_a_model_alone_is_checked_against_the_stored_parameters(alice_api):
    put(alice_api, "/api/settings/defaults", {"default_parameters": {"num_inference_steps": 40}})
    status, body = put(alice_api, "/api/settings/defaults", {"default_model_id": "offline/studio-turbo"})
    assert status == 422 and body["field"] == "default_parameters.num_inference_steps"
    assert alice_api.get("/api/settings/defaults").json()["default_model_id"] == ""


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"default_model_id": "no/such-model"}, "default_model_id", "No model"),
        ({"default_model_id": "offline/studio-upscale"}, "default_model_id", "does not draw images from text"),
        ({"default_model_id": "fal-ai/flux/dev"}, "default_model_id", "not available"),
        ({"default_model_id": 7}, "default_model_id", "model id"),
        ({"default_parameters": "fast"}, "default_parameters", "object"),
        ({"default_parameters": {"strength": 0.5}}, "default_parameters.strength", "no parameter"),
        ({"default_parameters": {"prompt": "a cat"}}, "default_parameters.prompt", "no parameter"),
        ({"default_parameters": {"guidance_scale": 21}}, "default_parameters.guidance_scale", "at most 20"),
        ({"default_parameters": {"num_images": 9}}, "default_parameters.num_images", "at most 4"),
        ({"default_parameters": {"aspect_ratio": "5:4"}}, "default_parameters.aspect_ratio", "Unknown aspect"),
        ({"default_parameters": {"style": "sepia"}}, "default_parameters.style", "Unknown style"),
        ({"default_parameters": {"negative_prompt": "x" * 2001}}, "default_parameters.negative_prompt", "2000"),
    ],
)
def test_defaults_are_checked_against_the_catalog(alice_api, body, field, says):
    status, answer = put(alice_api, "/api/settings/defaults", body)
    assert status == 422
    assert answer["field"] == field
    assert says in answer["detail"]


def test_a_switched_off_model_is_refused_and_no_longer_used(alice_api, alice):
    put(alice_api, "/api/settings/defaults", {"default_model_id": "offline/studio-turbo"})
    AIModel.objects.filter(endpoint_id="offline/studio-turbo").update(is_active=False)
    status, body = put(alice_api, "/api/settings/defaults", {"default_model_id": "offline/studio-turbo"})
    assert status == 422 and body["field"] == "default_model_id"
    # The stored choice stays readable, but the generate page starts from the studio's default.
    defaults = alice_api.get("/api/settings/defaults").json()
    assert defaults["default_model_id"] == "offline/studio-turbo"
    assert defaults["model_name"] == AIModel.objects.get(endpoint_id="offline/studio-v1").display_name


def test_the_routes_are_documented_with_their_errors(alice_api):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/settings"]) == {"get", "put"}
    assert set(paths["/api/settings/defaults"]) == {"get", "put"}
    for path in ("/api/settings", "/api/settings/defaults"):
        assert {"200", "401", "422"} <= set(paths[path]["put"]["responses"])
