"""Shared image operations for styles (float32 RGB images, mostly 0..1)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..rng import Streams


@dataclass
class StyleInput:
    img: np.ndarray
    streams: Streams
    detail: float  # 0..1 from steps
    horizon: float  # v of the horizon (for haze placements)
    avoid: frozenset[str]  # negative-prompt elements (e.g. "grain")
    objects: np.ndarray | None = None  # 1 where terrain/subjects cover the sky, if known

    @property
    def s(self) -> int:
        return min(self.img.shape[:2])

    def rng(self, name: str) -> np.random.Generator:
        return self.streams.rng("style:" + name)


def lum(img: np.ndarray) -> np.ndarray:
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


def saturation(img: np.ndarray, k: float) -> np.ndarray:
    grey = lum(img)[..., None]
    return grey + (img - grey) * k


def contrast(img: np.ndarray, k: float, pivot: float = 0.5) -> np.ndarray:
    return (img - pivot) * k + pivot


def s_curve(x: np.ndarray, k: float = 1.0) -> np.ndarray:
    """Smooth contrast curve; k=0 identity, 1 = strong."""
    x = np.clip(x, 0, 1)
    return x + k * (x * x * (3 - 2 * x) - x)


def grain(si: StyleInput, img: np.ndarray, amount: float, mono: bool = True) -> np.ndarray:
    if "grain" in si.avoid or amount <= 0:
        return img
    h, w = img.shape[:2]
    rng = si.rng("grain")
    n = rng.standard_normal((h, w), dtype=np.float32)
    if si.s > 900:
        n = cv2.GaussianBlur(n, (0, 0), si.s / 1400)
        n /= n.std() + 1e-6
    return img + n[..., None] * amount if mono else img + rng.standard_normal(img.shape, dtype=np.float32) * amount


def vignette(si: StyleInput, img: np.ndarray, k: float) -> np.ndarray:
    if "vignette" in si.avoid:
        return img
    h, w = img.shape[:2]
    y = (np.arange(h, dtype=np.float32)[:, None] / h - 0.5) * 2
    x = (np.arange(w, dtype=np.float32)[None, :] / w - 0.5) * 2
    d = x * x * 0.8 + y * y * 0.8
    return img * (1 - k * np.clip(d, 0, 2) ** 1.3 * 0.6)[..., None]


def bloom(img: np.ndarray, s: int, threshold: float = 0.75, strength: float = 0.5, radius: float = 0.02) -> np.ndarray:
    """Glow around bright areas; blurred at quarter size for speed."""
    bright = np.clip(img - threshold, 0, None)
    h, w = img.shape[:2]
    small = cv2.resize(bright, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(1.0, s * radius / 4))
    return img + cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) * strength


def unsharp(img: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    return img + (img - cv2.GaussianBlur(img, (0, 0), sigma)) * amount


def down_up(img: np.ndarray, factor: float, fn) -> np.ndarray:
    """Run fn on a downscaled copy and scale the result back (cheap large-radius filters)."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(8, int(w / factor)), max(8, int(h / factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(fn(small), (w, h), interpolation=cv2.INTER_LINEAR)


def fine_noise(si: StyleInput, name: str, scale: float) -> np.ndarray:
    """Blurred white noise (texture of paper, canvas, pigment) ~ unit std."""
    h, w = si.img.shape[:2]
    n = si.rng(name).standard_normal((h, w), dtype=np.float32)
    n = cv2.GaussianBlur(n, (0, 0), max(0.5, scale))
    return n / (n.std() + 1e-6)
