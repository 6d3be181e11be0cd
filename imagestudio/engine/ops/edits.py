"""Exact edits with Pillow/OpenCV: crop, crop_to_aspect, rotate, flip, resize, adjust."""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from ..errors import EngineError
from .checks import MAX_OUTPUT_SIDE, check_choice, check_image, check_int, check_output_size, check_real, parse_aspect
from .pixels import join_alpha, lum, split_alpha, to_u8

_QUARTERS = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}
_FLIPS = {"horizontal": Image.Transpose.FLIP_LEFT_RIGHT, "vertical": Image.Transpose.FLIP_TOP_BOTTOM}
TEMPERATURE_SHIFT = 32.0  # levels R rises and B falls at temperature 1
BRIGHTNESS_REACH = 0.8  # brightness 1 moves 80% of the way to white (-1: to black)


def crop(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """Cut out box = (left, top, right, bottom), right/bottom exclusive, inside the image."""
    img = check_image("image", image)
    if not isinstance(box, tuple | list) or len(box) != 4:
        raise EngineError(f"box must be (left, top, right, bottom), got {box!r}")
    left = check_int("box left", box[0], 0, img.width - 1)
    top = check_int("box top", box[1], 0, img.height - 1)
    right = check_int("box right", box[2], left + 1, img.width)
    bottom = check_int("box bottom", box[3], top + 1, img.height)
    return img.crop((left, top, right, bottom))


def crop_to_aspect(image: Image.Image, aspect_ratio: str) -> Image.Image:
    """The largest centred crop with aspect_ratio (e.g. "1:1", "16:9")."""
    img = check_image("image", image)
    rw, rh = parse_aspect("aspect_ratio", aspect_ratio)
    w, h = img.size
    if w * rh > h * rw:
        cw, ch = max(1, round(h * rw / rh)), h
    else:
        cw, ch = w, max(1, round(w * rh / rw))
    x, y = (w - cw) // 2, (h - ch) // 2
    return img.crop((x, y, x + cw, y + ch))


def rotate(image: Image.Image, degrees: float, expand: bool = True) -> Image.Image:
    """Rotate counter-clockwise (like Pillow; -90 turns clockwise).

    Quarter turns are lossless transposes; other angles use bicubic, filling uncovered corners
    with transparency (RGBA) or the nearest edge colour (RGB). expand=False keeps the size.
    """
    img = check_image("image", image)
    d = check_real("degrees", degrees, -360.0, 360.0) % 360.0
    if not isinstance(expand, bool):
        raise EngineError(f"expand must be true or false, got {expand!r}")
    quarter = d / 90.0
    if quarter.is_integer() and (expand or quarter in (0.0, 2.0) or img.width == img.height):
        return img.transpose(_QUARTERS[int(quarter)]) if quarter else img.copy()
    return _warp(img, d, expand, cv2.INTER_NEAREST if quarter.is_integer() else cv2.INTER_CUBIC)


def flip(image: Image.Image, direction: str) -> Image.Image:
    """Mirror left-right ("horizontal") or top-bottom ("vertical")."""
    img = check_image("image", image)
    return img.transpose(_FLIPS[check_choice("direction", direction, tuple(_FLIPS))])


def resize(image: Image.Image, width: int, height: int) -> Image.Image:
    """Exactly width x height with Lanczos (Pillow premultiplies alpha, so edges do not fringe)."""
    img = check_image("image", image)
    size = (check_int("width", width, 1, MAX_OUTPUT_SIDE), check_int("height", height, 1, MAX_OUTPUT_SIDE))
    return img.resize(size, Image.Resampling.LANCZOS)


def adjust(
    image: Image.Image,
    *,
    brightness: float = 0.0,
    contrast: float = 0.0,
    saturation: float = 0.0,
    temperature: float = 0.0,
) -> Image.Image:
    """Tone edits, each -1..1 with 0 = unchanged (all 0 returns an identical copy); alpha is kept.

    brightness +-1 moves 80% of the way to white/black; contrast -1 flattens to the mean
    luminance, +1 triples the spread; saturation -1 is grey, +1 doubles the colour; temperature
    +-1 shifts R up and B down (or the reverse) by 32 levels.
    """
    img = check_image("image", image)
    b, c, s, t = (
        check_real(n, v, -1.0, 1.0)
        for n, v in (
            ("brightness", brightness),
            ("contrast", contrast),
            ("saturation", saturation),
            ("temperature", temperature),
        )
    )
    if b == c == s == t == 0.0:
        return img.copy()
    rgb, alpha = split_alpha(img)
    f = rgb.astype(np.float32)
    f[..., 0] += TEMPERATURE_SHIFT * t
    f[..., 2] -= TEMPERATURE_SHIFT * t
    f = f + (255.0 - f) * (BRIGHTNESS_REACH * b) if b > 0 else f * (1.0 + BRIGHTNESS_REACH * b)
    f = np.clip(f, 0.0, 255.0)
    pivot = float(lum(f).mean())
    f = pivot + (f - pivot) * (1.0 + c if c <= 0 else 1.0 + 2.0 * c)
    grey = lum(f)[..., None]
    f = grey + (f - grey) * (1.0 + s)
    return join_alpha(to_u8(f), alpha)


def _warp(img: Image.Image, degrees: float, expand: bool, inter: int) -> Image.Image:
    w, h = img.size
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), degrees, 1.0)
    nw, nh = w, h
    if expand:
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = math.ceil(w * cos + h * sin - 1e-6), math.ceil(w * sin + h * cos - 1e-6)
        check_output_size("degrees", nw, nh)
        m[0, 2] += (nw - w) / 2.0
        m[1, 2] += (nh - h) / 2.0
    rgb, alpha = split_alpha(img)
    if alpha is None:
        return join_alpha(cv2.warpAffine(rgb, m, (nw, nh), flags=inter, borderMode=cv2.BORDER_REPLICATE), None)
    # premultiplied, so colours under transparent pixels do not bleed into the new edge
    a = alpha.astype(np.float32) / 255.0
    pre = np.dstack([rgb.astype(np.float32) * a[..., None], a * 255.0])
    out = cv2.warpAffine(pre, m, (nw, nh), flags=inter, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    out = np.clip(out, 0.0, 255.0)
    na = out[..., 3] / 255.0
    colour = np.where(na[..., None] > 1e-4, out[..., :3] / np.maximum(na, 1e-4)[..., None], 0.0)
    return join_alpha(to_u8(colour), to_u8(out[..., 3]))
