"""Colour grades and film looks applied after the medium."""

from __future__ import annotations

import cv2
import numpy as np

from .common import StyleInput, bloom, contrast, grain, lum, s_curve, saturation, unsharp, vignette


def finish(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Default illustration finish: a touch of saturation, tiny grain, soft vignette."""
    out = saturation(np.clip(img, 0, 1.2), 1.06)
    out = vignette(si, out, 0.25)
    return grain(si, out, 0.008 * si.detail)


def digital_art(si: StyleInput, img: np.ndarray) -> np.ndarray:
    out = bloom(np.clip(img, 0, 1.3), si.s, 0.7, 0.35)
    out = unsharp(out, max(1.0, si.s * 0.0015), 0.6)
    out = saturation(out, 1.22)
    return s_curve(out, 0.25)


def photographic(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Softer edges, filmic tone curve, depth haze near the horizon, subtle grain."""
    out = cv2.GaussianBlur(np.clip(img, 0, 1.5), (0, 0), max(0.6, si.s * 0.0008))
    h = out.shape[0]
    v = (np.arange(h, dtype=np.float32) + 0.5) / h
    haze = np.exp(-(((v - si.horizon) / 0.12) ** 2))[:, None, None] * 0.12
    out = out + (lum(out).mean() + 0.15 - out) * haze
    out = bloom(out, si.s, 0.8, 0.3, 0.03)
    out = out / (1 + 0.25 * out) * 1.25  # gentle highlight roll-off
    out = s_curve(out, 0.15)
    out = vignette(si, out, 0.3)
    return grain(si, out, 0.012)


def cinematic(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Teal shadows / orange highlights, contrast, bloom, vignette and letterbox bars."""
    out = bloom(np.clip(img, 0, 1.5), si.s, 0.75, 0.45, 0.03)
    L = np.clip(lum(out), 0, 1)[..., None]
    teal, orange = np.array([0.0, 0.08, 0.1], np.float32), np.array([0.12, 0.05, -0.06], np.float32)
    out = out + teal * (1 - L) ** 2 * 1.2 - teal * 0.3 + orange * L**2
    out = s_curve(saturation(out, 1.05), 0.35)
    out = vignette(si, out, 0.55)
    out = grain(si, out, 0.014)
    return _letterbox(out)


def _letterbox(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    bar = int(min(h * 0.11, max(h * 0.05, (h - w / 2.39) / 2)))
    if w < h * 0.8:
        bar = int(h * 0.04)
    img[:bar] = 0.0
    img[h - bar :] = 0.0
    return img


def vintage(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Faded sepia print: lifted blacks, warm cast, vignette, grain and dust."""
    x = np.clip(img, 0, 1)
    sep = np.stack([lum(x) * 1.07, lum(x) * 0.91, lum(x) * 0.72], -1)
    out = x * 0.35 + sep * 0.65
    out = contrast(out, 0.82) + np.array([0.06, 0.035, -0.01], np.float32)
    out = out * 0.88 + 0.09
    out = vignette(si, out, 0.7)
    out = grain(si, out, 0.028)
    rng = si.rng("dust")
    h, w = out.shape[:2]
    dust = np.zeros((h, w), np.float32)
    for _ in range(int(12 * w * h / si.s**2)):
        x0, y0 = int(rng.random() * w), int(rng.random() * h)
        if rng.random() < 0.25:
            end = (x0 + int(rng.normal(0, 3)), y0 + int(rng.uniform(0.02, 0.12) * si.s))
            cv2.line(dust, (x0, y0), end, 0.5, 1, cv2.LINE_AA)
        else:
            cv2.circle(dust, (x0, y0), max(1, int(si.s / 900)), float(rng.uniform(0.3, 0.7)), -1, cv2.LINE_AA)
    out = out + (np.array([0.95, 0.92, 0.85], np.float32) - out) * cv2.GaussianBlur(dust, (0, 0), 0.6)[..., None]
    return out


def noir(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Black & white through a red filter, hard contrast, deep vignette, grain. R=G=B exactly."""
    x = np.clip(img, 0, 1.0)  # clip first so glows never out-shine the sun disc
    g = x[..., 0] * 0.45 + x[..., 1] * 0.45 + x[..., 2] * 0.1
    g = bloom(g[..., None].repeat(3, -1), si.s, 0.7, 0.5)[..., 0]
    lo, hi = np.percentile(g, 2), np.percentile(g, 98.5)
    g = np.clip((g - lo) / max(hi - lo, 1e-3), 0, 1)
    g = s_curve(g, 0.9)
    g = vignette(si, g[..., None], 0.9)[..., 0]
    g = grain(si, g[..., None], 0.035)[..., 0]
    return np.repeat(g[..., None], 3, -1)


def pastel(si: StyleInput, img: np.ndarray) -> np.ndarray:
    """Light, milky, low-chroma colours with soft edges."""
    out = cv2.GaussianBlur(np.clip(img, 0, 1), (0, 0), max(0.6, si.s * 0.001))
    out = saturation(out, 1.0)
    out = 1 - (1 - out) * 0.72
    out = out + np.array([0.01, 0.0, 0.02], np.float32)
    return grain(si, out, 0.006)
