"""The prompt editor's JSON endpoints: GET/POST /api/prompts/analyze (weights, tokens, the family's rules,
422 with the position of a syntax fault) and GET /api/prompts/autocomplete (phrases from your own prompts
only), plus the phrase helpers behind autocomplete."""

from __future__ import annotations

import pytest
from django.test import Client

from imagestudio.prompts.history import complete, count_phrases, split_phrases
from imagestudio.prompts.models import Prompt
from imagestudio.workspaces.services import personal_workspace
from tests.factories import make_job

ANALYZE = "/api/prompts/analyze"
AUTOCOMPLETE = "/api/prompts/autocomplete"
FOX = "a (red fox:1.4) in {snow|rain} <lora:ink:0.6>"

pytestmark = pytest.mark.django_db


# -- analyze ---------------------------------------------------------------------------------------


def test_it_reads_weights_tokens_and_syntax(alice_api):
    response = alice_api.get(ANALYZE, {"text": FOX, "model_id": "fal-ai/fast-sdxl"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["terms"][1] == {"text": "red fox", "weight": 1.4, "start": 3, "end": 10}
    assert [t["text"] for t in body["terms"]] == ["a", "red fox", "in", "snow", "rain"]
    assert body["loras"] == [{"name": "ink", "weight": 0.6, "start": 31, "end": 45}]
    assert (body["alternations"], body["combinations"], body["variables"]) == (1, 2, [])
    assert (body["tokens"], body["token_limit"]) == (5, 77)
    assert body["family"] == "stable-diffusion" and body["tag_style"] is True
    assert body["ignores_weights"] is False and body["notice"] == ""
    assert body["plain_text"] == "a red fox in {snow|rain}"


def test_it_says_when_the_model_ignores_weights(alice_api):
    body = alice_api.get(ANALYZE, {"text": FOX, "model_id": "fal-ai/flux/dev"}).json()
    assert body["ignores_weights"] is True and body["tag_style"] is False
    assert body["notice"] == "FLUX reads plain sentences: weights and LoRA tags are removed when sending."
    assert body["token_limit"] == 512


def test_the_offline_engine_reads_weights_and_has_no_token_limit(alice_api):
    body = alice_api.get(ANALYZE, {"text": "((a))", "model_id": "offline/studio-v1"}).json()
    assert body["ignores_weights"] is False and body["token_limit"] is None
    assert body["terms"] == [{"text": "a", "weight": 1.21, "start": 2, "end": 3}]


def test_it_reads_variables_and_an_empty_prompt(alice_api):
    body = alice_api.get(ANALYZE, {"text": "a {{animal}} in {{place}}"}).json()
    assert body["variables"] == ["animal", "place"]
    empty = alice_api.get(ANALYZE).json()
    assert empty["terms"] == [] and empty["tokens"] == 0


def test_it_answers_422_with_the_position_of_a_fault(alice_api):
    response = alice_api.get(ANALYZE, {"text": "a red fox (in the snow"})
    assert response.status_code == 422
    assert response.json() == {"detail": "Unclosed “(” at position 10.", "field": "text", "position": 10}
    too_long = alice_api.get(ANALYZE, {"text": "x" * 4001}).json()
    assert too_long["position"] == 4000 and "limit is 4000" in too_long["detail"]


def test_it_names_an_unknown_model(alice_api):
    response = alice_api.get(ANALYZE, {"text": "a", "model_id": "nope/nope"})
    assert response.status_code == 422 and response.json()["field"] == "model_id"


def test_long_prompts_can_be_posted(alice_browser):
    text = ", ".join(["(a misty pine forest:1.2)"] * 120)
    response = alice_browser.post(
        ANALYZE, {"text": text, "model_id": "fal-ai/fast-sdxl"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["tokens"] > 77


def test_it_needs_a_signed_in_user(catalog):
    assert Client().get(ANALYZE, {"text": "a"}).status_code == 401
    assert Client().get(AUTOCOMPLETE, {"q": "red"}).status_code == 401


def test_the_page_session_works_too(alice_browser):
    assert alice_browser.get(ANALYZE, {"text": "(a)"}).status_code == 200


# -- autocomplete ----------------------------------------------------------------------------------


def test_it_completes_from_your_own_prompts_most_used_first(alice, alice_api):
    make_job(user=alice, user_prompt="red fox in the snow, golden hour")
    make_job(user=alice, user_prompt="(red panda:1.3), bamboo forest")
    make_job(user=alice, user_prompt="red panda, misty morning")
    body = alice_api.get(AUTOCOMPLETE, {"q": "a portrait, red"}).json()
    assert [(s["text"], s["uses"]) for s in body["suggestions"]] == [("red panda", 2), ("red fox in the snow", 1)]
    assert body["suggestions"][0] == {"text": "red panda", "replace": 3, "uses": 2, "source": "history"}


def test_it_never_shows_another_users_prompts(alice, bob, alice_api, bob_api):
    make_job(user=bob, user_prompt="secret lighthouse recipe, bob only")
    make_job(user=alice, user_prompt="seaside cliffs at dusk")
    assert alice_api.get(AUTOCOMPLETE, {"q": "secret"}).json()["suggestions"] == []
    texts = [s["text"] for s in alice_api.get(AUTOCOMPLETE, {"q": "se"}).json()["suggestions"]]
    assert texts == []  # under three letters: nothing asked
    assert [s["text"] for s in alice_api.get(AUTOCOMPLETE, {"q": "sea"}).json()["suggestions"]] == [
        "seaside cliffs at dusk"
    ]
    assert [s["text"] for s in bob_api.get(AUTOCOMPLETE, {"q": "secret"}).json()["suggestions"]] == [
        "secret lighthouse recipe"
    ]


def test_it_completes_the_last_words_of_a_sentence(alice, alice_api):
    make_job(user=alice, user_prompt="snowy forest at dawn")
    body = alice_api.get(AUTOCOMPLETE, {"q": "a red fox in a snowy fo"}).json()
    assert body["suggestions"] == [{"text": "snowy forest at dawn", "replace": 8, "uses": 1, "source": "history"}]


def test_it_caps_the_query_and_the_answer(alice, alice_api):
    for index in range(12):
        make_job(user=alice, user_prompt=f"lantern {index:02d}")
    assert len(alice_api.get(AUTOCOMPLETE, {"q": "lantern"}).json()["suggestions"]) == 8
    assert alice_api.get(AUTOCOMPLETE, {"q": "x" * 301}).status_code == 422


# -- the phrase helpers ----------------------------------------------------------------------------


def test_phrases_drop_weight_syntax_and_split_at_commas_and_sentences():
    assert split_phrases("(red fox:1.3), snowy forest. Golden light; f/1.8 <lora:x:1>") == [
        "red fox",
        "snowy forest",
        "Golden light",
        "f/1.8",
    ]
    assert split_phrases("broken (syntax, still phrases") == ["broken (syntax", "still phrases"]


def test_phrases_are_counted_once_per_prompt_case_insensitively():
    phrases = count_phrases(["Red fox, red fox", "red fox, owl", "owl"])
    assert phrases == [("Red fox", 2), ("owl", 2)]


def test_completion_never_offers_what_was_typed():
    assert complete([("red fox", 3)], "red fox") == []
    assert [c.text for c in complete([("Red Fox at dawn", 1)], "RED FOX")] == ["Red Fox at dawn"]


def test_autocomplete_also_offers_phrases_from_the_library(alice, alice_api, bob):
    Prompt.objects.create(
        workspace=personal_workspace(alice), user=alice, title="Harbour", prompt_text="a quiet harbour at dawn, misty"
    )
    Prompt.objects.create(
        workspace=personal_workspace(bob), user=bob, title="Bob's", prompt_text="a quiet harbor market, noisy"
    )
    texts = [s["text"] for s in alice_api.get("/api/prompts/autocomplete", {"q": "a quiet har"}).json()["suggestions"]]
    assert texts == ["a quiet harbour at dawn"]
