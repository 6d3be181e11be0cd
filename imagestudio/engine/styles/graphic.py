"""Graphic looks: anime cel shading, low poly, pixel art, 3D clay render, minimal poster, neon."""

from __future__ import annotations

import cv2
import numpy as np

from ..noise import shift
from .common import StyleInput, bloom, down_up, lum, saturation
from .quantise import assign, kmeans_palette


def _cels(si: StyleInput, img: np.ndarray, k: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Flat colour regions: (quantised image, label map) at full size."""
    h, w = img.shape[:2]
    f = max(1.0, si.s / 512.0)
    small = cv2.resize(np.clip(img, 0, 1), (int(w / f), int(h / f)), interpolation=cv2.INTER_AREA)
    small = cv2.bilateralFilter(small, -1, 0.1, 3.0)
    cent = kmeans_palette(small, k, si.rng(name))
    lab_small = assign(small, cent).astype(np.uint8)
    lab_small = cv2.medianBlur(lab_small, 5)
    labels = cv2.resize(lab_small, (w, h), interpolation=cv2.INTER_NEAREST)
    labels = cv2.medianBlur(labels, max(3, int(f * 2) | 1) if f * 2 <= 5 else 5)
    return cent[labels], labels


def _colour_edges(flat: np.ndarray, thr: float) -> np.ndarray:
    """1 where neighbouring flat colours differ by more than thr (outlines only between
    clearly different regions, so soft gradients do not get inked)."""
    e = np.zeros(flat.shape[:2], np.float32)
    dx = np.abs(flat[:, 1:] - flat[:, :-1]).sum(-1)
    dy = np.abs(flat[1:, :] - flat[:-1, :]).sum(-1)
    e[:, :-1] = np.maximum(e[:, :-1], dx > thr)
    e[:-1, :] = np.maximum(e[:-1, :], dy > thr)
    return e


def anime(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Flat cel colours and dark outlines around clearly distinct shapes."""
    flat, _ = _cels(si, saturation(img, 1.3), 12 + int(6 * si.detail), "anime")
    out = flat * 0.9 + cv2.GaussianBlur(np.clip(img, 0, 1), (0, 0), 2) * 0.1
    edges = _colour_edges(flat, 0.35)
    k = max(1, int(si.s / 600))
    if k > 1:
        edges = cv2.dilate(edges, np.ones((k, k), np.uint8))
    edges = cv2.GaussianBlur(edges, (0, 0), 0.7)
    ink = out * 0.2
    return out + (ink - out) * np.clip(edges * 1.3, 0, 1)[..., None]


def low_poly(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Delaunay triangulation of jittered + edge points; each facet filled flat."""
    h, w = img.shape[:2]
    rng = si.rng("lowpoly")
    src = np.clip(img, 0, 1)
    n = int((260 + 900 * si.detail) * w * h / (si.s * si.s))
    pts = np.stack([rng.random(n) * (w - 1), rng.random(n) * (h - 1)], 1)
    g = lum(cv2.GaussianBlur(src, (0, 0), 2))
    mag = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    ys, xs = np.nonzero(mag > np.percentile(mag, 92))
    if len(xs):
        pick = rng.choice(len(xs), size=min(len(xs), n // 2), replace=False)
        pts = np.concatenate([pts, np.stack([xs[pick], ys[pick]], 1)])
    border = [(x, y) for x in np.linspace(0, w - 1, 12) for y in (0, h - 1)]
    border += [(x, y) for y in np.linspace(0, h - 1, 12) for x in (0, w - 1)]
    pts = np.concatenate([pts, np.array(border)]).astype(np.float32)
    sub = cv2.Subdiv2D((0, 0, w, h))
    sub.insert([(float(x), float(y)) for x, y in pts])
    tris = sub.getTriangleList().reshape(-1, 3, 2)
    ok = np.all((tris[..., 0] >= -1) & (tris[..., 0] <= w) & (tris[..., 1] >= -1) & (tris[..., 1] <= h), axis=(1,))
    tris = tris[ok]
    blur = cv2.GaussianBlur(src, (0, 0), max(1.0, si.s * 0.01))
    cen = tris.mean(1)
    cols = blur[np.clip(cen[:, 1].astype(int), 0, h - 1), np.clip(cen[:, 0].astype(int), 0, w - 1)]
    # facet lighting: triangles tilted toward the upper-left light are lighter
    e1, e2 = tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    shade = 1 + 0.06 * np.sign(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]) * rng.random(len(tris))
    cols = np.clip(cols * shade[:, None] * 255, 0, 255)
    out = np.zeros((h, w, 3), np.uint8)
    for tri, c in zip(tris.astype(np.int32), cols, strict=False):
        cv2.fillConvexPoly(out, tri, c.tolist(), cv2.LINE_8)
    return out.astype(np.float32) / 255.0


_BAYER4 = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32) / 16 - 0.47


def pixel_art(si: StyleInput, img: np.ndarray, grey: bool = False) -> np.ndarray:
    """Downsample to a coarse grid, quantise to a small palette (light ordered dither), nearest upscale."""
    h, w = img.shape[:2]
    target = 64 + int(2.2 * 50 * si.detail)  # pixels across the short side
    block = max(2, round(si.s / target))
    sw, sh = -(-w // block), -(-h // block)
    small = cv2.resize(np.clip(img, 0, 1), (sw, sh), interpolation=cv2.INTER_AREA)
    small = np.clip(saturation(small, 1.15), 0, 1)
    k = 10 + int(6 * si.detail)
    if grey:
        small = np.repeat(lum(small)[..., None], 3, -1)
    cent = kmeans_palette(small, k, si.rng("pixel"))
    dither = np.tile(_BAYER4, (sh // 4 + 1, sw // 4 + 1))[:sh, :sw] * 0.06
    lab = assign(np.clip(small + dither[..., None], 0, 1), cent)
    q = cent[lab]
    up = cv2.resize(q, (sw * block, sh * block), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(up[:h, :w])


def render_3d(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Soft plastic 3D look: solid shapes are inflated into rounded forms lit by a key light,
    with specular highlights, a soft drop shadow on the background and tilt-shift focus."""
    h, w = img.shape[:2]
    s = si.s
    smooth = down_up(np.clip(img, 0, 1), 2.0, lambda x: cv2.bilateralFilter(x, -1, 0.12, 4.0))
    obj = si.objects if si.objects is not None else np.ones((h, w), np.float32)
    flat, _ = _cels(si, smooth, 10, "clay")
    edges = _colour_edges(flat, 0.3) > 0  # continuous region borders
    solid = cv2.GaussianBlur(obj, (0, 0), max(1.0, s * 0.003)) > 0.5
    walls = (edges | ~solid).astype(np.uint8)
    R = s * 0.035
    # DIST_MASK_PRECISE gives thread-count dependent results; mask 5 is exact and repeatable
    d = np.minimum(cv2.distanceTransform(1 - walls, cv2.DIST_L2, cv2.DIST_MASK_5), R) / R
    height = cv2.GaussianBlur(np.sqrt(1 - (1 - d) ** 2) * R * solid, (0, 0), max(2.0, R * 0.2))
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3) / 8
    nz = 1.0 / np.sqrt(gx * gx + gy * gy + 1)
    nx, ny = -gx * nz, -gy * nz
    L = np.array([-0.5, -0.6, 0.62]) / np.linalg.norm([-0.5, -0.6, 0.62])
    diff = nx * L[0] + ny * L[1] + nz * L[2]
    half = L + np.array([0.0, 0.0, 1.0])
    Hv = half / np.linalg.norm(half)
    spec = np.clip(nx * Hv[0] + ny * Hv[1] + nz * Hv[2], 0, 1) ** 50 * solid
    shade = 1 + 0.55 * (diff - L[2])
    shadow = cv2.GaussianBlur(shift(obj, int(s * 0.02), int(s * 0.015)), (0, 0), s * 0.02)
    bg_dark = 1 - 0.35 * shadow * (1 - obj)
    out = saturation(smooth, 1.12) * (shade * bg_dark)[..., None] + (spec * 0.4)[..., None]
    v = np.abs(np.arange(h, dtype=np.float32) / h - 0.58)[:, None, None]
    blur = cv2.GaussianBlur(out, (0, 0), s * 0.005)
    t = np.clip((v - 0.28) / 0.25, 0, 1)
    out = out + (blur - out) * t
    return bloom(out, s, 0.8, 0.35)


def minimal(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Poster look: a handful of flat colours, smooth shape edges, no texture."""
    flat, _ = _cels(si, cv2.GaussianBlur(img, (0, 0), si.s * 0.004), 7, "minimal")
    return cv2.GaussianBlur(flat, (0, 0), 0.7)


def neon(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Dark base, big shape outlines turned into glowing tubes on a magenta-cyan ramp."""
    h, w = img.shape[:2]
    src = np.clip(img, 0, 1.5)
    f = max(1.0, si.s / 480.0)
    small = cv2.resize(np.clip(src, 0, 1), (int(w / f), int(h / f)), interpolation=cv2.INTER_AREA)
    soft = cv2.bilateralFilter(small, -1, 0.15, 4.0)
    u8 = (cv2.GaussianBlur(soft, (0, 0), 2.2) * 255).astype(np.uint8)  # windows blur away, shapes stay
    edges = cv2.Canny(u8, 25, 70).astype(np.float32) / 255.0
    edges = cv2.resize(cv2.dilate(edges, np.ones((2, 2), np.uint8)), (w, h), interpolation=cv2.INTER_LINEAR)
    edges = np.clip(cv2.GaussianBlur(edges, (0, 0), 0.6 * f) * 1.5, 0, 1)
    t = np.arange(w, dtype=np.float32)[None, :] / w * 0.6 + np.arange(h, dtype=np.float32)[:, None] / h * 0.4
    a, b = np.array([1.0, 0.15, 0.8], np.float32), np.array([0.1, 0.9, 1.0], np.float32)
    tube = a + (b - a) * t[..., None]
    tube = tube * 0.65 + np.clip(saturation(src, 2.0), 0, 1) * 0.35
    lines = edges[..., None] * tube
    glow = cv2.GaussianBlur(lines, (0, 0), si.s * 0.006) * 2.0 + cv2.GaussianBlur(lines, (0, 0), si.s * 0.025) * 1.6
    out = src * 0.8 + glow + lines * 1.1
    return bloom(out, si.s, 0.75, 0.6, 0.03)
