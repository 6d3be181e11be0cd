"""Input validation shared by the image operations (every failure is an EngineError naming the field)."""

from __future__ import annotations

import math
import numbers
import re

from PIL import Image

from ..errors import EngineError
from ..request import _check_int as check_int

MAX_OUTPUT_SIDE = 8192
_ASPECT = re.compile(r"^\s*(\d{1,3})\s*:\s*(\d{1,3})\s*$")

__all__ = [
    "MAX_OUTPUT_SIDE",
    "check_choice",
    "check_image",
    "check_int",
    "check_output_size",
    "check_real",
    "check_same_size",
    "parse_aspect",
]


def check_image(name: str, image: object) -> Image.Image:
    """Return image as RGB or RGBA (other modes converted); the caller must not modify it in place."""
    if not isinstance(image, Image.Image):
        raise EngineError(f"{name} must be a PIL image, got {type(image).__name__}")
    w, h = image.size
    if not (1 <= w <= MAX_OUTPUT_SIDE and 1 <= h <= MAX_OUTPUT_SIDE):
        raise EngineError(f"{name} must be 1 to {MAX_OUTPUT_SIDE} px per side, got {w}x{h}")
    if image.mode in ("RGB", "RGBA"):
        return image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def check_real(name: str, value: object, lo: float, hi: float) -> float:
    # bool is a Real subclass; NaN fails every comparison so it is refused explicitly.
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise EngineError(f"{name} must be a number between {lo:g} and {hi:g}, got {value!r}")
    if not lo <= float(value) <= hi:
        raise EngineError(f"{name} must be between {lo:g} and {hi:g}, got {value}")
    return float(value)


def check_choice(name: str, value: object, allowed: tuple) -> object:
    if isinstance(value, bool) or value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise EngineError(f"{name} must be one of {listed}, got {value!r}")
    return value


def check_same_size(name: str, image: Image.Image, size: tuple[int, int]) -> None:
    if image.size != size:
        raise EngineError(f"{name} must be {size[0]}x{size[1]} px like the source, got {image.width}x{image.height}")


def check_output_size(name: str, width: int, height: int) -> None:
    """Refuse results too big to hold or serve, before any memory is spent on them."""
    if width > MAX_OUTPUT_SIDE or height > MAX_OUTPUT_SIDE:
        raise EngineError(
            f"{name}: the result would be {width}x{height} px; the limit is {MAX_OUTPUT_SIDE} px per side"
        )


def parse_aspect(name: str, value: object) -> tuple[int, int]:
    """'16:9' -> (16, 9); both parts 1..100 and the ratio within 1:10..10:1."""
    m = _ASPECT.match(value) if isinstance(value, str) else None
    w, h = (int(m[1]), int(m[2])) if m else (0, 0)
    if not (1 <= w <= 100 and 1 <= h <= 100 and 0.1 <= w / h <= 10):
        raise EngineError(f"{name} must look like '16:9' (whole numbers 1-100, ratio 1:10 to 10:1), got {value!r}")
    return w, h
