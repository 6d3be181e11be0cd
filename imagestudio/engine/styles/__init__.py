"""Style presets: a medium (how it is painted) then grades (how it is developed)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..vocab import STYLE_PRESETS
from .common import StyleInput
from .grade import cinematic, digital_art, finish, noir, pastel, photographic, vintage
from .graphic import anime, low_poly, minimal, neon, pixel_art, render_3d
from .paint import line_art, oil, sketch, watercolor

Filter = Callable[[StyleInput, np.ndarray], np.ndarray]
MEDIA: dict[str, Filter] = {
    "watercolor": watercolor,
    "oil-painting": oil,
    "sketch": sketch,
    "line-art": line_art,
    "low-poly": low_poly,
    "anime": anime,
    "3d-render": render_3d,
    "minimal": minimal,
    "neon": neon,
}
GRADES: dict[str, Filter] = {
    "pastel": pastel,
    "photographic": photographic,
    "cinematic": cinematic,
    "vintage": vintage,
    "digital-art": digital_art,
}
__all__ = ["STYLE_PRESETS", "StyleInput", "apply_styles", "resolve_styles"]


def resolve_styles(explicit: str | None, from_prompt: tuple[str, ...]) -> tuple[str, ...]:
    """Explicit preset first, then prompt words; keeps only one medium (the first named)."""
    ordered = list(dict.fromkeys(([explicit] if explicit else []) + list(from_prompt)))
    media = [s for s in ordered if s in MEDIA]
    return tuple(s for s in ordered if s not in MEDIA or s == (media[0] if media else None))


def apply_styles(si: StyleInput, styles: tuple[str, ...]) -> np.ndarray:
    """medium -> grades -> noir -> pixel-art, so pixel art and noir are always exact."""
    img = si.img
    medium = next((s for s in styles if s in MEDIA), None)
    if medium:
        img = MEDIA[medium](si, img)
    grades = [s for s in styles if s in GRADES]
    for g in grades:
        img = GRADES[g](si, img)
    if not medium and not grades and "noir" not in styles:
        img = finish(si, img)
    if "noir" in styles:
        img = noir(si, img)
    if "pixel-art" in styles:
        img = pixel_art(si, img, grey="noir" in styles)
    return img


def style_steps(styles: tuple[str, ...]) -> int:
    """How many progress ticks the styling stage reports."""
    return 1 + len([s for s in styles if s in MEDIA or s in GRADES or s in ("noir", "pixel-art")])
