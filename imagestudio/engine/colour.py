"""Small colour-math helpers (Oklab for perceptual mixing of palette colours)."""

from __future__ import annotations

import numpy as np

Colour = np.ndarray  # float32 RGB in 0..1, shape (3,)


def rgb(c: tuple[int, int, int] | tuple[float, float, float] | np.ndarray) -> Colour:
    """Accept 0..255 ints or 0..1 floats and return float32 RGB 0..1."""
    a = np.asarray(c, dtype=np.float32)
    return a / 255.0 if a.max() > 1.0 else a


def hexc(s: str) -> Colour:
    s = s.lstrip("#")
    return np.array([int(s[i : i + 2], 16) for i in (0, 2, 4)], np.float32) / 255.0


def _lin(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _gam(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


_M1 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_M2 = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)


def to_oklab(c: np.ndarray) -> np.ndarray:
    lms = np.cbrt(_lin(np.asarray(c, np.float64)) @ _M1.T)
    return lms @ _M2.T


def from_oklab(lab: np.ndarray) -> np.ndarray:
    lms = (np.asarray(lab, np.float64) @ np.linalg.inv(_M2).T) ** 3
    return _gam(lms @ np.linalg.inv(_M1).T).astype(np.float32)


def mix(a: np.ndarray, b: np.ndarray, t: float) -> Colour:
    """Perceptual blend of two colours."""
    return from_oklab(to_oklab(a) * (1 - t) + to_oklab(b) * t)


def tint(base: np.ndarray, target: np.ndarray, s: float, keep_light: float = 0.6) -> Colour:
    """Move base's hue/chroma toward target while mostly keeping base's lightness.

    Why: "purple sunset" should make the sky purple without turning a bright sky dark.
    """
    a, b = to_oklab(base), to_oklab(target)
    out = a * (1 - s) + b * s
    out[..., 0] = a[..., 0] * keep_light + out[..., 0] * (1 - keep_light)
    return from_oklab(out)


def lighten(c: np.ndarray, k: float) -> Colour:
    """k > 0 lightens toward white, k < 0 darkens toward black (perceptually)."""
    lab = to_oklab(c)
    lab[..., 0] = lab[..., 0] + (1 - lab[..., 0]) * k if k > 0 else lab[..., 0] * (1 + k)
    if k < 0:
        lab[..., 1:] *= 1 + k * 0.5
    return from_oklab(lab)


def saturate(c: np.ndarray, k: float) -> Colour:
    lab = to_oklab(c)
    lab[..., 1:] *= k
    return from_oklab(lab)


def hue_rotate(c: np.ndarray, turns: float) -> Colour:
    lab = to_oklab(c)
    ang = 2 * np.pi * turns
    a, b = lab[..., 1].copy(), lab[..., 2].copy()
    lab[..., 1] = a * np.cos(ang) - b * np.sin(ang)
    lab[..., 2] = a * np.sin(ang) + b * np.cos(ang)
    return from_oklab(lab)


def from_hue(h: float, chroma: float = 0.13, light: float = 0.65) -> Colour:
    """Colour from an Oklch hue in turns (used for word-hash palettes)."""
    ang = 2 * np.pi * h
    return from_oklab(np.array([light, chroma * np.cos(ang), chroma * np.sin(ang)]))


def hue_of(c: np.ndarray) -> tuple[float, float]:
    """(hue in turns, chroma) of a colour."""
    lab = to_oklab(c)
    return float(np.arctan2(lab[2], lab[1]) / (2 * np.pi) % 1.0), float(np.hypot(lab[1], lab[2]))


def luminance(img: np.ndarray) -> np.ndarray:
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114
