"""Offline image operations (imagestudio.engine.ops) on small synthetic images."""

import cv2
import numpy as np
import pytest
from PIL import Image

import imagestudio.engine.ops.fill as fill_module
from imagestudio.engine import EngineError
from imagestudio.engine.ops import (
    MAX_OUTPUT_SIDE,
    adjust,
    crop,
    crop_to_aspect,
    flip,
    image_to_image,
    inpaint,
    invert_mask,
    margins_for_aspect,
    outpaint,
    remove_background,
    resize,
    rotate,
    style_transfer,
    upscale,
)
from imagestudio.engine.ops.upscale import double

BACKDROP = (225, 230, 236)


def _a(im: Image.Image) -> np.ndarray:
    return np.asarray(im).astype(np.float64)


def _lab_mean(im: Image.Image) -> np.ndarray:
    rgb = np.asarray(im.convert("RGB")).astype(np.float32) / 255.0
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).reshape(-1, 3).mean(axis=0)


def _grey(im: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2GRAY).astype(np.float32)


def _gradient_magnitude(im: Image.Image) -> np.ndarray:
    g = _grey(im)
    return cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def subject(w: int = 160, h: int = 128, backdrop=BACKDROP) -> tuple[Image.Image, np.ndarray]:
    """A red ellipse with a blue badge on a flat light backdrop, and the subject's mask."""
    a = np.full((h, w, 3), backdrop, np.uint8)
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 5, h // 4), 0, 0, 360, 1, -1)
    a[mask > 0] = (180, 40, 50)
    cv2.rectangle(a, (w // 2 - 8, h // 2 - 4), (w // 2 + 8, h // 2 + 12), (40, 60, 150), -1)
    return Image.fromarray(a), mask.astype(bool)


def gradient(w: int = 160, h: int = 128, bar: bool = True) -> Image.Image:
    """Orange on the left to green on the right, with a dark bar across the middle."""
    x = np.linspace(0.0, 1.0, w)[None, :, None]
    a = np.concatenate([200 - 120 * x, 80 + 100 * x, 60 + 0 * x], axis=2).repeat(h, axis=0)
    if bar:
        a[h // 3 : h // 3 + 12, w // 8 : w - w // 8] = (30, 30, 90)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def stripes(w: int = 160, h: int = 128) -> Image.Image:
    """Blue-ish vertical sine stripes: a stand-in for a render with its own structure."""
    v = np.sin(np.arange(w) / 5.0)[None, :].repeat(h, axis=0) * 60 + 120
    return Image.fromarray(np.clip(np.dstack([v * 0.5 + 40, v, v * 1.2]), 0, 255).astype(np.uint8))


def checker(w: int = 96, h: int = 64, cell: int = 8) -> Image.Image:
    yy, xx = np.mgrid[0:h, 0:w]
    on = ((yy // cell + xx // cell) % 2).astype(bool)
    a = np.where(on[..., None], np.array([230, 200, 40]), np.array([20, 60, 120]))
    return Image.fromarray(a.astype(np.uint8))


def step_edge(w: int = 64, h: int = 48) -> Image.Image:
    a = np.full((h, w, 3), 40, np.uint8)
    a[:, w // 2 :] = 210
    return Image.fromarray(a)


# --- upscale -------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_upscale_gives_exact_size_for_each_scale(scale):
    out = upscale(checker(40, 24), scale)
    assert out.size == (40 * scale, 24 * scale)
    assert out.mode == "RGB"


def test_upscale_refuses_results_over_the_limit_before_working():
    wide = Image.new("RGB", (MAX_OUTPUT_SIDE // 8 + 1, 4))
    with pytest.raises(EngineError) as exc:
        upscale(wide, 8)
    assert str(MAX_OUTPUT_SIDE) in str(exc.value) and "scale" in str(exc.value)
    assert upscale(wide, 4).size == (wide.width * 4, 16)


@pytest.mark.parametrize("scale", [3, 1, 16, True, 2.0, "2"])
def test_upscale_refuses_other_scales(scale):
    with pytest.raises(EngineError, match="scale"):
        upscale(checker(), scale)


def test_upscaled_edge_is_sharper_than_bilinear():
    img = step_edge()
    ours = _a(upscale(img, 4))[..., 0]
    plain = _a(img.resize((img.width * 4, img.height * 4), Image.Resampling.BILINEAR))[..., 0]
    steepest = np.abs(np.diff(ours, axis=1)).max(axis=1).mean()
    steepest_plain = np.abs(np.diff(plain, axis=1)).max(axis=1).mean()
    assert steepest > 1.5 * steepest_plain


def test_upscale_sharpens_a_soft_edge_beyond_plain_lanczos():
    img = Image.fromarray(cv2.GaussianBlur(np.asarray(step_edge()), (0, 0), 1.2))
    ours = _a(upscale(img, 4))[..., 0]
    plain = _a(img.resize((img.width * 4, img.height * 4), Image.Resampling.LANCZOS))[..., 0]
    assert np.abs(np.diff(ours, axis=1)).max() > 1.15 * np.abs(np.diff(plain, axis=1)).max()


def test_upscale_keeps_halos_within_the_input_range():
    out = _a(upscale(step_edge(), 4))
    assert out.min() >= 40 - 2 and out.max() <= 210 + 2


def test_upscale_keeps_rgba_alpha_with_plain_lanczos():
    rgba = checker(40, 24).convert("RGBA")
    alpha = np.zeros((24, 40), np.uint8)
    alpha[:, 20:] = 255
    rgba.putalpha(Image.fromarray(alpha))
    out = upscale(rgba, 2)
    assert out.mode == "RGBA" and out.size == (80, 48)
    expected = Image.fromarray(alpha).resize((80, 48), Image.Resampling.LANCZOS)
    assert np.array_equal(np.asarray(out)[..., 3], np.asarray(expected))
    assert np.asarray(out)[:, :30, 3].max() == 0 and np.asarray(out)[:, 50:, 3].min() == 255


def test_upscale_reports_one_progress_tick_per_doubling():
    seen = []
    upscale(checker(20, 12), 8, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_doubling_in_strips_equals_one_pass():
    rgb = np.asarray(stripes(70, 50).rotate(20)).copy()
    rgb[15:30, 10:40] = (250, 10, 10)
    assert np.array_equal(double(rgb, strip=16), double(rgb, strip=10_000))


# --- remove_background ---------------------------------------------------------------------


def _noisy_gradient_backdrop(w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    ramp = np.linspace(0.0, 1.0, h)[:, None, None]
    a = np.array([150, 170, 200]) * (1 - ramp) + np.array([205, 210, 220]) * ramp
    return np.clip(a.repeat(w, axis=1) + rng.normal(0, 4, (h, w, 3)), 0, 255).astype(np.uint8)


def _assert_cut_out(out: Image.Image, sub: np.ndarray) -> None:
    alpha = np.asarray(out)[..., 3]
    assert out.mode == "RGBA"
    assert (alpha[sub] == 255).mean() > 0.90
    assert (alpha[~sub] == 0).mean() > 0.95


def test_remove_background_cuts_a_subject_from_a_plain_backdrop():
    img, sub = subject()
    out = remove_background(img)
    _assert_cut_out(out, sub)
    alpha = np.asarray(out)[..., 3]
    assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0
    assert alpha[:3].max() == alpha[-3:].max() == alpha[:, :3].max() == alpha[:, -3:].max() == 0
    assert alpha[64, 80] == 255
    assert np.array_equal(np.asarray(out)[..., :3], np.asarray(img))


def test_remove_background_handles_a_noisy_gradient_backdrop():
    img, sub = subject()
    a = _noisy_gradient_backdrop(*img.size)
    a[sub] = np.asarray(img)[sub]
    _assert_cut_out(remove_background(Image.fromarray(a)), sub)


def test_remove_background_keeps_a_subject_cut_by_the_frame():
    w, h = 160, 192
    a = _noisy_gradient_backdrop(w, h)
    sub = np.zeros((h, w), np.uint8)
    cv2.ellipse(sub, (80, 200), (60, 60), 0, 0, 360, 1, -1)  # shoulders run off the bottom edge
    cv2.circle(sub, (80, 95), 30, 1, -1)
    a[sub > 0] = (120, 70, 40)
    a[(sub > 0) & (np.arange(h)[:, None] < 125)] = (225, 180, 150)
    _assert_cut_out(remove_background(Image.fromarray(a)), sub.astype(bool))


def test_remove_background_works_on_a_reduced_copy_of_large_images():
    img, sub = subject(720, 560)
    out = remove_background(img)
    assert out.size == (720, 560)
    _assert_cut_out(out, sub)


def test_remove_background_keeps_existing_transparency_and_reports_progress():
    rgba = subject()[0].convert("RGBA")
    rgba.putpixel((80, 64), (180, 40, 50, 0))
    seen = []
    out = remove_background(rgba, progress=lambda d, t: seen.append((d, t)))
    assert np.asarray(out)[64, 80, 3] == 0 and np.asarray(out)[60, 80, 3] == 255
    assert seen[-1] == (4, 4) and len(seen) == 4


def test_remove_background_is_repeatable():
    img, _ = subject()
    assert remove_background(img).tobytes() == remove_background(img).tobytes()


def test_remove_background_refuses_an_image_without_subject():
    with pytest.raises(EngineError, match="no subject"):
        remove_background(Image.new("RGB", (100, 80), (200, 200, 200)))
    with pytest.raises(EngineError, match="at least 16x16"):
        remove_background(Image.new("RGB", (100, 15)))


def test_remove_background_handles_long_thin_images():
    a = np.full((20, 1200, 3), BACKDROP, np.uint8)
    a[6:14, 500:700] = (180, 40, 50)
    alpha = np.asarray(remove_background(Image.fromarray(a)))[..., 3]
    assert alpha.shape == (20, 1200) and alpha[10, 600] == 255 and alpha[10, 100] == 0


# --- image_to_image ------------------------------------------------------------------------


def test_image_to_image_strength_0_returns_the_source_exactly():
    src = gradient()
    out = image_to_image(src, stripes(), 0.0)
    assert out.tobytes() == src.tobytes() and out.mode == src.mode


def test_image_to_image_strength_1_is_the_render_in_the_source_colours():
    src, ren = gradient(), stripes()
    out = image_to_image(src, ren, 1.0)
    assert np.abs(_lab_mean(out) - _lab_mean(src)).max() < 4.0  # exact before clipping to the RGB gamut
    assert np.abs(_lab_mean(ren) - _lab_mean(src)).max() > 15.0  # so the match did something
    assert np.corrcoef(_grey(out).ravel(), _grey(ren).ravel())[0, 1] > 0.95


def test_image_to_image_moves_away_from_the_source_as_strength_rises():
    src, ren = gradient(), stripes()
    diffs = [np.abs(_a(image_to_image(src, ren, s)) - _a(src)).mean() for s in (0.25, 0.5, 0.75, 1.0)]
    assert diffs[0] > 2.0
    assert diffs == sorted(diffs) and len(set(diffs)) == 4


def test_image_to_image_changes_fine_detail_before_the_large_shapes():
    src, ren = gradient(), checker(160, 128, 4)

    def low(a):
        return cv2.GaussianBlur(a, (0, 0), 8)

    s, half, full = _a(src), _a(image_to_image(src, ren, 0.5)), _a(image_to_image(src, ren, 1.0))
    low_share = np.abs(low(half) - low(s)).mean() / np.abs(low(full) - low(s)).mean()
    high_share = np.abs((half - low(half)) - (s - low(s))).mean() / np.abs((full - low(full)) - (s - low(s))).mean()
    assert low_share < 0.45 and high_share > 0.55


def test_image_to_image_keeps_source_alpha():
    src = gradient().convert("RGBA")
    src.putalpha(100)
    out = image_to_image(src, stripes(), 0.6)
    assert out.mode == "RGBA" and np.all(np.asarray(out)[..., 3] == 100)


@pytest.mark.parametrize("strength", [-0.1, 1.01, float("nan"), "0.5", True, None])
def test_image_to_image_refuses_bad_strength(strength):
    with pytest.raises(EngineError, match="strength"):
        image_to_image(gradient(), stripes(), strength)


def test_image_to_image_refuses_a_render_of_another_size():
    with pytest.raises(EngineError, match="rendered must be 160x128"):
        image_to_image(gradient(), stripes(128, 128), 0.5)


# --- inpaint -------------------------------------------------------------------------------


def _disc_mask(w: int = 160, h: int = 128, centre=(80, 70), radius: int = 28) -> Image.Image:
    m = np.zeros((h, w), np.uint8)
    cv2.circle(m, centre, radius, 255, -1)
    return Image.fromarray(m)


@pytest.mark.parametrize("feather", [0, 8])
def test_inpaint_changes_only_inside_the_mask(feather):
    src, mask = gradient(), _disc_mask()
    out = inpaint(src, mask, stripes(), feather=feather)
    inside = np.asarray(mask) >= 128
    assert np.array_equal(np.asarray(out)[~inside], np.asarray(src)[~inside])
    assert np.abs(_a(out)[inside] - _a(src)[inside]).mean() > 15.0


def test_inpaint_feather_softens_only_the_inner_rim():
    src, mask = gradient(), _disc_mask()
    hard, soft = _a(inpaint(src, mask, stripes())), _a(inpaint(src, mask, stripes(), feather=8))
    rim, centre = (70, 80 + 27), (70, 80)  # (row, col) just inside the edge, and the middle
    assert np.abs(soft[rim] - _a(src)[rim]).sum() < np.abs(hard[rim] - _a(src)[rim]).sum()
    assert np.array_equal(soft[centre], hard[centre])


def test_inpaint_fills_a_hole_in_a_flat_area_with_that_colour():
    flat = Image.new("RGB", (128, 96), (90, 140, 200))
    out = inpaint(flat, _disc_mask(128, 96, (64, 48), 25), flat.copy(), feather=4)
    assert np.abs(_a(out) - np.array([90, 140, 200])).max() <= 3


def test_inpaint_fills_big_holes_at_a_reduced_size_without_leaking(monkeypatch):
    monkeypatch.setattr(fill_module, "TELEA_MAX_HOLE", 300)  # a 25 px disc is now "big"
    flat = Image.new("RGB", (128, 96), (90, 140, 200))
    src = np.asarray(flat).copy()
    src[:, :20] = (250, 250, 250)  # kept pixels of another colour must not bleed into the hole
    mask = _disc_mask(128, 96, (70, 48), 25)
    out = _a(inpaint(Image.fromarray(src), mask, flat.copy()))
    inside = np.asarray(mask) >= 128
    assert np.array_equal(out[~inside], src[~inside])
    assert np.abs(out[inside] - [90, 140, 200]).max() <= 3


def test_inpaint_lets_the_render_colour_the_middle_of_the_hole():
    flat, red = Image.new("RGB", (128, 96), (90, 140, 200)), Image.new("RGB", (128, 96), (220, 30, 30))
    out = _a(inpaint(flat, _disc_mask(128, 96, (64, 48), 30), red))
    assert out[48, 64, 0] > 150 and out[48, 64, 2] < 100  # mostly the prompt's red in the middle
    assert np.abs(out[48, 35] - [90, 140, 200]).max() < 40  # the rim follows the surroundings


def test_inpaint_refuses_an_empty_mask_but_allows_a_full_one():
    with pytest.raises(EngineError, match=r"^mask is empty: paint the area to change$"):
        inpaint(gradient(), Image.new("L", (160, 128), 127), stripes())
    out = inpaint(gradient(), Image.new("L", (160, 128), 255), stripes())
    assert out.tobytes() == stripes().tobytes()


def test_inpaint_accepts_other_mask_modes_and_keeps_rgba_alpha_outside():
    src = gradient().convert("RGBA")
    src.putalpha(80)
    out = inpaint(src, _disc_mask().convert("1"), stripes())
    alpha = np.asarray(out)[..., 3]
    assert out.mode == "RGBA" and alpha[0, 0] == 80 and alpha[70, 80] == 255


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"mask": Image.new("L", (10, 10), 255)}, "mask"),
        ({"mask": np.ones((128, 160), np.uint8)}, "mask"),
        ({"rendered": stripes(100, 100)}, "rendered"),
        ({"feather": -1}, "feather"),
        ({"feather": 257}, "feather"),
        ({"feather": 2.5}, "feather"),
    ],
)
def test_inpaint_refuses_bad_inputs(kwargs, field):
    args = {"source": gradient(), "mask": _disc_mask(), "rendered": stripes(), **kwargs}
    with pytest.raises(EngineError, match=field):
        inpaint(**args)


def test_invert_mask_swaps_kept_and_changed_areas():
    m = Image.fromarray(np.array([[0, 127, 128, 255]], np.uint8))
    assert np.asarray(invert_mask(m)).tolist() == [[255, 128, 127, 0]]
    disc = _disc_mask()
    assert invert_mask(invert_mask(disc)).tobytes() == disc.tobytes()
    assert invert_mask(disc).mode == "L"


# --- outpaint ------------------------------------------------------------------------------


@pytest.mark.parametrize("with_render", [False, True])
def test_outpaint_extends_around_an_untouched_original(with_render):
    src = gradient()
    left, right, top, bottom = 40, 24, 8, 16
    size = (160 + left + right, 128 + top + bottom)
    out = outpaint(
        src, left=left, right=right, top=top, bottom=bottom, rendered=stripes(*size) if with_render else None
    )
    a, s = _a(out), _a(src)
    assert out.size == size
    assert np.array_equal(a[top : top + 128, left : left + 160], s)
    new_left = a[top : top + 128, :left]
    assert new_left.std(axis=(0, 1)).min() > 1.0  # not a flat slab
    # the columns next to the seam continue the source's edge colours
    assert np.abs(a[top : top + 128, left - 3 : left].mean(axis=(0, 1)) - s[:, :3].mean(axis=(0, 1))).max() < 12
    right_seam = a[top : top + 128, left + 160 : left + 163].mean(axis=(0, 1))
    assert np.abs(right_seam - s[:, -3:].mean(axis=(0, 1))).max() < 12


def test_outpaint_without_render_adds_mild_texture_not_a_flat_slab():
    src = Image.new("RGB", (96, 64), (120, 160, 90))
    new = _grey(outpaint(src, left=32, bottom=16))
    fine = new - cv2.GaussianBlur(new, (0, 0), 1.5)
    assert 1.2 < fine[:, :32].std() < 8.0 and 1.2 < fine[64:].std() < 8.0  # Telea alone leaves < 0.8
    assert abs(new[:, :32].mean() - _grey(src).mean()) < 3.0


def test_outpaint_keeps_alpha_of_the_original_area():
    src = gradient().convert("RGBA")
    src.putalpha(255)
    out = outpaint(src, top=20)
    assert out.mode == "RGBA" and out.size == (160, 148)
    assert np.asarray(out)[20:, :, 3].min() == 255 and np.asarray(out)[:20, :, 3].min() > 200


def test_margins_for_aspect_extends_the_shorter_side_symmetrically():
    assert margins_for_aspect(900, 900, "16:9") == (350, 350, 0, 0)
    assert margins_for_aspect(1600, 900, "1:1") == (0, 0, 350, 350)
    assert margins_for_aspect(101, 100, "2:1") == (49, 50, 0, 0)
    assert margins_for_aspect(1024, 1024, "2:3") == (0, 0, 256, 256)


@pytest.mark.parametrize("aspect", ["1:1", "16x9", "0:1", "16:0", "1:20", "", "16:9:1", None, 1.5])
def test_margins_for_aspect_refuses_bad_or_current_aspects(aspect):
    with pytest.raises(EngineError, match="aspect_ratio"):
        margins_for_aspect(640, 640, aspect)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({}, "margin"),
        ({"left": -1}, "left"),
        ({"top": 2049}, "top"),
        ({"bottom": 1.5}, "bottom"),
        ({"right": 2048, "left": 2048, "rendered": None}, None),
        ({"left": 10, "rendered": stripes(160, 128)}, "rendered"),
    ],
)
def test_outpaint_refuses_bad_margins_and_renders(kwargs, field):
    src = gradient() if field else Image.new("RGB", (MAX_OUTPUT_SIDE - 4000, 8))
    with pytest.raises(EngineError, match=field or str(MAX_OUTPUT_SIDE)):
        outpaint(src, **kwargs)


# --- style_transfer ------------------------------------------------------------------------


def _grainy_style(w: int = 300, h: int = 120, grain: float = 10.0, block: bool = True) -> Image.Image:
    """Deep blue with grain (and a warmer block on the left): a style of another size than the content."""
    rng = np.random.default_rng(0)
    base = np.array([30.0, 60.0, 140.0]) + rng.normal(0, grain, (h, w, 1))
    if block:
        base[:, : w // 3] += (60, 20, -40)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def test_style_transfer_moves_colours_to_the_style():
    content, _ = subject()
    style = _grainy_style()
    out = style_transfer(content, style)
    assert np.abs(_lab_mean(out) - _lab_mean(style)).max() < 3.0
    assert np.abs(_lab_mean(content) - _lab_mean(style)).max() > 30.0


@pytest.mark.parametrize("block", [True, False])  # False: a low-contrast style must not flatten the content
def test_style_transfer_keeps_the_content_edges(block):
    content, _ = subject()
    out = style_transfer(content, _grainy_style(grain=8.0, block=block))
    assert np.corrcoef(_gradient_magnitude(content).ravel(), _gradient_magnitude(out).ravel())[0, 1] > 0.8


def test_style_transfer_brings_the_style_texture():
    smooth = gradient(bar=False)
    grainy = _grainy_style(grain=18.0)

    def fine(im):
        g = _grey(im)
        return float((g - cv2.GaussianBlur(g, (0, 0), 1.5)).std())

    out = style_transfer(smooth, grainy)
    assert fine(smooth) < 1.0
    assert fine(out) > 0.4 * fine(grainy)


def test_style_transfer_strength_0_is_exact_and_half_is_between():
    content, _ = subject()
    style = _grainy_style()
    assert style_transfer(content, style, 0.0).tobytes() == content.tobytes()
    half, full = _lab_mean(style_transfer(content, style, 0.5)), _lab_mean(style_transfer(content, style, 1.0))
    assert np.all(np.abs(half - full) > 3) and np.all(np.abs(half - _lab_mean(content)) > 3)


def test_style_transfer_refuses_bad_strength_and_non_images():
    content, _ = subject()
    with pytest.raises(EngineError, match="strength"):
        style_transfer(content, _grainy_style(), 2.0)
    with pytest.raises(EngineError, match="style must be a PIL image"):
        style_transfer(content, np.zeros((4, 4, 3), np.uint8))


# --- edits ---------------------------------------------------------------------------------


def test_crop_cuts_the_exact_box():
    img = checker()
    out = crop(img, (10, 5, 50, 45))
    assert out.size == (40, 40)
    assert np.array_equal(np.asarray(out), np.asarray(img)[5:45, 10:50])


@pytest.mark.parametrize(
    "box", [(0, 0, 97, 10), (-1, 0, 10, 10), (10, 10, 10, 20), (20, 5, 10, 30), (0, 0, 10), "0,0,1,1"]
)
def test_crop_refuses_boxes_outside_or_empty(box):
    with pytest.raises(EngineError, match="box"):
        crop(checker(), box)


@pytest.mark.parametrize(
    "aspect,size,offset", [("1:1", (64, 64), (16, 0)), ("16:9", (96, 54), (0, 5)), ("1:2", (32, 64), (32, 0))]
)
def test_crop_to_aspect_takes_the_largest_centred_box(aspect, size, offset):
    img = checker()
    out = crop_to_aspect(img, aspect)
    assert out.size == size
    x, y = offset
    assert np.array_equal(np.asarray(out), np.asarray(img)[y : y + size[1], x : x + size[0]])


def test_rotate_90_moves_a_known_pixel_and_swaps_the_size():
    img = Image.new("RGB", (60, 40), (0, 0, 0))
    img.putpixel((10, 5), (255, 0, 0))
    ccw, cw = rotate(img, 90), rotate(img, -90)
    assert ccw.size == cw.size == (40, 60)
    assert ccw.getpixel((5, 60 - 1 - 10)) == (255, 0, 0)  # counter-clockwise: (x, y) -> (y, w-1-x)
    assert cw.getpixel((40 - 1 - 5, 10)) == (255, 0, 0)  # clockwise: (x, y) -> (h-1-y, x)
    assert np.asarray(ccw).sum() == np.asarray(cw).sum() == 255


@pytest.mark.parametrize("degrees", [0, 360, -360, 0.0])
def test_rotate_full_turns_return_an_exact_copy(degrees):
    img = checker()
    out = rotate(img, degrees)
    assert out.tobytes() == img.tobytes() and out is not img


def test_rotate_90_without_expand_keeps_the_size():
    img = gradient(60, 40)
    assert rotate(img, 90, expand=False).size == (60, 40)
    assert rotate(img, 180, expand=False).tobytes() == img.transpose(Image.Transpose.ROTATE_180).tobytes()


def test_rotate_other_angles_fill_corners_transparent_or_with_edges():
    rgba = Image.new("RGBA", (64, 48), (200, 40, 40, 255))
    out = rotate(rgba, 30)
    assert out.size == (80, 74)  # ceil(64 cos 30 + 48 sin 30), ceil(64 sin 30 + 48 cos 30)
    a = np.asarray(out)
    assert a[0, 0, 3] == 0 and a[37, 40, 3] == 255 and tuple(a[37, 40, :3]) == (200, 40, 40)
    rgb = rotate(Image.new("RGB", (64, 48), (200, 40, 40)), 30)
    assert np.abs(_a(rgb) - [200, 40, 40]).max() <= 1  # replicated edges, no black corners


def test_rotate_refuses_bad_angles():
    for bad in (float("inf"), 400, "90", None):
        with pytest.raises(EngineError, match="degrees"):
            rotate(checker(), bad)
    with pytest.raises(EngineError, match="expand"):
        rotate(checker(), 10, expand="yes")


def test_flip_mirrors_pixels():
    img = checker(30, 20)
    a = np.asarray(img)
    assert np.array_equal(np.asarray(flip(img, "horizontal")), a[:, ::-1])
    assert np.array_equal(np.asarray(flip(img, "vertical")), a[::-1])
    with pytest.raises(EngineError, match="direction"):
        flip(img, "diagonal")


def test_resize_gives_the_exact_size_and_refuses_bad_sizes():
    assert resize(checker(), 123, 45).size == (123, 45)
    assert resize(checker().convert("RGBA"), 10, 10).mode == "RGBA"
    for w, h in ((0, 10), (10, MAX_OUTPUT_SIDE + 1), (10.0, 10)):
        with pytest.raises(EngineError, match=r"width|height"):
            resize(checker(), w, h)


def test_adjust_with_all_zero_is_byte_identical():
    for img in (gradient(), gradient().convert("RGBA")):
        out = adjust(img)
        assert out.tobytes() == img.tobytes() and out.mode == img.mode


def test_adjust_brightness_raises_and_lowers_luminance():
    img = gradient()
    base = _grey(img).mean()
    assert _grey(adjust(img, brightness=0.5)).mean() > base + 20
    assert _grey(adjust(img, brightness=-0.5)).mean() < base - 20


def test_adjust_contrast_widens_and_narrows_the_spread():
    img = gradient()
    base = _grey(img).std()
    assert _grey(adjust(img, contrast=0.5)).std() > base * 1.3
    assert _grey(adjust(img, contrast=-0.5)).std() < base * 0.6


def test_adjust_saturation_minus_one_gives_grey():
    out = _a(adjust(checker(), saturation=-1.0))
    assert np.abs(out[..., 0] - out[..., 1]).max() <= 1 and np.abs(out[..., 1] - out[..., 2]).max() <= 1


def test_adjust_temperature_warms_and_cools():
    img = gradient()

    def warmth(im):
        a = _a(im)
        return (a[..., 0] - a[..., 2]).mean()

    warm, cool = _a(adjust(img, temperature=0.5)), _a(adjust(img, temperature=-0.5))
    assert warmth(adjust(img, temperature=0.5)) > warmth(img) + 10
    assert warmth(adjust(img, temperature=-0.5)) < warmth(img) - 10
    assert warm[..., 0].mean() > _a(img)[..., 0].mean() > cool[..., 0].mean()
    assert warm[..., 2].mean() < _a(img)[..., 2].mean() < cool[..., 2].mean()


def test_adjust_keeps_alpha():
    img = gradient().convert("RGBA")
    img.putalpha(77)
    assert np.all(np.asarray(adjust(img, brightness=0.3))[..., 3] == 77)


@pytest.mark.parametrize("field", ["brightness", "contrast", "saturation", "temperature"])
@pytest.mark.parametrize("value", [-1.01, 1.5, float("nan"), "0.2"])
def test_adjust_refuses_out_of_range_values(field, value):
    with pytest.raises(EngineError, match=field):
        adjust(gradient(), **{field: value})


# --- shared behaviour ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: upscale(a, 2),
        lambda a, b: image_to_image(a, b, 0.5),
        lambda a, b: inpaint(a, _disc_mask(), b, feather=4),
        lambda a, b: outpaint(a, left=10, rendered=stripes(170, 128)),
        lambda a, b: style_transfer(a, b, 0.7),
        lambda a, b: rotate(a, 33),
        lambda a, b: adjust(a, brightness=0.2, saturation=0.5),
        lambda a, b: remove_background(b),
    ],
)
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_operations_never_modify_their_inputs(op, mode):
    a = gradient().convert(mode)
    b = subject()[0].convert(mode)
    before = (a.tobytes(), b.tobytes(), a.mode, b.mode)
    op(a, b)
    assert (a.tobytes(), b.tobytes(), a.mode, b.mode) == before


def test_other_modes_are_accepted_and_non_images_refused():
    grey = gradient().convert("L")
    assert adjust(grey, brightness=0.1).mode == "RGB"
    assert upscale(grey.convert("P"), 2).mode == "RGB"
    with pytest.raises(EngineError, match="image must be a PIL image"):
        flip(np.zeros((4, 4, 3)), "vertical")
    with pytest.raises(EngineError, match="1 to 8192 px"):
        crop_to_aspect(Image.new("RGB", (MAX_OUTPUT_SIDE + 1, 1)), "1:1")
