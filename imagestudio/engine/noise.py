"""Fast fractal value noise built from cv2.resize of random grids (vectorised, one core)."""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np


def _octaves(rng: np.random.Generator) -> Callable[[int], np.random.Generator]:
    """Per-octave generators from ONE draw of the parent stream.

    Why: the number of octaves follows `steps`; drawing a fixed amount from the parent
    keeps every later layer (and so the composition) identical across step counts.
    """
    base = int(rng.integers(0, 2**63 - 1))
    return lambda i: np.random.Generator(np.random.PCG64([base, i]))


def _octave(rng: np.random.Generator, h: int, w: int, cy: int, cx: int) -> np.ndarray:
    grid = rng.standard_normal((cy + 1, cx + 1)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


def fbm(
    rng: np.random.Generator,
    h: int,
    w: int,
    scale: float,
    octaves: int,
    persistence: float = 0.5,
    stretch: tuple[float, float] = (1.0, 1.0),
) -> np.ndarray:
    """Zero-mean, unit-std fractal noise of shape (h, w).

    scale: noise cells across the image's short side at the coarsest octave, so the
    look is the same at any resolution/aspect. stretch=(sx, sy) divides cell counts
    per axis (sx > 1 gives horizontally elongated features such as clouds).
    """
    s = min(h, w)
    out = np.zeros((h, w), np.float32)
    amp, freq = 1.0, scale
    gen = _octaves(rng)
    for i in range(max(1, octaves)):
        cx = max(1, math.ceil(freq * w / s / stretch[0]))
        cy = max(1, math.ceil(freq * h / s / stretch[1]))
        if cx > w / 2 or cy > h / 2:
            break
        out += _octave(gen(i), h, w, cy, cx) * amp
        amp *= persistence
        freq *= 2.0
    out -= out.mean()
    out /= out.std() + 1e-6
    return out


def fbm1d(
    rng: np.random.Generator, n: int, cells: float, octaves: int, persistence: float = 0.5, ridged: bool = False
) -> np.ndarray:
    """1-D fractal noise in 0..1 (ridgelines). ridged=True gives sharp peaks."""
    out = np.zeros(n, np.float32)
    amp, total, freq = 1.0, 0.0, cells
    gen = _octaves(rng)
    for i in range(max(1, octaves)):
        c = max(2, math.ceil(freq))
        if c > n / 2:
            break
        g = gen(i).random((1, c + 1)).astype(np.float32)
        o = cv2.resize(g, (n, 1), interpolation=cv2.INTER_CUBIC)[0]
        if ridged:
            o = 1.0 - np.abs(o * 2.0 - 1.0)
        out += o * amp
        total += amp
        amp *= persistence
        freq *= 2.0
    out /= total
    lo, hi = out.min(), out.max()
    return (out - lo) / (hi - lo + 1e-6)


def periodic_fbm(rng: np.random.Generator, size: int, cells: int, octaves: int, persistence: float = 0.5) -> np.ndarray:
    """Tileable square noise texture (wraps at its borders), zero-mean unit-std.

    Why: ground/water/cloud textures are remapped in perspective with BORDER_WRAP.
    size and cells must be powers of two so every octave tiles exactly.
    """
    out = np.zeros((size, size), np.float32)
    amp = 1.0
    gen = _octaves(rng)
    for i in range(octaves):
        c = cells * 2**i
        if c > size // 4:
            break
        cell = size // c
        g = gen(i).standard_normal((c, c)).astype(np.float32)
        g = np.pad(g, 2, mode="wrap")
        big = cv2.resize(g, ((c + 4) * cell,) * 2, interpolation=cv2.INTER_CUBIC)
        off = 2 * cell
        out += big[off : off + size, off : off + size] * amp
        amp *= persistence
    out -= out.mean()
    out /= out.std() + 1e-6
    return out


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def warp(img: np.ndarray, dx: np.ndarray, dy: np.ndarray, border: int = cv2.BORDER_REFLECT) -> np.ndarray:
    """Displace an image by per-pixel offsets (in pixels)."""
    h, w = img.shape[:2]
    mx = np.arange(w, dtype=np.float32)[None, :] + dx
    my = np.arange(h, dtype=np.float32)[:, None] + dy
    return cv2.remap(img, mx.astype(np.float32), my.astype(np.float32), cv2.INTER_LINEAR, borderMode=border)


def shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Translate a 2-D array by (dy, dx) pixels, replicating edges (no wrap-around)."""
    h, w = a.shape[:2]
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
