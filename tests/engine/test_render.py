import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imagestudio.engine import STYLE_PRESETS, EngineError, RenderRequest, render

from .helpers import arr, blueness, laplacian_var, luminance


def test_same_request_gives_identical_bytes():
    req = RenderRequest("sunset over mountains and a lake", 320, 256, 42)
    assert render(req).tobytes() == render(req).tobytes()


def test_prompt_normalisation_keeps_determinism():
    a = render(RenderRequest("Neon  City at night ", 256, 256, 3)).tobytes()
    b = render(RenderRequest("neon city at night", 256, 256, 3)).tobytes()
    assert a == b


def test_different_seeds_give_visibly_different_images():
    a, b = arr("a forest by a lake", seed=1), arr("a forest by a lake", seed=2)
    assert np.abs(a - b).mean() > 8.0


@pytest.mark.parametrize("w,h", [(256, 256), (2048, 1152), (300, 700), (640, 256), (257, 2048)])
def test_exact_output_size_and_mode(w, h):
    im = render(RenderRequest("mountains at sunrise", w, h, 5, steps=8))
    assert im.size == (w, h)
    assert im.mode == "RGB"


@pytest.mark.parametrize(
    "field,value",
    [
        ("width", 255),
        ("width", 2049),
        ("height", 0),
        ("height", 4096),
        ("steps", 0),
        ("steps", 51),
        ("guidance", -0.1),
        ("guidance", 20.5),
        ("seed", -1),
        ("seed", 2**32),
        ("style", "not-a-style"),
        ("width", 512.0),
        ("steps", True),
    ],
)
def test_out_of_range_inputs_raise_engine_error(field, value):
    kw = dict(prompt="a lake", width=256, height=256, seed=1)
    kw[field] = value
    with pytest.raises(EngineError) as exc:
        render(RenderRequest(**kw))
    assert field in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_colour_words_shift_the_palette():
    blue = sum(blueness(arr("a blue ocean", seed=s)) for s in (1, 2, 3))
    red = sum(blueness(arr("a red desert", seed=s)) for s in (1, 2, 3))
    assert blue > red + 30


def test_named_colour_moves_mean_hue_toward_it():
    green = arr("green hills", seed=4)
    purple = arr("purple hills", seed=4)
    assert green[..., 1].mean() - green[..., 2].mean() > purple[..., 1].mean() - purple[..., 2].mean() + 10


def test_night_sky_is_darker_than_sunny_sky():
    for seed in (1, 2, 3):
        assert luminance(arr("night sky with stars", seed=seed)) + 50 < luminance(arr("sunny sky", seed=seed))


def test_pixel_art_has_few_colours():
    a = arr("pixel art castle on a hill", 320, 256, seed=3).astype(np.uint8)
    assert len(np.unique(a.reshape(-1, 3), axis=0)) <= 32
    b = arr("castle on a hill", 320, 256, seed=3, style="pixel-art").astype(np.uint8)
    assert len(np.unique(b.reshape(-1, 3), axis=0)) <= 32


def test_noir_is_greyscale():
    a = arr("noir rainy city street", seed=2)
    assert np.array_equal(a[..., 0], a[..., 1]) and np.array_equal(a[..., 1], a[..., 2])
    assert a.std() > 20  # still high contrast, not a flat grey


def test_more_steps_add_high_frequency_detail():
    for prompt in ("mountains over a lake", "a meadow with flowers"):
        few = laplacian_var(arr(prompt, 384, 384, seed=7, steps=2))
        many = laplacian_var(arr(prompt, 384, 384, seed=7, steps=40))
        assert many > few * 1.5


def test_guidance_strengthens_named_colour():
    low = sum(blueness(arr("a blue ocean", seed=s, guidance=0.5)) for s in (1, 2, 3))
    high = sum(blueness(arr("a blue ocean", seed=s, guidance=15.0)) for s in (1, 2, 3))
    assert high > low + 15


def test_negative_prompt_removes_moon_and_changes_output():
    base = arr("night sky with a full moon over hills", seed=3)
    nomoon = arr("night sky with a full moon over hills", seed=3, negative_prompt="moon")
    assert np.abs(base - nomoon).mean() > 0.3
    assert nomoon.max(-1).astype(float).mean() <= base.max(-1).astype(float).mean()


def test_negative_colour_reduces_that_colour():
    a = arr("red flowers in a garden", seed=2)
    b = arr("red flowers in a garden", seed=2, negative_prompt="red")

    def redness(x: np.ndarray) -> float:
        return float(np.clip(x[..., 0] - (x[..., 1] + x[..., 2]) / 2, 0, None).mean())

    assert redness(b) < redness(a) * 0.7


def test_progress_reaches_total():
    calls = []
    render(RenderRequest("a cabin in a snowy forest", 256, 256, 1), progress=lambda s, t: calls.append((s, t)))
    total = calls[-1][1]
    assert total >= 5  # a real render has several stages to report
    assert calls == [(step, total) for step in range(1, total + 1)]  # every step once, in order, to the end
    assert all(t == total for _, t in calls)


@pytest.mark.parametrize("style", sorted(STYLE_PRESETS))
def test_every_style_renders_and_changes_the_picture(style):
    plain = arr("a lighthouse by the sea at sunset", seed=9)
    styled = arr("a lighthouse by the sea at sunset", seed=9, style=style)
    assert styled.shape == (256, 256, 3)
    assert np.abs(plain - styled).mean() > 3.0


def test_landscape_and_portrait_aspects_both_render_scene():
    wide = arr("sunset over the ocean", 448, 256, seed=4)
    tall = arr("sunset over the ocean", 256, 448, seed=4)
    for a in (wide, tall):  # bright sky on top, darker water below
        h = a.shape[0]
        assert luminance(a[: h // 3]) > 40 and a.std() > 15


def test_unknown_prompt_is_a_composition_not_noise():
    for seed in (1, 2, 3, 4):
        a = arr("the meaning of quiet thursdays", seed=seed)
        assert a.std() > 10  # not a flat fill
        noise = np.random.default_rng(0).integers(0, 256, a.shape).astype(np.float32)
        assert laplacian_var(a) < laplacian_var(noise) * 0.05


def test_engine_imports_without_django():
    root = Path(__file__).resolve().parents[2]
    code = "import sys, imagestudio.engine; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_output_does_not_depend_on_opencv_thread_count():
    import cv2

    before = cv2.getNumThreads()
    try:
        outs = []
        for threads in (1, 2):
            cv2.setNumThreads(threads)
            outs.append(
                [
                    render(RenderRequest("a cat on a hill by a lake", 320, 256, 5, style=s)).tobytes()
                    for s in [None, *sorted(STYLE_PRESETS)]
                ]
            )
        assert outs[0] == outs[1]
    finally:
        cv2.setNumThreads(before)


def test_mood_words_change_brightness():
    for seed in (1, 2):
        assert luminance(arr("a dark gloomy forest", seed=seed)) < luminance(arr("a bright cheerful forest", seed=seed))
