from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imagestudio.catalog import params
from imagestudio.catalog.offline import OFFLINE_MODELS
from imagestudio.catalog.services import fal_catalog

FLUX_DEV = next(e["input"] for e in fal_catalog()["endpoints"] if e["endpoint_id"] == "fal-ai/flux/dev")
ULTRA = next(e["input"] for e in fal_catalog()["endpoints"] if e["endpoint_id"] == "fal-ai/flux-pro/v1.1-ultra")
OFFLINE = OFFLINE_MODELS[0]["input"]


@pytest.mark.parametrize(
    ("ratio", "size"),
    [("1:1", (1024, 1024)), ("16:9", (1344, 768)), ("9:16", (768, 1344)), ("4:3", (1152, 896)), ("3:4", (896, 1152))],
)
def test_aspect_ratios_resolve_to_about_one_megapixel(ratio, size):
    resolved = params.resolve(FLUX_DEV, {"aspect_ratio": ratio})
    assert (resolved.width, resolved.height) == size
    assert resolved.arguments["image_size"] == {"width": size[0], "height": size[1]}


def test_custom_sizes_round_to_multiples_of_8():
    resolved = params.resolve(OFFLINE, {"width": 1000, "height": 605})
    assert (resolved.width, resolved.height) == (1000, 600)


def test_models_taking_an_aspect_ratio_get_the_nearest_name():
    resolved = params.resolve(ULTRA, {"width": 1920, "height": 1080})
    assert resolved.arguments["aspect_ratio"] == "16:9"
    assert "image_size" not in resolved.arguments


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"num_images": 5}, "num_images"),
        ({"aspect_ratio": "5:4"}, "aspect_ratio"),
        ({"width": 100, "height": 512}, "width"),
        ({"width": 512, "height": 4096}, "height"),
        ({"seed": -1}, "seed"),
        ({"num_inference_steps": 80}, "num_inference_steps"),
        ({"guidance_scale": "lots"}, "guidance_scale"),
        ({"output_format": "gif"}, "output_format"),
        ({"image_size": "huge"}, "image_size"),
    ],
)
def test_bad_inputs_name_their_field(given, field):
    with pytest.raises(params.ParameterError) as error:
        params.resolve(FLUX_DEV, given)
    assert error.value.field == field
    assert error.value.message


def test_seeds_are_kept_or_drawn():
    assert params.resolve(FLUX_DEV, {"seed": 42}).arguments["seed"] == 42
    drawn = params.resolve(FLUX_DEV, {}, rng=random.Random(1)).seed
    assert 0 <= drawn <= params.MAX_SEED
    assert params.resolve(FLUX_DEV, {}, rng=random.Random(1)).seed == drawn


def test_fields_a_model_does_not_take_are_dropped():
    resolved = params.resolve(ULTRA, {"num_inference_steps": 20, "raw": True})
    assert "num_inference_steps" not in resolved.arguments
    assert resolved.arguments["raw"] is True


def test_costs_round_megapixels_up_per_image():
    pricing = {"amount_usd": 0.025, "unit": "per megapixel"}
    assert params.estimate_cost_usd(pricing, 1024, 1024, 1) == pytest.approx(0.025)  # exactly 1 MP
    assert params.estimate_cost_usd(pricing, 1024, 1032, 1) == pytest.approx(0.05)  # just over → 2 MP
    assert params.estimate_cost_usd(pricing, 1000, 1000, 2) == pytest.approx(0.05)
    assert params.estimate_cost_usd({"amount_usd": 0.06, "unit": "per image"}, 2048, 2048, 3) == pytest.approx(0.18)
    assert params.credits_for(0.05, 0.01) == 5
    assert params.credits_for(0.003, 0.01) == 1
    assert params.credits_for(0.0, 0.01) == 0


def size_of(schema: dict, given: dict) -> tuple[int, int]:
    resolved = params.resolve(schema, given)
    return resolved.width, resolved.height


def test_resolution_scales_the_presets_within_limits():
    assert size_of(FLUX_DEV, {"aspect_ratio": "16:9", "resolution": "2"}) == (1920, 1088)
    assert size_of(FLUX_DEV, {"aspect_ratio": "1:1", "resolution": "0.5"}) == (704, 704)
    big = params.resolve(OFFLINE, {"aspect_ratio": "21:9", "resolution": "4"})
    assert big.width == 2048 and big.height <= 2048
    with pytest.raises(params.ParameterError) as error:
        params.resolve(FLUX_DEV, {"aspect_ratio": "1:1", "resolution": "9"})
    assert error.value.field == "resolution"


def test_the_recipe_records_the_defaults_the_model_uses():
    recorded = params.resolve(FLUX_DEV, {}).arguments
    assert recorded["num_inference_steps"] == 28 and recorded["guidance_scale"] == 3.5
    assert recorded["output_format"] == "jpeg" and "sync_mode" not in recorded
    assert params.resolve(FLUX_DEV, {"num_inference_steps": 9}).arguments["num_inference_steps"] == 9
    offline = params.resolve(OFFLINE, {}).arguments
    assert offline["num_inference_steps"] == 24 and "style" not in offline


# --- Hostile input: never NaN in a recipe, never an unbounded blob, never a 500.

FAST_SDXL = next(e["input"] for e in fal_catalog()["endpoints"] if e["endpoint_id"] == "fal-ai/fast-sdxl")
ALL_SCHEMAS = [e["input"] for e in fal_catalog()["endpoints"]] + [m["input"] for m in OFFLINE_MODELS]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity", "-inf", "1e999"])
@pytest.mark.parametrize(
    "field", ["guidance_scale", "num_inference_steps", "seed", "num_images", "resolution", "width"]
)
def test_non_finite_numbers_are_refused_naming_their_field(field, bad):
    given = {field: bad, "height": 512} if field == "width" else {field: bad}
    with pytest.raises(params.ParameterError) as error:
        params.resolve(FLUX_DEV, given)
    assert error.value.field == field
    assert "number" in error.value.message


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"num_images": True}, "num_images"),  # a boolean is not a count
        ({"guidance_scale": [3]}, "guidance_scale"),
        ({"seed": {"value": 1}}, "seed"),
        ({"seed": 10**400}, "seed"),
        ({"aspect_ratio": ["1:1"]}, "aspect_ratio"),  # unhashable: once a TypeError
        ({"image_size": 512}, "image_size"),
        ({"enable_safety_checker": "maybe"}, "enable_safety_checker"),
        ({"output_format": ["png"]}, "output_format"),
    ],
)
def test_values_of_the_wrong_type_are_refused_naming_their_field(given, field):
    with pytest.raises(params.ParameterError) as error:
        params.resolve(FLUX_DEV, given)
    assert error.value.field == field


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://example.com/a.png",
        "https://",
        42,
        ["https://example.com/a.png"],
    ],
)
def test_image_urls_must_be_http_or_https(url):
    with pytest.raises(params.ParameterError) as error:
        params.resolve(ULTRA, {"image_url": url})
    assert error.value.field == "image_url"


def test_an_http_image_url_passes():
    assert (
        params.resolve(ULTRA, {"image_url": "https://example.com/a.png"}).arguments["image_url"]
        == "https://example.com/a.png"
    )


def test_lists_of_objects_are_checked_and_capped():
    lora = {"path": "https://example.com/style.safetensors", "scale": 0.8}
    assert params.resolve(FAST_SDXL, {"loras": [lora]}).arguments["loras"] == [lora]
    assert params.resolve(FAST_SDXL, {"loras": [{"path": "user/repo/style", "scale": 1}]}).arguments["loras"]
    refused = [
        ({"loras": {"path": "https://example.com/x"}}, "loras"),  # not a list
        ({"loras": [lora] * (params.MAX_ITEMS + 1)}, "loras"),
        ({"loras": [{"path": "data:application/octet-stream;base64,AAAA", "scale": 1}]}, "loras[0].path"),
        ({"loras": [{"path": "https://example.com/x", "scale": float("nan")}]}, "loras[0].scale"),
        ({"loras": [{"path": "x" * (params.MAX_STRING + 1)}]}, "loras[0].path"),
        ({"loras": [{"path": "a\x00b"}]}, "loras[0].path"),
        ({"loras": [[[[[["deep"]]]]]]}, "loras[0][0][0][0][0]"),
    ]
    for bad, field in refused:
        with pytest.raises(params.ParameterError) as error:
            params.resolve(FAST_SDXL, bad)
        assert error.value.field == field, bad


def test_one_job_cannot_carry_megabytes_of_arguments():
    lora = {"path": "https://example.com/" + "a" * 1900, "scale": 1}
    with pytest.raises(params.ParameterError) as error:
        params.resolve(FAST_SDXL, {"loras": [lora] * params.MAX_ITEMS})
    assert error.value.field == "loras"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, database=None)  # no .hypothesis/ in the tree
@given(schema=st.sampled_from(ALL_SCHEMAS), data=st.data())
def test_any_json_either_resolves_to_finite_bounded_arguments_or_names_a_field(schema, data):
    names = st.sampled_from([*schema, "width", "height", "resolution", "aspect_ratio"]) | st.text(max_size=12)
    given_params = data.draw(st.dictionaries(names, json_values, max_size=6))
    try:
        resolved = params.resolve(schema, given_params)
    except params.ParameterError as error:
        assert error.field and error.message
        return
    encoded = json.dumps(resolved.arguments, allow_nan=False)  # raises on NaN/Infinity
    assert len(encoded) <= params.MAX_ARGUMENTS_BYTES
    assert (
        params.MIN_SIDE <= resolved.width <= params.MAX_SIDE and params.MIN_SIDE <= resolved.height <= params.MAX_SIDE
    )


def test_a_random_seed_stays_within_the_models_own_seed_range():
    schema = {"seed": {"type": "integer", "min": 0, "max": 2147483647}}
    seeds = {params.resolve(schema, {}, rng=random.Random(n)).seed for n in range(200)}
    assert max(seeds) <= 2147483647 and len(seeds) > 190
    with pytest.raises(params.ParameterError) as raised:
        params.resolve(schema, {"seed": 2**31})
    assert raised.value.field == "seed"
