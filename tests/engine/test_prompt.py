from imagestudio.engine import SCENES, STYLE_PRESETS, parse_prompt

REQUIRED_STYLES = {
    "photographic",
    "cinematic",
    "anime",
    "digital-art",
    "watercolor",
    "oil-painting",
    "3d-render",
    "pixel-art",
    "line-art",
    "neon",
    "vintage",
    "minimal",
    "pastel",
    "noir",
    "low-poly",
    "sketch",
}


def test_style_presets_cover_required_ids():
    assert set(STYLE_PRESETS) >= REQUIRED_STYLES
    assert all(isinstance(v, str) and v for v in STYLE_PRESETS.values())


def test_scenes_cover_core_words():
    for s in (
        "sky",
        "sunset",
        "night",
        "ocean",
        "mountains",
        "forest",
        "city",
        "desert",
        "space",
        "flowers",
        "snow",
        "rain",
        "abstract",
        "portrait",
    ):
        assert s in SCENES


def test_parse_scenes_in_prompt_order():
    plan = parse_prompt("Sunset over mountains and a lake")
    assert plan.scenes == ("sunset", "mountains", "lake")
    assert plan.time == "sunset"


def test_parse_colours_bind_to_following_noun():
    plan = parse_prompt("a red fox in a snowy forest")
    assert plan.colour_names == ("red",)
    assert plan.colours[0][0] > 150 and plan.colours[0][2] < 100
    assert plan.colour_targets == ("fox",)
    assert "fox" in plan.subjects and "snow" in plan.scenes and "forest" in plan.scenes


def test_parse_styles_and_multiword_phrases():
    plan = parse_prompt("low poly golden hour hills, pixel art, oil painting")
    assert plan.styles == ("low-poly", "pixel-art", "oil-painting")
    assert "sunset" in plan.scenes  # "golden hour"
    assert "gold" not in plan.colour_names  # consumed by the phrase


def test_parse_attention_weights():
    plan = parse_prompt("(neon:1.4) city at ((night)) [rain]")
    assert abs(plan.weight("neon") - 1.4) < 1e-6
    assert abs(plan.weight("night") - 1.21) < 1e-6
    assert plan.weight("rain") < 1.0
    assert plan.weight("city") == 1.0


def test_at_least_25_colour_words():
    words = [
        "red",
        "orange",
        "gold",
        "yellow",
        "green",
        "teal",
        "cyan",
        "blue",
        "navy",
        "purple",
        "violet",
        "pink",
        "magenta",
        "white",
        "black",
        "grey",
        "brown",
        "crimson",
        "emerald",
        "turquoise",
        "lime",
        "indigo",
        "coral",
        "silver",
        "beige",
    ]
    for w in words:
        assert parse_prompt(f"a {w} sky").colour_names == (w,)


def test_unknown_words_get_stable_hues():
    a, b = parse_prompt("quantum melancholy"), parse_prompt("quantum melancholy")
    assert a.word_hues == b.word_hues and len(a.word_hues) == 2
    assert parse_prompt("zebra").word_hues != parse_prompt("xylophone").word_hues


def test_moods_and_elements():
    plan = parse_prompt("a calm moonlit lake with stars")
    assert "calm" in plan.moods
    assert "stars" in plan.elements
    assert plan.time == "night"
