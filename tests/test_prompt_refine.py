"""Prompt refinement: the offline rules (properties and edge cases), the fal path through the real fal_client
against the emulator (and its fallbacks), the generate page's Refine endpoint and the JSON API."""

from __future__ import annotations

import logging
import re
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from imagestudio.prompts import refine_fal
from imagestudio.prompts.refine import (
    EMPTY_PROMPT,
    KINDS,
    MAX_PROMPT,
    Suggestion,
    content_words,
    highlight,
    refine,
    uses_tags,
)

FOX = "a red fox in a snowy forest at dawn"
PROMPTS = (
    FOX,
    "portrait of an old fisherman, golden hour",
    "Misty mountains at sunrise, pastel sky",
    "A lighthouse on a stormy coast at night",
    "cyberpunk city street at night, neon",
    "a bee on a lavender flower, watercolor",
    "a cat sitting on a windowsill",
    "a cozy cabin in a pine forest under the northern lights, oil painting",
    "sneakers product shot, 85mm",
    "an astronaut floating above a ringed planet",
    "a bowl of ramen",
    "x",
)
NATURAL = ("flux", "aura", "kontext", "recraft", "ideogram", "offline", "bria")
TAGGED = ("stable-diffusion", "sdxl", "sd", "lora", "playground")
GLUE_WORDS = "a an the and or of with in on at by to from for into onto its it as is are that this their his her"
GLUE = set(GLUE_WORDS.split())


def by_kind(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.kind: s for s in suggestions}


def words(text: str) -> Counter[str]:
    return Counter(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in GLUE)


# -- the rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["flux", "stable-diffusion"])
def test_every_kind_is_a_complete_rewrite_keeping_the_prompt(family):
    found = by_kind(refine(FOX, family))
    assert list(found) == list(KINDS)
    for suggestion in found.values():
        assert suggestion.label
        # The whole prompt, the user's words first, then something new.
        assert suggestion.prompt.lower().startswith(FOX)
        assert len(suggestion.prompt) > len(FOX) + 5


def test_rewrites_are_concrete_for_what_the_prompt_names():
    found = by_kind(refine(FOX, "flux"))
    assert "russet fur" in found["subject"].prompt and "amber eyes" in found["subject"].prompt
    assert "golden-hour backlight" in found["lighting"].prompt  # dawn
    assert "rule of thirds" in found["composition"].prompt
    assert "telephoto" in found["lens"].prompt  # wildlife
    night = by_kind(refine("a lighthouse on the coast at night", "flux"))
    assert "moonlit rim light" in night["lighting"].prompt
    portrait = by_kind(refine("portrait of a woman reading a letter", "flux"))
    assert "85mm" in portrait["lens"].prompt and "f/1.8" in portrait["lens"].prompt
    assert "window light" in portrait["lighting"].prompt
    landscape = by_kind(refine("mountains above a valley", "flux"))
    assert "24mm wide-angle" in landscape["lens"].prompt
    macro = by_kind(refine("a ladybug on a leaf", "flux"))
    assert "100mm macro" in macro["lens"].prompt
    city = by_kind(refine("a city street in the rain", "flux"))
    assert "wet cobblestones" in city["subject"].prompt
    assert "texture" in by_kind(refine("a bowl of ramen", "flux"))["subject"].prompt  # the generic fallback


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("family", ["flux", "sdxl"])
def test_no_word_the_prompt_has_is_added_again(prompt, family):
    before = words(prompt)
    for suggestion in refine(prompt, family):
        after = words(suggestion.prompt)
        repeated = {w for w in before if after[w] > before[w]}
        assert not repeated, f"{suggestion.kind} repeats {repeated}: {suggestion.prompt}"


def test_a_named_time_or_lens_is_not_repeated_or_contradicted():
    golden = by_kind(refine("a fox at golden hour", "flux"))
    assert golden["lighting"].prompt.lower().count("golden") == 1
    assert "lit by" in golden["lighting"].prompt or "glow" in golden["lighting"].prompt
    lens = by_kind(refine("portrait of a man, 85mm", "flux"))["lens"].prompt
    assert lens.count("mm") == 1 and "depth of field" in lens  # no second focal length


@pytest.mark.parametrize("family", NATURAL)
@pytest.mark.parametrize("prompt", PROMPTS)
def test_natural_language_families_get_sentences_without_weights_or_tag_soup(family, prompt):
    for suggestion in refine(prompt, family):
        text = suggestion.prompt
        assert not re.search(r"\([^()]*:\s*[\d.]+\)", text)
        assert "masterpiece" not in text.lower() and "best quality" not in text.lower() and "8k" not in text
        assert text.endswith(".") and text[0].isupper()


def test_weights_and_tag_soup_are_taken_out_for_natural_language_models():
    found = refine("(masterpiece:1.2), best quality, ((a cat)) sitting on a windowsill", "flux")
    for suggestion in found:
        assert re.match(r"A cat sitting on a windowsill[,.] ", suggestion.prompt), suggestion.prompt
        assert not set("()[]") & set(suggestion.prompt)


@pytest.mark.parametrize("family", TAGGED)
def test_sd_families_get_comma_tags_and_a_negative_prompt(family):
    found = by_kind(refine(FOX, family, negative_prompt="blurry, watermark"))
    for suggestion in found.values():
        assert suggestion.prompt.startswith(FOX + ", ")
        tags = suggestion.prompt[len(FOX) + 2 :].split(", ")
        assert all(tag and tag == tag.strip() and "." not in tag.replace("f/", "") for tag in tags), tags
        assert len(tags) <= 15
    assert "sharp focus" in found["quality"].prompt and "8k" in found["quality"].prompt
    note = found["quality"].note
    assert note.startswith("Negative prompt: ") and "lowres" in note
    assert "blurry" not in note and "watermark" not in note  # already in the user's negative prompt
    assert found["all"].note == note


def test_family_names():
    assert all(uses_tags(f) for f in TAGGED) and uses_tags("stable-diffusion-v3")
    assert not any(uses_tags(f) for f in (*NATURAL, "", "kling", "minimax", "esrgan"))


@pytest.mark.parametrize("family", ["flux", "sdxl", "offline", ""])
def test_it_is_deterministic(family):
    assert refine(FOX, family, negative_prompt="text") == refine(FOX, family, negative_prompt="text")
    assert [s.prompt for s in refine(FOX, family)] == [s.prompt for s in refine(FOX, family)]


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_an_empty_prompt_says_what_to_do(prompt):
    with pytest.raises(ValueError) as raised:
        refine(prompt, "flux")
    assert str(raised.value) == "Write a prompt first: there is nothing to refine."


def test_long_prompts_stay_within_the_limit():
    near = ("a fox in the snow " * 300)[:3990]
    for family in ("flux", "sdxl"):
        assert all(len(s.prompt) <= MAX_PROMPT for s in refine(near, family))
    roomy = "a fox " + "with a long tail " * 200  # ~3400 characters: short rewrites still fit, "all" may not
    found = refine(roomy, "flux")
    assert found and all(len(s.prompt) <= MAX_PROMPT for s in found)
    with pytest.raises(ValueError, match="over 4000 characters"):
        refine("x" * (MAX_PROMPT + 1), "flux")


def test_the_rules_are_plain_python():
    """refine.py and its vocabulary import no Django (pages, the API and tasks may all call them)."""
    import ast
    from pathlib import Path

    import imagestudio.prompts.refine as module

    for path in (Path(module.__file__), Path(module.__file__).with_name("vocab.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] == "django" for n in names), f"{path.name} imports {names}"


def test_content_words_stem_plurals_and_adjectives():
    assert content_words("Misty stars, foggy hills") == ["mist", "star", "fog", "hill"]
    assert content_words("the fox with a tail") == ["fox", "tail"]


def test_highlight_marks_only_the_added_words():
    runs = highlight(FOX, refine(FOX, "flux")[1].prompt)
    assert runs[0] == ("A red fox in a snowy forest at dawn, ", False)
    assert runs[1][1] is True and runs[1][0].startswith("bathed in soft golden-hour")
    assert "".join(text for text, _ in runs) == refine(FOX, "flux")[1].prompt
    assert highlight("a cat", "a cat") == [("a cat", False)]


# -- fal: the real client against the emulator -----------------------------------------------------


@pytest.fixture
def fal(fal_emulator, settings):
    settings.FAL_KEY = "test-key"
    refine_fal._client.cache_clear()
    yield fal_emulator
    refine_fal._client.cache_clear()


def test_the_fal_path_parses_the_models_rewrites(fal):
    found, source = refine_fal.suggestions(FOX, "flux")
    assert source == "fal"
    assert [s.kind for s in found] == list(KINDS)
    assert all(s.prompt.startswith(FOX + ", ") for s in found)  # the emulator's rewrite of the image prompt
    assert by_kind(found)["lighting"].prompt == f"{FOX}, in soft rim light"
    assert fal.stats()["totals"]["submit"] == 1


def test_sd_families_keep_the_rules_negative_prompt_note_on_fal(fal):
    found, source = refine_fal.suggestions(FOX, "stable-diffusion")
    assert source == "fal" and by_kind(found)["quality"].note.startswith("Negative prompt:")


def test_a_reply_that_is_not_json_falls_back_to_the_rules(fal, caplog):
    prompt = "a fox emulator-garbage"
    with caplog.at_level(logging.WARNING, logger="imagestudio.prompts.refine_fal"):
        found, source = refine_fal.suggestions(prompt, "flux")
    assert source == "offline" and found == refine(prompt, "flux")
    assert "not JSON" in caplog.text


@pytest.mark.parametrize("kind", ["error", "503", "malformed"])
def test_fal_errors_fall_back_to_the_rules(fal, kind, caplog):
    fal.fail_next(kind, count=20, op="any" if kind != "error" else "submit")
    with caplog.at_level(logging.WARNING, logger="imagestudio.prompts.refine_fal"):
        found, source = refine_fal.suggestions(FOX, "flux")
    assert source == "offline" and found == refine(FOX, "flux")
    assert "using the offline rules" in caplog.text


def test_a_slow_model_is_given_up_on_at_the_deadline(fal, monkeypatch):
    fal.configure(latency=5)
    monkeypatch.setattr(refine_fal, "DEADLINE_SECONDS", 0.5)
    found, source = refine_fal.suggestions(FOX, "flux")
    assert source == "offline" and found


def test_without_a_key_nothing_is_sent(fal, settings):
    settings.FAL_KEY = ""
    assert refine_fal.suggestions(FOX, "flux")[1] == "offline"
    assert fal.stats()["totals"].get("submit", 0) == 0


def test_an_empty_prompt_is_refused_before_fal_is_asked(fal):
    with pytest.raises(ValueError, match=re.escape(EMPTY_PROMPT)):
        refine_fal.suggestions("  ", "flux")
    assert fal.stats()["totals"].get("submit", 0) == 0


@pytest.mark.parametrize(
    "reply",
    [
        '```json\n[{"kind": "lighting", "label": "Light", "prompt": "a fox, in rim light"}]\n```',
        'Here you go: [{"kind": "lighting", "prompt": "a fox, in rim light"}] Enjoy!',
        '{"suggestions": [{"kind": "LIGHTING", "prompt": "  a fox, in rim light "}]}',
    ],
)
def test_replies_are_read_defensively(reply):
    found = refine_fal.parse_reply(reply, "a fox")
    assert [(s.kind, s.prompt) for s in found] == [("lighting", "a fox, in rim light")]
    assert found[0].label in ("Light", "Lighting")


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "I can't help with that.",
        "[1, 2, 3]",
        '[{"kind": "mood", "prompt": "a fox, sad"}]',
        '[{"kind": "lighting"}]',
        '[{"kind": "lighting", "prompt": "a fox"}]',  # unchanged
        '[{"kind": "lighting", "prompt": "' + "x" * (MAX_PROMPT + 1) + '"}]',
        '{"kind": "lighting", "prompt": "a fox, lit"}',
    ],
)
def test_replies_without_usable_rewrites_are_refused(reply):
    with pytest.raises(refine_fal.ReplyError):
        refine_fal.parse_reply(reply, "a fox")


def test_the_request_tells_the_model_the_family_style():
    assert "no weight syntax" in refine_fal.system_prompt("flux").lower()
    assert "comma-separated tags" in refine_fal.system_prompt("sdxl")
    message = refine_fal.user_message("a fox", "flux", "blurry")
    assert message.endswith("Prompt:\na fox") and "Negative prompt: blurry" in message


# -- the page endpoint ------------------------------------------------------------------------------

URL = "/generate/refine/"
pytestmark_db = pytest.mark.django_db


@pytest.mark.django_db
def test_the_refine_url_is_wired():
    assert reverse("refine_prompt") == URL


@pytest.mark.django_db
def test_refine_needs_a_signed_in_user(catalog):
    response = Client().post(URL, {"prompt": FOX})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_refine_only_answers_posts(alice_browser):
    assert alice_browser.get(URL).status_code == 405


@pytest.mark.django_db
def test_refine_answers_the_panel_with_apply_buttons(alice_browser):
    response = alice_browser.post(URL, {"prompt": FOX, "model": "fal-ai/flux/dev"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="refine-suggestion"') == len(KINDS)
    assert html.count("data-refine-apply") == len(KINDS)
    assert "offline rules" in html and "via fal.ai" not in html
    lighting = by_kind(refine(FOX, "flux"))["lighting"].prompt
    assert f'data-prompt="{lighting}"' in html
    assert '<mark class="' in html and ">bathed in soft golden-hour backlight" in html
    assert 'aria-label="Apply: Lighting"' in html and 'data-refine-close aria-label="Close suggestions"' in html


@pytest.mark.django_db
def test_the_model_decides_the_style(alice_browser):
    html = alice_browser.post(URL, {"prompt": FOX, "model": "fal-ai/fast-sdxl"}).content.decode()
    assert f'data-prompt="{FOX}, russet fur, amber eyes"' in html
    assert "Negative prompt:" in html
    offline = alice_browser.post(URL, {"prompt": FOX, "model": "offline/studio-v1"}).content.decode()
    assert "The offline engine reads plain sentences" in offline
    unknown = alice_browser.post(URL, {"prompt": FOX, "model": "no/such-model"})
    assert unknown.status_code == 200  # an unknown model gets generic sentences


@pytest.mark.django_db
@pytest.mark.parametrize("prompt", ["", "   "])
def test_an_empty_prompt_answers_a_friendly_422(alice_browser, prompt):
    response = alice_browser.post(URL, {"prompt": prompt, "model": "fal-ai/flux/dev"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write a prompt first: there is nothing to refine." in html and 'role="alert"' in html
    assert "data-refine-apply" not in html


@pytest.mark.django_db
def test_a_prompt_over_the_limit_answers_422(alice_browser):
    response = alice_browser.post(URL, {"prompt": "x" * (MAX_PROMPT + 1)})
    assert response.status_code == 422 and "at most 4000 characters" in response.content.decode()


@pytest.mark.django_db
def test_refine_is_rate_limited(alice_browser, rate_limits):
    rate_limits.PROMPT_REFINE_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert alice_browser.post(URL, {"prompt": FOX}).status_code == 200
    blocked = alice_browser.post(URL, {"prompt": FOX})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) >= 1


@pytest.mark.django_db(transaction=True)
def test_the_page_shows_where_fal_suggestions_came_from(alice_browser, fal):
    html = alice_browser.post(URL, {"prompt": FOX, "model": "fal-ai/flux/dev"}).content.decode()
    assert "via fal.ai" in html and f'data-prompt="{FOX}, in soft rim light"' in html


@pytest.mark.django_db
def test_the_generate_page_has_the_refine_button_and_panel(alice_browser):
    html = alice_browser.get("/generate/").content.decode()
    assert 'data-testid="refine-button"' in html and f'hx-post="{URL}"' in html
    assert '<div id="refine-panel" aria-live="polite"' in html
    assert "dist/js/refine.js" in html


# -- the API ---------------------------------------------------------------------------------------

API = "/api/prompts/refine"


@pytest.mark.django_db
def test_the_api_answers_source_and_suggestions(alice_api):
    response = alice_api.post(API, {"prompt": FOX, "model_id": "fal-ai/fast-sdxl"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "offline"
    assert [s["kind"] for s in body["suggestions"]] == list(KINDS)
    assert all(set(s) == {"kind", "label", "prompt", "note"} for s in body["suggestions"])
    assert body["suggestions"][0]["prompt"] == f"{FOX}, russet fur, amber eyes"


@pytest.mark.django_db
def test_the_api_without_a_model_writes_sentences(alice_api):
    body = alice_api.post(API, {"prompt": FOX}, content_type="application/json").json()
    assert body["suggestions"][0]["prompt"].startswith("A red fox")


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{"prompt": ""}, {"prompt": "  "}, {}])
def test_the_api_refuses_an_empty_prompt(alice_api, payload):
    response = alice_api.post(API, payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"detail": EMPTY_PROMPT, "field": "prompt"}


@pytest.mark.django_db
def test_the_api_names_an_unknown_model(alice_api):
    response = alice_api.post(API, {"prompt": FOX, "model_id": "nope/nope"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "model_id"


@pytest.mark.django_db
def test_the_api_needs_auth_and_is_rate_limited(alice_api, rate_limits, catalog):
    assert Client().post(API, {"prompt": FOX}, content_type="application/json").status_code == 401
    rate_limits.PROMPT_REFINE_RATE_LIMIT = "2/m"
    codes = [alice_api.post(API, {"prompt": FOX}, content_type="application/json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_the_api_through_fal(alice_api, fal):
    body = alice_api.post(API, {"prompt": FOX}, content_type="application/json").json()
    assert body["source"] == "fal" and len(body["suggestions"]) == len(KINDS)
