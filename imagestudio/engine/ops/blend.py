"""image_to_image() and style_transfer(): blends in CIE Lab that keep the source's or the style's colours."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .checks import check_image, check_real, check_same_size
from .pixels import blur, from_lab, join_alpha, match_stats, opaque, recolour, split_alpha, to_lab

TEXTURE_SIGMA = 1.5  # high-pass radius that defines "texture" for style transfer
GAIN_RANGE = (0.6, 1.6)  # how far the content's own detail may be damped or boosted
GRAIN_SHARE = 0.6  # share of the style's remaining texture energy added as grain
LIGHT_GAIN = (0.5, 2.0)  # a flat or harsh style may halve or double the content's contrast, no more


def image_to_image(source: Image.Image, rendered: Image.Image, strength: float) -> Image.Image:
    """Move source toward rendered (a render of the prompt at source's size) by strength 0..1.

    Fine detail follows the render sooner than the large shapes do (like diffusion img2img at
    low strength: same composition, new surface), and the render is colour-matched to the
    source so the palette stays; 0 returns the source exactly, 1 the colour-matched render.
    """
    src = check_image("source", source)
    ren = check_image("rendered", rendered)
    s = check_real("strength", strength, 0.0, 1.0)
    check_same_size("rendered", ren, src.size)
    if s == 0.0:
        return src.copy()
    rgb, alpha = split_alpha(src)
    lab = to_lab(rgb)
    target = recolour(split_alpha(ren)[0], lab, alpha)
    if s < 1.0:
        sigma = max(2.0, min(rgb.shape[:2]) / 24)
        low = blur(target, sigma) - blur(lab, sigma)
        target = lab + low * s**1.5 + (target - lab - low) * s**0.6
    return join_alpha(from_lab(target), alpha)


def style_transfer(content: Image.Image, style: Image.Image, strength: float = 1.0) -> Image.Image:
    """Give content the colour statistics (Reinhard, in Lab) and texture energy of style.

    style may be any size; it is scaled to cover content so its texture keeps its relative scale.
    """
    img = check_image("content", content)
    sty = check_image("style", style)
    s = check_real("strength", strength, 0.0, 1.0)
    if s == 0.0:
        return img.copy()
    rgb, alpha = split_alpha(img)
    srgb, salpha = split_alpha(sty)
    lab = to_lab(rgb)
    out = match_stats(lab, to_lab(srgb), opaque(alpha), opaque(salpha), LIGHT_GAIN)
    style_l = to_lab(_cover(srgb, rgb.shape[:2]))[..., 0]
    out[..., 0] = _texture(out[..., 0], style_l)
    return join_alpha(from_lab(lab + (out - lab) * s), alpha)


def _cover(rgb: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Scale (keeping its aspect) and centre-crop rgb to exactly shape."""
    h, w = shape
    k = max(w / rgb.shape[1], h / rgb.shape[0])
    sw, sh = max(w, round(rgb.shape[1] * k)), max(h, round(rgb.shape[0] * k))
    inter = cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC
    big = cv2.resize(rgb, (sw, sh), interpolation=inter)
    y, x = (sh - h) // 2, (sw - w) // 2
    return big[y : y + h, x : x + w]


def _texture(lum: np.ndarray, style_lum: np.ndarray) -> np.ndarray:
    """Match the std of lum's high-pass to the style's, topping it up with the style's own grain.

    Why: scaling the content's detail keeps its edges where they are; what a smooth content
    cannot supply (e.g. canvas weave on a flat sky) comes from the style's high-pass.
    """
    hp = lum - blur(lum, TEXTURE_SIGMA)
    grain = style_lum - blur(style_lum, TEXTURE_SIGMA)
    have, want = float(hp.std()), float(grain.std())
    gain = float(np.clip(want / max(have, 1e-3), *GAIN_RANGE))
    missing = np.sqrt(max(want**2 - (gain * have) ** 2, 0.0))
    extra = grain * (GRAIN_SHARE * missing / max(want, 1e-3))
    return lum + hp * (gain - 1.0) + extra
