"""inpaint() and outpaint(): Telea inpainting of the hole, mixed with a render of the prompt."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from ..errors import EngineError
from .checks import check_image, check_int, check_output_size, check_same_size, parse_aspect
from .pixels import blur, from_lab, join_alpha, lum, recolour, smoothstep, split_alpha, to_lab, to_u8

MAX_MARGIN = 2048
MAX_FEATHER = 256
TELEA_RADIUS = 5
RENDER_SHARE = 0.75  # weight of the render deep inside a hole (the edge itself follows the surroundings)
TELEA_MAX_HOLE = 2**18  # hole pixels Telea fills at full size (~1 s); bigger holes are filled at a reduced size


def invert_mask(mask: Image.Image) -> Image.Image:
    """Swap the area to change and the area to keep (an "L" image, 255 - value)."""
    return Image.fromarray(255 - _mask_array(mask, None), "L")


def inpaint(source: Image.Image, mask: Image.Image, rendered: Image.Image, feather: int = 0) -> Image.Image:
    """Repaint where mask is white (>= 128); every pixel outside the mask stays byte-identical.

    feather > 0 fades the change in over that many pixels inside the mask edge, never outside it.
    """
    src = check_image("source", source)
    hole = _mask_array(mask, src.size) >= 128
    ren = check_image("rendered", rendered)
    check_same_size("rendered", ren, src.size)
    feather = check_int("feather", feather, 0, MAX_FEATHER)
    if not hole.any():
        raise EngineError("mask is empty: paint the area to change")
    rgb, alpha = split_alpha(src)
    dist = _inside_distance(hole)
    filled = _fill(rgb, hole, split_alpha(ren)[0], dist)
    w = smoothstep(dist / (feather + 1)) if feather else hole.astype(np.float32)
    out = np.where(hole[..., None], to_u8(rgb + (filled - rgb) * w[..., None]), rgb)
    if alpha is not None:
        alpha = np.where(hole, to_u8(alpha + (255.0 - alpha) * w), alpha)
    return join_alpha(out, alpha)


def outpaint(
    source: Image.Image,
    *,
    left: int = 0,
    right: int = 0,
    top: int = 0,
    bottom: int = 0,
    rendered: Image.Image | None = None,
) -> Image.Image:
    """Extend the canvas by the margins; the source sits byte-identical at (left, top).

    The margins continue the edges (Telea); rendered (a render at the new size) adds the
    prompt's texture and variety, else mild noise keeps the extension from looking flat.
    """
    src = check_image("source", source)
    m = [
        check_int(n, v, 0, MAX_MARGIN) for n, v in (("left", left), ("right", right), ("top", top), ("bottom", bottom))
    ]
    if not any(m):
        raise EngineError("left, right, top, bottom: at least one margin must be above 0")
    size = (src.width + m[0] + m[1], src.height + m[2] + m[3])
    check_output_size("margins", *size)
    rgb, alpha = split_alpha(src)
    hole = np.ones((size[1], size[0]), bool)
    hole[m[2] : m[2] + src.height, m[0] : m[0] + src.width] = False
    canvas = _place(rgb, hole)
    ren = _matched_render(rendered, size, rgb, alpha)
    out = np.where(hole[..., None], to_u8(_fill(canvas, hole, ren, _inside_distance(hole))), canvas)
    if alpha is not None:
        alpha = _place(alpha, hole)
        alpha = np.where(hole, _telea(alpha, hole), alpha)
    return join_alpha(out, alpha)


def margins_for_aspect(width: int, height: int, aspect_ratio: str) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) that extend the shorter dimension symmetrically to aspect_ratio."""
    width = check_int("width", width, 1, 10**6)
    height = check_int("height", height, 1, 10**6)
    rw, rh = parse_aspect("aspect_ratio", aspect_ratio)
    if width * rh < height * rw:
        extra = round(height * rw / rh) - width
        margins = (extra // 2, extra - extra // 2, 0, 0)
    else:
        extra = round(width * rh / rw) - height
        margins = (0, 0, extra // 2, extra - extra // 2)
    if extra <= 0:
        raise EngineError(f"aspect_ratio {aspect_ratio!r} is already the image's aspect ({width}x{height})")
    return margins


def _mask_array(mask: object, size: tuple[int, int] | None) -> np.ndarray:
    if not isinstance(mask, Image.Image):
        raise EngineError(f"mask must be a PIL image, got {type(mask).__name__}")
    if size is not None:
        check_same_size("mask", mask, size)
    return np.array(mask.convert("L"), dtype=np.uint8)


def _place(a: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """a pasted into a zero canvas of hole's shape at the one spot hole leaves open."""
    ys, xs = np.nonzero(~hole)
    out = np.zeros(hole.shape + a.shape[2:], a.dtype)
    out[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1] = a
    return out


def _inside_distance(hole: np.ndarray) -> np.ndarray:
    """Distance (px) from each hole pixel to the nearest kept pixel; 0 outside the hole."""
    if hole.all():
        return np.full(hole.shape, float(max(hole.shape)), np.float32)
    return cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _telea(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """cv2.inpaint (Telea) of the hole; a big hole is filled at a reduced size and scaled back up.

    Why: Telea costs about 4 us per hole pixel, and far from the rim its fill is a smooth smear
    that the render's texture (or noise) covers anyway.
    """
    h, w = hole.shape
    k = min(1.0, float(np.sqrt(TELEA_MAX_HOLE / max(1, int(hole.sum())))))
    if k >= 1.0:
        return cv2.inpaint(img, hole.astype(np.uint8), TELEA_RADIUS, cv2.INPAINT_TELEA)
    sw, sh = max(1, round(w * k)), max(1, round(h * k))
    # a small pixel that mixes any hole pixel is itself unknown, so no zeros leak into the fill
    small_hole = cv2.resize(hole.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA) > 0
    small = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA)
    small = cv2.inpaint(small, small_hole.astype(np.uint8), TELEA_RADIUS, cv2.INPAINT_TELEA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _matched_render(
    rendered: Image.Image | None, size: tuple[int, int], rgb: np.ndarray, alpha: np.ndarray | None
) -> np.ndarray | None:
    """The render's RGB with the source's colour statistics, so the extension matches the picture."""
    if rendered is None:
        return None
    ren = check_image("rendered", rendered)
    check_same_size("rendered", ren, size)
    return from_lab(recolour(split_alpha(ren)[0], to_lab(rgb), alpha))


def _fill(rgb: np.ndarray, hole: np.ndarray, rendered: np.ndarray | None, dist: np.ndarray) -> np.ndarray:
    """Float RGB fill for the hole: Telea near its edge, the render (or noise) further in."""
    if hole.all():
        return rendered.astype(np.float32)  # only inpaint can mask everything, and it always has a render
    base = _telea(rgb, hole).astype(np.float32)
    if rendered is None:
        return base + _noise(rgb, hole)
    r = rendered.astype(np.float32)
    a = RENDER_SHARE * smoothstep(dist / max(4.0, 0.5 * float(dist.max())))[..., None]
    return base + (r - base) * a + (r - blur(r, 2.0)) * (1.0 - a)


def _noise(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Mono grain plus soft blotches as strong as the source's own fine texture (2.5..8 levels)."""
    g = lum(rgb.astype(np.float32))
    hp = np.abs(g - blur(g, 1.5))[~hole]
    amp = float(np.clip(1.4826 * np.median(hp), 2.5, 8.0))  # robust std: the hole's zeros spike the rim
    rng = np.random.default_rng(0)
    coarse = blur(rng.standard_normal(hole.shape, dtype=np.float32), 6.0)
    fine = rng.standard_normal(hole.shape, dtype=np.float32)
    return ((fine + coarse / (coarse.std() + 1e-6)) * (0.7 * amp))[..., None]
