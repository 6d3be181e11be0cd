"""Mood words nudge the whole picture (applied before the style)."""

from __future__ import annotations

import numpy as np

from .styles.common import bloom, contrast, saturation

_DARK = {"dark", "gloomy", "moody", "mysterious", "eerie", "spooky", "melancholic", "sad", "lonely"}
_BRIGHT = {"bright", "happy", "cheerful", "vibrant", "colorful", "colourful", "vivid"}
_WARM = {"warm", "cozy"}
_COLD = {"cold"}
_SOFT = {"dreamy", "ethereal", "soft", "magical", "gentle", "fantasy", "surreal"}
_DRAMA = {"dramatic", "epic", "majestic"}


def mood_grade(img: np.ndarray, moods: tuple[str, ...], s: int) -> np.ndarray:
    """Darker/brighter, warmer/cooler, softer or punchier depending on mood words."""
    m = set(moods)
    if m & _DARK:
        img = saturation(img * 0.82, 0.85)
    if m & _BRIGHT:
        img = saturation(img, 1.18) * 1.05
    if m & _WARM:
        img = img * np.array([1.06, 1.0, 0.9], np.float32)
    if m & _COLD:
        img = img * np.array([0.9, 0.98, 1.08], np.float32)
    if m & _SOFT:
        img = bloom(img, s, 0.6, 0.45, 0.04)
    if m & _DRAMA:
        img = contrast(img, 1.15, 0.45)
    return img
