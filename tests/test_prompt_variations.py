"""Prompt variations: the pure rules (synonyms, an added detail, a new emphasis, a mix; deterministic per seed,
suited to the family), the generate page's Variations endpoint with its More button, and the JSON API."""

from __future__ import annotations

import ast
import html as html_lib
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from imagestudio.prompts import syntax
from imagestudio.prompts.refine import EMPTY_PROMPT, MAX_PROMPT, Suggestion, refine
from imagestudio.prompts.variations import KINDS, LABELS, MAX_COUNT, variations
from imagestudio.prompts.vocab import SYNONYMS

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
    "an astronaut floating above a ringed planet",
)
SUBJECTS = ("fox", "fisherman", "mountains", "lighthouse", "cyberpunk", "bee", "cat", "cabin", "astronaut")
NATURAL = ("flux", "aura", "kontext", "recraft", "ideogram", "offline", "bria", "")
TAGGED = ("stable-diffusion", "sdxl", "sd", "lora", "playground")
WEIGHT_SYNTAX = re.compile(r"[()\[\]<>{}]|:\s*\d")


def by_kind(found: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.kind: s for s in found}


def same(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(" .,")


# -- the rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["flux", "sdxl"])
@pytest.mark.parametrize(("prompt", "subject"), list(zip(PROMPTS, SUBJECTS, strict=True)))
def test_each_kind_is_there_and_different_from_the_prompt_and_each_other(prompt, subject, family):
    found = variations(prompt, family)
    assert [s.kind for s in found] == list(KINDS)
    texts = [same(s.prompt) for s in found]
    assert len(set(texts)) == len(texts)  # all different
    assert same(prompt) not in texts
    for suggestion in found:
        assert suggestion.label == LABELS[suggestion.kind] and suggestion.note
        assert subject in suggestion.prompt.lower()  # the subject is kept
        assert 0 < len(suggestion.prompt) <= MAX_PROMPT


def test_synonyms_swap_descriptive_words_and_keep_the_subject():
    found = by_kind(variations(FOX, "flux"))["synonyms"]
    assert found.prompt == "A crimson fox in a wintry forest at dawn."
    assert found.note == "Swapped “red” → “crimson”, “snowy” → “wintry”."
    # Other seeds swap other words: "forest" becomes "woodland" in one of them, the fox never changes.
    seen = [by_kind(variations(FOX, "flux", seed=seed))["synonyms"].prompt for seed in range(6)]
    assert any("woodland" in text for text in seen) and all("fox" in text for text in seen)
    assert len(set(seen)) == len(seen)
    # Tag families keep their syntax: words inside weights change, LoRA names do not.
    tagged = by_kind(variations("(red fox:1.3), forest, <lora:red-forest:0.6>", "sdxl"))["synonyms"].prompt
    assert "<lora:red-forest:0.6>" in tagged and re.match(r"\((crimson|scarlet|ruby) fox:1\.3\)", tagged)


def test_a_swap_keeps_the_article_right():
    texts = {by_kind(variations("an old cabin", "flux", seed=seed))["synonyms"].prompt for seed in range(3)}
    assert texts == {"An aged cabin.", "A weathered cabin.", "A timeworn cabin."}


def test_the_synonym_map_never_offers_the_word_itself():
    for word, alternatives in SYNONYMS.items():
        assert alternatives and word not in alternatives and len(set(alternatives)) == len(alternatives)


def test_an_added_detail_is_new_and_not_refines_subject_detail():
    for family in ("flux", "sdxl"):
        for prompt in PROMPTS:
            subject_detail = by_kind(refine(prompt, family))["subject"].prompt
            for seed in range(4):
                detail = by_kind(variations(prompt, family, seed=seed))["details"].prompt
                assert detail != subject_detail
                added = detail[len(prompt) :].strip(" ,.")
                assert added and added not in subject_detail
    fox = by_kind(variations(FOX, "flux"))["details"].prompt
    assert fox == "A red fox in a snowy forest at dawn, its thick winter coat catching the light."


def test_natural_language_emphasis_puts_another_element_first():
    assert by_kind(variations(FOX, "flux"))["emphasis"].prompt == "In a snowy forest, a red fox at dawn."
    assert by_kind(variations(FOX, "flux", seed=1))["emphasis"].prompt == "At dawn, a red fox in a snowy forest."
    leads = by_kind(variations("portrait of an old fisherman, golden hour", "flux"))["emphasis"]
    assert leads.prompt == "Golden hour, portrait of an old fisherman." and "leads" in leads.note


def test_tag_emphasis_weights_a_secondary_term_and_moves_it_first():
    found = by_kind(variations("portrait of an old fisherman, golden hour", "sdxl"))["emphasis"].prompt
    assert found == "(golden hour:1.2), portrait of an old fisherman"
    assert syntax.weights(found)[0].text == "golden hour" and syntax.weights(found)[0].weight == pytest.approx(1.2)
    # One term: an element is weighted where it stands.
    assert by_kind(variations(FOX, "sdxl"))["emphasis"].prompt == "a red fox in a (snowy forest:1.2) at dawn"
    # Quality boilerplate is not what gets the lead; LoRA tags stay where they are; weights are not stacked.
    soup = "masterpiece, best quality, (red fox:1.3), snowy forest, <lora:ink:0.6>"
    leads = [by_kind(variations(soup, "sdxl", seed=seed))["emphasis"].prompt for seed in range(2)]
    assert leads[0].startswith("(snowy forest:1.2), masterpiece")
    assert leads[1].startswith("(red fox:1.3), masterpiece") and "((" not in leads[1]
    assert all(text.endswith("<lora:ink:0.6>") or "<lora:ink:0.6>," in text for text in leads)


@pytest.mark.parametrize("family", NATURAL)
@pytest.mark.parametrize("prompt", [*PROMPTS, "a (red fox:1.4) in the [snow], <lora:ink:0.5>, masterpiece"])
def test_natural_language_families_never_get_weight_syntax(family, prompt):
    for seed in range(3):
        for suggestion in variations(prompt, family, seed=seed, count=8):
            assert not WEIGHT_SYNTAX.search(suggestion.prompt), suggestion
            assert "masterpiece" not in suggestion.prompt.lower()
            assert suggestion.prompt[0].isupper() and suggestion.prompt.endswith(".")


@pytest.mark.parametrize("family", TAGGED)
def test_tag_families_can_get_weights_and_stay_well_formed(family):
    found = [s for prompt in PROMPTS for s in variations(prompt, family)]
    assert any(re.search(r"\([^()]+:1\.[23]\)", s.prompt) for s in found)
    for suggestion in found:
        syntax.parse(suggestion.prompt)  # raises on malformed syntax


@pytest.mark.parametrize("family", ["flux", "sdxl"])
def test_deterministic_per_seed_and_different_across_seeds(family):
    for prompt in PROMPTS:
        assert variations(prompt, family, seed=3) == variations(prompt, family, seed=3)
        assert variations(prompt, family, seed=0) != variations(prompt, family, seed=1)
    picks = {tuple(s.prompt for s in variations(FOX, family, seed=seed)) for seed in range(5)}
    assert len(picks) == 5


def test_count_asks_for_more_or_fewer():
    assert [s.kind for s in variations(FOX, "flux", count=2)] == ["synonyms", "details"]
    eight = variations(FOX, "flux", count=8)
    assert len(eight) == 8 and len({s.prompt for s in eight}) == 8
    assert [s.kind for s in eight[:4]] == list(KINDS)
    assert len(variations(FOX, "flux", count=100)) <= MAX_COUNT
    assert len(variations(FOX, "flux", count=0)) == 1


def test_prompts_with_little_to_vary_still_get_something_new():
    for prompt in ("x", "a bowl of ramen", "!!!", "(((", "<lora:x:1>"):
        for family in ("flux", "sdxl"):
            found = variations(prompt, family)
            assert found and all(same(s.prompt) != same(prompt) for s in found)


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_an_empty_prompt_says_what_refine_says(prompt):
    with pytest.raises(ValueError) as raised:
        variations(prompt, "flux")
    assert str(raised.value) == EMPTY_PROMPT


def test_long_prompts_stay_within_the_limit():
    near = ("a red fox in the snowy forest " * 200)[:3995]
    for family in ("flux", "sdxl"):
        assert all(len(s.prompt) <= MAX_PROMPT for s in variations(near, family, count=8))
    with pytest.raises(ValueError, match="over 4000 characters"):
        variations("x" * (MAX_PROMPT + 1), "flux")


@settings(max_examples=300, deadline=None, database=None)  # no .hypothesis/ in the tree
@given(
    prompt=st.text(max_size=200) | st.text(alphabet=" ,.:()[]{}<>|\\redfoxinsnowyforestatdawn", max_size=80),
    family=st.sampled_from(["flux", "sdxl", "offline", ""]),
    seed=st.integers(min_value=0, max_value=10_000),
    count=st.integers(min_value=1, max_value=8),
)
def test_any_text_raises_the_empty_message_or_gives_valid_prompts(prompt, family, seed, count):
    try:
        found = variations(prompt, family, seed=seed, count=count)
    except ValueError as exc:
        assert str(exc) == EMPTY_PROMPT and not prompt.strip()
        return
    assert prompt.strip()
    assert len(found) <= count
    assert len({same(s.prompt) for s in found}) == len(found)
    for suggestion in found:
        assert isinstance(suggestion.prompt, str) and suggestion.prompt.strip()
        assert len(suggestion.prompt) <= MAX_PROMPT and suggestion.kind in KINDS
        assert suggestion.prompt != prompt and same(suggestion.prompt) != same(prompt)


def test_the_variations_are_plain_python():
    """variations.py imports no Django (pages, the API and tasks may all call it)."""
    import imagestudio.prompts.variations as module

    for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(n.split(".")[0] == "django" for n in names), names


# -- the page endpoint ------------------------------------------------------------------------------

URL = "/generate/variations/"


@pytest.mark.django_db
def test_the_variations_url_is_wired():
    assert reverse("prompt_variations") == URL


@pytest.mark.django_db
def test_variations_need_a_signed_in_user_and_a_post(catalog, alice_browser):
    response = Client().post(URL, {"prompt": FOX})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert alice_browser.get(URL).status_code == 405


@pytest.mark.django_db
def test_variations_answer_the_panel_with_apply_buttons_and_more(alice_browser):
    response = alice_browser.post(URL, {"prompt": FOX, "model": "fal-ai/flux/dev"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert ">Variations</h3>" in html and 'data-mode="variations"' in html
    assert html.count('data-testid="refine-suggestion"') == len(KINDS) and html.count("data-refine-apply") == 4
    for suggestion in variations(FOX, "flux"):
        assert f'data-prompt="{html_lib.escape(suggestion.prompt)}"' in html
        assert f'aria-label="Apply: {suggestion.label}"' in html
    assert "Changed words are highlighted" in html and "<mark" in html
    assert 'data-testid="variations-more"' in html and """hx-vals='{"seed": "1"}'""" in html
    assert f'hx-post="{URL}"' in html


@pytest.mark.django_db
def test_more_asks_with_the_next_seed(alice_browser):
    html = alice_browser.post(URL, {"prompt": FOX, "model": "fal-ai/flux/dev", "seed": "1"}).content.decode()
    assert """hx-vals='{"seed": "2"}'""" in html
    for suggestion in variations(FOX, "flux", seed=1):
        assert f'data-prompt="{html_lib.escape(suggestion.prompt)}"' in html
    bad = alice_browser.post(URL, {"prompt": FOX, "seed": "nope"}).content.decode()
    assert """hx-vals='{"seed": "1"}'""" in bad  # a seed that is not a number starts again


@pytest.mark.django_db
def test_the_model_decides_the_style_of_variations(alice_browser):
    html = alice_browser.post(URL, {"prompt": FOX, "model": "fal-ai/fast-sdxl"}).content.decode()
    assert 'data-prompt="a red fox in a (snowy forest:1.2) at dawn"' in html
    flux = alice_browser.post(URL, {"prompt": FOX, "model": "fal-ai/flux/dev"}).content.decode()
    assert 'data-prompt="In a snowy forest, a red fox at dawn."' in flux


@pytest.mark.django_db
@pytest.mark.parametrize("prompt", ["", "   "])
def test_an_empty_prompt_answers_a_friendly_422(alice_browser, prompt):
    response = alice_browser.post(URL, {"prompt": prompt})
    assert response.status_code == 422
    html = response.content.decode()
    assert EMPTY_PROMPT in html and 'role="alert"' in html and "Nothing to vary yet" in html
    assert "data-refine-apply" not in html and "variations-more" not in html


@pytest.mark.django_db
def test_a_prompt_over_the_limit_answers_422(alice_browser):
    response = alice_browser.post(URL, {"prompt": "x" * (MAX_PROMPT + 1)})
    assert response.status_code == 422 and "at most 4000 characters" in response.content.decode()


@pytest.mark.django_db
def test_variations_are_rate_limited(alice_browser, rate_limits):
    rate_limits.PROMPT_REFINE_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert alice_browser.post(URL, {"prompt": FOX}).status_code == 200
    blocked = alice_browser.post(URL, {"prompt": FOX})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) >= 1


@pytest.mark.django_db
def test_the_refine_panel_keeps_its_own_title(alice_browser):
    html = alice_browser.post("/generate/refine/", {"prompt": FOX}).content.decode()
    assert ">Suggested rewrites</h3>" in html and "variations-more" not in html and "data-mode" not in html


@pytest.mark.django_db
def test_the_generate_page_has_the_variations_button(alice_browser):
    html = alice_browser.get("/generate/").content.decode()
    assert 'data-testid="variations-button"' in html and f'hx-post="{URL}"' in html
    assert html.index('data-testid="refine-button"') < html.index('data-testid="variations-button"')
    assert html.index('data-testid="variations-button"') < html.index('<div id="refine-panel"')


# -- the API ---------------------------------------------------------------------------------------

API = "/api/prompts/variations"


@pytest.mark.django_db
def test_the_api_answers_suggestions(alice_api):
    response = alice_api.post(API, {"prompt": FOX, "model_id": "fal-ai/fast-sdxl"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"suggestions"}
    assert [s["kind"] for s in body["suggestions"]] == list(KINDS)
    assert all(set(s) == {"kind", "label", "prompt", "note"} for s in body["suggestions"])
    assert body["suggestions"][2]["prompt"] == "a red fox in a (snowy forest:1.2) at dawn"


@pytest.mark.django_db
def test_the_api_takes_count_and_seed(alice_api):
    body = alice_api.post(API, {"prompt": FOX, "count": 6, "seed": 2}, content_type="application/json").json()
    assert [s["prompt"] for s in body["suggestions"]] == [s.prompt for s in variations(FOX, "flux", count=6, seed=2)]
    assert len(body["suggestions"]) == 6
    too_many = alice_api.post(API, {"prompt": FOX, "count": MAX_COUNT + 1}, content_type="application/json")
    assert too_many.status_code == 422


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
