"""Negative-prompt handling: element removal lives in the composer; this does image-level asks."""

from __future__ import annotations

import cv2
import numpy as np

from .colour import hue_of, rgb
from .prompt import PromptPlan
from .styles.common import lum, saturation, unsharp


def avoided(neg: PromptPlan | None) -> frozenset[str]:
    """Element ids to leave out ("moon", "person", "grain", ...)."""
    if neg is None:
        return frozenset()
    return (
        frozenset(neg.elements)
        | frozenset(neg.subjects)
        | frozenset({"person"} if {"person", "people"} & set(neg.words) else set())
    )


def suppress_colours(img: np.ndarray, neg: PromptPlan | None) -> np.ndarray:
    """Desaturate pixels whose hue is near a colour named in the negative prompt."""
    if neg is None or not neg.colours:
        return img
    x = np.clip(img, 0, 1).astype(np.float32)
    hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV)
    hue, sat = hsv[..., 0] / 360.0, hsv[..., 1]
    weight = np.zeros(hue.shape, np.float32)
    for c in neg.colours:
        col = rgb(c)
        hsv_c = cv2.cvtColor(col.reshape(1, 1, 3), cv2.COLOR_RGB2HSV)[0, 0]
        if hsv_c[1] < 0.2:
            continue  # white/black/grey: nothing hue-specific to remove
        d = np.abs(hue - hsv_c[0] / 360.0)
        d = np.minimum(d, 1 - d)
        weight = np.maximum(weight, np.exp(-((d / 0.07) ** 2)) * np.clip(sat * 1.5, 0, 1))
    grey = lum(x)[..., None]
    return x + (grey - x) * weight[..., None] * 0.9


def image_asks(img: np.ndarray, avoid: frozenset[str], s: int) -> np.ndarray:
    """'dark', 'bright', 'saturated', 'blur' in the negative prompt nudge the whole image."""
    if "dark" in avoid:
        img = 1 - (1 - np.clip(img, 0, 1)) * 0.8
    if "bright" in avoid:
        img = img * 0.82
    if "saturated" in avoid:
        img = saturation(img, 0.75)
    if "blur" in avoid:
        img = unsharp(img, max(1.0, s * 0.0015), 0.6)
    return img


__all__ = ["avoided", "hue_of", "image_asks", "suppress_colours"]
