from __future__ import annotations

import random

import pytest

from imagestudio.catalog import params
from imagestudio.catalog.offline import OFFLINE_MODELS
from imagestudio.catalog.services import fal_catalog

FLUX_DEV = next(e["input"] for e in fal_catalog()["endpoints"] if e["endpoint_id"] == "fal-ai/flux/dev")
ULTRA = next(e["input"] for e in fal_catalog()["endpoints"] if e["endpoint_id"] == "fal-ai/flux-pro/v1.1-ultra")
OFFLINE = OFFLINE_MODELS[0]["input"]


@pytest.mark.parametrize(("ratio", "size"), [("1:1", (1024, 1024)), ("16:9", (1344, 768)), ("9:16", (768, 1344)),
                                            ("4:3", (1152, 896)), ("3:4", (896, 1152))])
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


@pytest.mark.parametrize(("given", "field"), [
    ({"num_images": 5}, "num_images"),
    ({"aspect_ratio": "5:4"}, "aspect_ratio"),
    ({"width": 100, "height": 512}, "width"),
    ({"width": 512, "height": 4096}, "height"),
    ({"seed": -1}, "seed"),
    ({"num_inference_steps": 80}, "num_inference_steps"),
    ({"guidance_scale": "lots"}, "guidance_scale"),
    ({"output_format": "gif"}, "output_format"),
    ({"image_size": "huge"}, "image_size"),
])
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
