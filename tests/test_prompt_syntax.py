"""Prompt syntax: weights and emphasis, escapes, LoRA tags, alternations, template variables, the errors for
malformed text (message and position), the family rules, and properties over arbitrary text."""

from __future__ import annotations

import contextlib
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imagestudio.prompts import syntax
from imagestudio.prompts.syntax import (
    Alternation,
    Group,
    Lora,
    PromptSyntaxError,
    Text,
    Variable,
    count_tokens,
    expand,
    fill,
    ignores_weights,
    parse,
    plain_text,
    variables_in,
    weights,
)


def weight_of(text: str, term: str) -> float:
    return next(t.weight for t in weights(text) if t.text == term)


def error(text: str) -> PromptSyntaxError:
    with pytest.raises(PromptSyntaxError) as caught:
        parse(text)
    return caught.value


# -- weights ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "expected"),
    [
        ("a", "a", 1.0),
        ("(a)", "a", 1.1),
        ("((a))", "a", 1.21),
        ("(((a)))", "a", 1.331),
        ("[a]", "a", 1 / 1.1),
        ("[[a]]", "a", 1 / 1.21),
        ("(a:1.5)", "a", 1.5),
        ("((a:1.5))", "a", 1.65),
        ("[(a:1.5)]", "a", 1.5 / 1.1),
        ("(a:0.5)", "a", 0.5),
        ("(a:.5)", "a", 0.5),
        ("( a : 1.3 )", "a", 1.3),
        ("([a])", "a", 1.0),
        ("(x (a:2) y:0.5)", "a", 1.0),
        ("(x (a:2) y:0.5)", "x", 0.5),
    ],
)
def test_effective_weights_multiply_through_nesting(text, term, expected):
    assert weight_of(text, term) == pytest.approx(expected)


def test_terms_are_comma_separated_phrases_with_positions():
    text = "masterpiece, (red fox:1.3), snowy forest, [fog]"
    terms = weights(text)
    assert [(t.text, round(t.weight, 3)) for t in terms] == [
        ("masterpiece", 1.0),
        ("red fox", 1.3),
        ("snowy forest", 1.0),
        ("fog", 0.909),
    ]
    for term in terms:
        assert text[term.start : term.end] == term.text


def test_the_tree_records_groups_with_their_factor_and_effective_weight():
    prompt = parse("a ((b:1.5)) c")
    outer = prompt.nodes[1]
    assert isinstance(outer, Group) and outer.kind == "(" and outer.factor == pytest.approx(1.1)
    inner = outer.children[0]
    assert isinstance(inner, Group) and inner.explicit and inner.factor == 1.5
    assert inner.weight == pytest.approx(1.65)
    assert (outer.start, outer.end) == (2, 11)
    assert [type(n) for n in prompt.nodes] == [Text, Group, Text]


def test_a_colon_outside_parentheses_is_text():
    assert [t.text for t in weights("ratio 16:9, [a:b:0.5]")] == ["ratio 16:9", "a:b:0.5"]


# -- escapes ---------------------------------------------------------------------------------------


def test_escaped_brackets_are_literal_text():
    text = r"a \(not weighted\) \[nor this\] \{x\|y\} back\\slash \<lora:x\>"
    prompt = parse(text)
    assert len(prompt.nodes) == 1 and isinstance(prompt.nodes[0], Text)
    assert prompt.nodes[0].text == r"a (not weighted) [nor this] {x|y} back\slash <lora:x>"
    assert plain_text(text) == r"a (not weighted) [nor this] {x|y} back\slash <lora:x>"


def test_an_escaped_colon_stays_text_inside_parentheses():
    assert weights(r"(time 10\:30)")[0].text == "time 10:30"
    assert weight_of(r"(time 10\:30)", "time 10:30") == pytest.approx(1.1)


def test_a_backslash_before_anything_else_is_kept():
    assert plain_text(r"a\b (c)") == r"a\b c"
    assert parse("trailing\\").nodes[0] == Text("trailing\\", 0, 9)


# -- LoRA tags -------------------------------------------------------------------------------------


def test_lora_tags_have_a_name_and_weight():
    prompt = parse("a fox <lora:ink wash:0.6>, <LORA:grain>, <lyco:paper:0.4:0.2>")
    assert [(lora.name, lora.weight) for lora in prompt.loras] == [("ink wash", 0.6), ("grain", 1.0), ("paper", 0.4)]
    first = prompt.loras[0]
    assert isinstance(first, Lora) and (first.start, first.end) == (6, 25)
    assert [t.text for t in weights("a fox <lora:ink:0.6>, b")] == ["a fox", "b"]


def test_a_negative_lora_weight_is_allowed():
    assert parse("<lora:slider:-1.5>").loras[0].weight == -1.5


def test_angle_brackets_that_are_not_lora_tags_are_text():
    assert plain_text("a < b > c (d)") == "a < b > c d"


# -- plain text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(red fox:1.3), snow", "red fox, snow"),
        ("((masterpiece)), [blurry], a cat", "masterpiece, blurry, a cat"),
        ("<lora:ink:0.6>, a fox, <lora:x:1>, snow", "a fox, snow"),
        ("a fox <lora:ink:0.6> in snow", "a fox in snow"),
        ("a fox, <lora:ink:0.6>", "a fox"),
        ("(a:1.2)  ,  b", "a, b"),
        ("line one (x)\n<lora:y>\nline three", "line one x\n\nline three"),
    ],
)
def test_plain_text_drops_weight_syntax_and_lora_tags(text, expected):
    assert plain_text(text) == expected


def test_plain_text_refuses_unexpanded_alternations_and_variables():
    with pytest.raises(PromptSyntaxError) as caught:
        plain_text("a {b|c}")
    assert caught.value.position == 2 and "expanded first" in caught.value.message
    with pytest.raises(PromptSyntaxError, match=r"variable \{\{animal\}\} at position 2"):
        plain_text("a {{animal}}")
    assert plain_text("(a) {b|(c:1.2)} {{d}}", keep_dynamic=True) == "a {b|c} {{d}}"


def test_plain_text_of_text_without_syntax_is_the_text():
    text = "  a red fox,, in the snow  \n"
    assert plain_text(text) == text


# -- alternations ----------------------------------------------------------------------------------


def test_alternations_and_their_options():
    prompt = parse("a {red|green|blue} fox")
    alternation = prompt.nodes[1]
    assert isinstance(alternation, Alternation)
    assert [o.children[0].text for o in alternation.options if isinstance(o.children[0], Text)] == [
        "red",
        "green",
        "blue",
    ]
    assert prompt.combinations == 3


def test_all_combinations_in_order_nested_included():
    assert expand("{a|{b|c}} {x|y}", mode="all") == ["a x", "a y", "b x", "b y", "c x", "c y"]
    assert parse("{a|{b|c}} {x|y}").combinations == 6
    assert expand("no alternation", mode="all") == ["no alternation"]


def test_combinations_keep_weights_loras_and_escapes_as_written():
    assert expand(r"(a {b|c}:1.2) <lora:x:0.5> \{d\}", mode="all") == [
        r"(a b:1.2) <lora:x:0.5> \{d\}",
        r"(a c:1.2) <lora:x:0.5> \{d\}",
    ]


def test_an_empty_option_makes_a_word_optional():
    assert expand("{misty |}forest", mode="all") == ["misty forest", "forest"]


def test_random_picks_are_repeatable_with_a_seeded_rng():
    text = "{red|green|blue} {fox|owl|{cat|dog}}"
    assert expand(text, rng=random.Random(7)) == expand(text, rng=random.Random(7))
    assert len(expand(text, rng=random.Random(7))) == 1
    seen = {expand(text, rng=random.Random(seed))[0] for seed in range(200)}
    assert seen <= set(expand(text, mode="all")) and len(seen) > 6


def test_too_many_combinations_are_refused_without_making_them():
    text = " ".join(["{a|b|c|d}"] * 40)  # 4^40
    started = time.perf_counter()
    with pytest.raises(PromptSyntaxError, match="over a billion combinations: the limit is 1000") as caught:
        expand(text, mode="all")
    assert caught.value.position == 0
    assert time.perf_counter() - started < 1
    with pytest.raises(PromptSyntaxError, match="makes 1,024 combinations: the limit is 1000"):
        expand(" ".join(["{a|b}"] * 10), mode="all")
    assert len(expand(" ".join(["{a|b}"] * 10), mode="all", limit=1024)) == 1024


def test_an_unknown_mode_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown mode"):
        expand("a", mode="some")  # type: ignore[arg-type]


# -- template variables ----------------------------------------------------------------------------


def test_variables_are_listed_and_filled():
    text = "a {{ animal }} in {{place}}, {{animal}} again {x|{{colour}}}"
    assert variables_in(text) == ["animal", "place", "colour"]
    values = {"animal": "fox", "place": "snow", "colour": "red"}
    assert fill(text, values) == "a fox in snow, fox again {x|red}"
    assert isinstance(parse("{{a-b_c}}").nodes[0], Variable)


def test_a_missing_variable_is_named_with_its_position():
    with pytest.raises(PromptSyntaxError) as caught:
        fill("a {{animal}} in {{place}}", {"animal": "fox"})
    assert caught.value.position == 16
    assert caught.value.message == "No value for the variable {{place}} at position 16."


def test_double_braces_around_an_alternation_nest():
    assert expand("{{a|b}|c}", mode="all") == ["a", "b", "c"]
    assert expand("{{a|b}}", mode="all") == ["a", "b"]


# -- malformed text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("a red fox (in the snow", "Unclosed “(” at position 10.", 10),
        ("a [b", "Unclosed “[” at position 2.", 2),
        ("a {b|c", "Unclosed “{” at position 2.", 2),
        ("a b)", "Unexpected “)” at position 3: there is no “(” to close.", 3),
        ("a ]", "Unexpected “]” at position 2: there is no “[” to close.", 2),
        ("(a]", "“]” at position 2 does not close the “(” at position 0 (expected “)”).", 2),
        ("{a)", "“)” at position 2 does not close the “{” at position 0 (expected “}”).", 2),
        ("(x:abc)", "Weight “abc” at position 3 is not a number (write “\\:” for a literal colon).", 3),
        ("(x:)", "Missing weight after the “:” at position 2.", 2),
        ("(x:1.2 y)", "Expected “)” after the weight 1.2 at position 7 (write “\\:” for a literal colon).", 7),
        ("(x:1.2", "Unclosed “(” at position 0.", 0),
        ("(x:30)", "Weight 30 at position 3 is out of range: use -10 to 10.", 3),
        ("()", "Nothing to weight inside the “(…)” at position 0.", 0),
        ("a [ ]", "Nothing to weight inside the “[…]” at position 2.", 2),
        ("{}", "Empty alternation at position 0: write options like {red|blue}.", 0),
        ("x {|}", "Empty alternation at position 2: write options like {red|blue}.", 2),
        ("a {{animal", "Unclosed “{{” at position 2.", 2),
        ("a {{}}", "Empty variable “{{}}” at position 2.", 2),
        (
            "{{my animal}}",
            "“my animal” at position 0 is not a variable name: use letters, digits, “_” or “-”, starting with a letter.",
            0,
        ),
        ("<lora:>", "The LoRA tag at position 0 has no name: write <lora:name:0.8>.", 0),
        ("a <lora:ink", "Unclosed “<lora:” at position 2.", 2),
        ("<lora:ink:x>", "LoRA weight “x” at position 10 is not a number (write “\\:” for a literal colon).", 10),
        ("<lora:a:1:2:3>", "Too many “:” in the LoRA tag at position 0: write <lora:name:0.8>.", 0),
    ],
)
def test_malformed_text_names_the_fault_and_its_position(text, message, position):
    fault = error(text)
    assert (fault.message, fault.position) == (message, position)
    assert str(fault) == message
    assert isinstance(fault, ValueError)


def test_too_long_a_prompt_is_refused_at_the_limit():
    fault = error("x" * (syntax.MAX_LENGTH + 1))
    assert fault.position == syntax.MAX_LENGTH
    assert fault.message == "The prompt is 4001 characters long: the limit is 4000."
    parse("x" * syntax.MAX_LENGTH)


@pytest.mark.parametrize("opener", ["(", "[", "{"])
def test_deep_nesting_is_an_error_not_a_recursion_error(opener):
    closer = {"(": ")", "[": "]", "{": "}"}[opener]
    fault = error(opener * 1999 + "a" + closer * 1999)
    assert fault.position == syntax.MAX_DEPTH
    assert "deeper than 20 levels" in fault.message
    parse(opener * syntax.MAX_DEPTH + "a" + closer * syntax.MAX_DEPTH)


# -- families and tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["flux", "kontext", "aura", "recraft", "ideogram", "bria", "kling", "other"])
def test_natural_language_families_ignore_weights(family):
    assert ignores_weights(family)


@pytest.mark.parametrize("family", ["stable-diffusion", "sdxl", "lora", "face-to-sticker", "offline", "Offline "])
def test_stable_diffusion_families_and_the_offline_engine_read_weights(family):
    assert not ignores_weights(family)


def test_token_counts_are_estimates_against_the_family_limit():
    assert count_tokens("", "flux") == (0, 512)
    assert count_tokens("a red fox in the snow", "stable-diffusion") == (6, 77)
    assert count_tokens("(red fox:1.4) <lora:ink:0.6>", "sdxl") == (2, 77)  # syntax is not counted
    assert count_tokens("85mm, f/1.8", "offline") == (9, None)  # digits and marks one each
    assert count_tokens("photorealistic", "flux")[0] == 2
    assert count_tokens("{a|big red fox}", "flux")[0] == 3  # the longest option


def test_a_long_prompt_goes_over_the_clip_window():
    tokens, limit = count_tokens(", ".join(["a red fox"] * 30), "stable-diffusion")
    assert limit == 77 and tokens > limit


# -- properties ------------------------------------------------------------------------------------

SYNTAX_CHARS = "()[]{}|\\<>:,. 0123456789"
prompt_text = st.text(alphabet=st.sampled_from(list(SYNTAX_CHARS) + list("abcloraLORA{}")), max_size=200) | st.text(
    max_size=300
)
PLAIN_ALPHABET = st.characters(blacklist_characters="()[]{}\\<", blacklist_categories=("Cs",))


@settings(max_examples=400, deadline=None, database=None)  # no .hypothesis/ in the tree
@given(text=prompt_text)
def test_arbitrary_text_raises_nothing_but_prompt_syntax_errors(text):
    try:
        prompt = parse(text)
    except PromptSyntaxError as fault:
        assert 0 <= fault.position <= len(text) and fault.message
        return
    for term in weights(text):
        assert 0 <= term.start < term.end <= len(text)
    for call in (
        lambda: plain_text(text),
        lambda: plain_text(text, keep_dynamic=True),
        lambda: expand(text, mode="all", limit=50),
        lambda: expand(text, rng=random.Random(1)),
        lambda: fill(text, {}),
        lambda: count_tokens(text, "flux"),
    ):
        with contextlib.suppress(PromptSyntaxError):
            call()
    assert variables_in(text) == prompt.variables


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(alphabet=PLAIN_ALPHABET, max_size=300))
def test_plain_text_without_special_characters_is_the_identity(text):
    assert plain_text(text) == text
    assert expand(text) == [text]
    assert [t.weight for t in weights(text)] == [1.0] * len(weights(text))


@settings(max_examples=100, deadline=None, database=None)
@given(text=prompt_text)
def test_expanding_all_then_reading_each_never_fails_on_valid_text(text):
    try:
        results = expand(text, mode="all", limit=64)
    except PromptSyntaxError:
        return
    for result in results:
        assert parse(result).alternations == []


@settings(max_examples=50, deadline=None, database=None)
@given(
    opener=st.sampled_from(["(", "[", "{", "((", "{a|", "(a:", "{{", "<lora:"]),
    repeat=st.integers(min_value=100, max_value=1300),
)
def test_parsing_adversarial_nesting_is_fast(opener, repeat):
    text = (opener * repeat)[: syntax.MAX_LENGTH]
    started = time.perf_counter()
    with pytest.raises(PromptSyntaxError):
        parse(text)
    assert time.perf_counter() - started < 0.5
