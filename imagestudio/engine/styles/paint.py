"""Painterly media: watercolor, oil painting, pencil sketch, line art."""

from __future__ import annotations

import cv2
import numpy as np

from ..noise import fbm, shift, smoothstep, warp
from .common import StyleInput, down_up, fine_noise, lum, saturation


def _bilateral(img: np.ndarray, sigma_space: float, sigma_col: float = 0.12) -> np.ndarray:
    return cv2.bilateralFilter(np.clip(img, 0, 1).astype(np.float32), -1, sigma_col, sigma_space)


def watercolor(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Soft washes that bleed, darker pigment at wash edges, granulation, paper, white margins."""
    h, w = img.shape[:2]
    s, rng = si.s, si.rng("watercolor")
    wash = down_up(img, float(np.clip(s / 256.0, 1.2, 4.0)), lambda x: _bilateral(x, 3.0, 0.15))
    bleed = s * 0.006
    wash = warp(wash, fbm(rng, h, w, 6, 3) * bleed, fbm(rng, h, w, 6, 3) * bleed)
    # pigment pools at the borders of washes -> darker edges
    g = lum(down_up(wash, 3.0, lambda x: cv2.GaussianBlur(x, (0, 0), 1.0)))
    edges = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))
    edges = cv2.GaussianBlur(np.clip(edges * (s / 220.0), 0, 1), (0, 0), s * 0.0015 + 0.5)
    out = wash * (1 - 0.35 * edges[..., None]) * 1.0
    out = saturation(out, 1.2)
    out = 1 - (1 - np.clip(out, 0, 1)) * 0.78  # transparent pigment over white paper
    gran = fine_noise(si, "gran", max(1.0, s * 0.002))
    blot = fbm(rng, h, w, 5, 4)
    out *= (1 - 0.025 * si.detail * gran - 0.035 * np.clip(blot, -1, 2))[..., None]
    paper = 1 - 0.015 * fine_noise(si, "paper", 0.8)
    out *= paper[..., None]
    return _margins(si, out, rng)


def _margins(si: StyleInput, img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Irregular unpainted paper border."""
    h, w = img.shape[:2]
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    d = np.minimum(np.minimum(x, w - 1 - x), np.minimum(y, h - 1 - y)) / si.s
    rough = fbm(rng, h, w, 8, 4) * 0.012
    m = smoothstep(0.018, 0.04, d + rough)
    paper = np.array([0.97, 0.96, 0.93], np.float32)
    return paper + (img - paper) * m[..., None]


def _kuwahara(img: np.ndarray, r: int) -> np.ndarray:
    """Anisotropy-free Kuwahara: each pixel takes the mean of its least-varied quadrant."""
    k = (r + 1, r + 1)
    L = lum(img)
    mean = cv2.boxFilter(img, -1, k, normalize=True, borderType=cv2.BORDER_REFLECT)
    m1 = cv2.boxFilter(L, -1, k, borderType=cv2.BORDER_REFLECT)
    m2 = cv2.boxFilter(L * L, -1, k, borderType=cv2.BORDER_REFLECT)
    var = m2 - m1 * m1
    h = r // 2
    shifts = [(-h, -h), (-h, h), (h, -h), (h, h)]
    best_var = np.full(L.shape, np.inf, np.float32)
    out = np.empty_like(img)
    for dy, dx in shifts:
        v = shift(var, dy, dx)
        better = v < best_var
        best_var = np.where(better, v, best_var)
        out[better] = shift(mean, dy, dx)[better]
    return out


def oil(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Kuwahara flattening plus embossed directional brush strokes and canvas weave."""
    h, w = img.shape[:2]
    s, rng = si.s, si.rng("oil")
    r = max(4, int(s * 0.012))
    out = _kuwahara(np.clip(img, 0, 1), r)
    out = saturation(out, 1.12)
    # strokes are smeared along their direction, so half resolution loses nothing visible
    hh, hw = max(8, h // 2), max(8, w // 2)
    noise = rng.random((hh, hw), dtype=np.float32)
    L = int(max(5, s * 0.009)) | 1
    strokes = []
    for ang in (25.0, -35.0, 80.0):
        kern = np.zeros((L, L), np.float32)
        c = L // 2
        dx, dy = np.cos(np.radians(ang)), np.sin(np.radians(ang))
        cv2.line(kern, (int(c - dx * c), int(c - dy * c)), (int(c + dx * c), int(c + dy * c)), 1.0, 1)
        half = cv2.filter2D(noise, -1, kern / kern.sum())
        strokes.append(cv2.resize(half, (w, h), interpolation=cv2.INTER_LINEAR))
    sel = fbm(rng, h, w, 5, 3)
    t1, t2 = smoothstep(-0.4, 0.4, sel), smoothstep(0.6, 1.2, np.abs(sel))
    height = strokes[0] * t1 + strokes[1] * (1 - t1)
    height = height * (1 - t2) + strokes[2] * t2
    height = cv2.GaussianBlur(height, (0, 0), 0.8)
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    shade = 1 + np.clip(-gx - gy, -1, 1) * (0.12 + 0.18 * si.detail)
    shade = shade * (1 + (height - height.mean()) * (0.5 + 0.5 * si.detail))  # paint thickness varies along strokes
    weave = 1 + 0.02 * (np.sin(np.arange(w) * 2.2)[None, :] * np.sin(np.arange(h) * 2.2)[:, None])
    return out * (shade * weave)[..., None].astype(np.float32)


def sketch(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Pencil: colour-dodge outlines, tone-dependent diagonal hatching, paper grain."""
    h, w = img.shape[:2]
    s = si.s
    g = lum(np.clip(img, 0, 1))
    g = cv2.GaussianBlur(g, (0, 0), max(0.5, s * 0.0012))
    inv_blur = cv2.GaussianBlur(1 - g, (0, 0), s * 0.008)
    dodge = np.clip(g / np.maximum(1 - inv_blur, 0.02), 0, 1)
    lines = dodge ** (2.0 + 2.0 * si.detail)
    tone = cv2.GaussianBlur(g, (0, 0), s * 0.004)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = max(3.0, s * 0.007)
    jitter = fine_noise(si, "hatchj", period * 0.6) * period * 0.15
    h1 = np.abs(((xx + yy + jitter) / period) % 1.0 - 0.5) * 2  # 45 degree strokes
    h2 = np.abs(((xx - yy + jitter) / period) % 1.0 - 0.5) * 2  # cross hatching
    dark = 1 - tone
    hatch = (
        1
        - 0.55 * (smoothstep(0.55, 0.95, dark * 1.2 + 0.35 - h1 * 0.8))
        - 0.45 * smoothstep(0.7, 1.0, dark * 1.3 + 0.2 - h2 * 0.8)
    )
    paper = 0.96 + 0.03 * fine_noise(si, "paper", 0.7)
    out = np.clip(lines * np.clip(hatch, 0.25, 1) * paper, 0, 1)
    warm = np.array([0.99, 0.97, 0.93], np.float32)
    graphite = np.array([0.2, 0.21, 0.24], np.float32)
    return graphite + (warm - graphite) * out[..., None]


def line_art(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Clean ink outlines of shapes on white, with a faint flat colour wash."""
    h, w = img.shape[:2]
    s = si.s
    f = max(1.0, s / 700.0)
    small = cv2.resize(np.clip(img, 0, 1), (int(w / f), int(h / f)), interpolation=cv2.INTER_AREA)
    small = _bilateral(small, 4.0, 0.1)
    u8 = (small * 255).astype(np.uint8)
    edges = cv2.Canny(cv2.GaussianBlur(u8, (0, 0), 1.2), 30, 80, L2gradient=True)
    edges = cv2.dilate(edges, np.ones((2, 2), np.uint8)) if s > 600 else edges
    ink = cv2.resize(edges.astype(np.float32) / 255.0, (w, h), interpolation=cv2.INTER_LINEAR)
    ink = smoothstep(0.2, 0.6, cv2.GaussianBlur(ink, (0, 0), 0.6 * f))
    wash = 1 - (1 - cv2.resize(small, (w, h))) * 0.12
    paper = np.array([0.98, 0.975, 0.96], np.float32) * wash
    ink_col = np.array([0.08, 0.08, 0.1], np.float32)
    return paper + (ink_col - paper) * ink[..., None]
