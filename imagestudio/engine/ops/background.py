"""remove_background(): GrabCut seeded by the border (background) and colour saliency (subject)."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from ..errors import EngineError
from .checks import check_image
from .pixels import Progress, blur, join_alpha, smoothstep, split_alpha, ticker, to_lab, to_u8

WORK_SIDE = 512  # segmentation runs at this longest side, then the mask is scaled up
BAND = 0.04  # border band (fraction of the shorter side) taken as definite background
SEGMENTS = 8  # reference colours per side of the border
MIN_DIST = 12.0  # Lab distance from every backdrop colour that makes a pixel "probably subject"
ITERATIONS = 5
MIN_SIDE = 16  # smaller than this there is no border band plus an inside to tell apart


def remove_background(image: Image.Image, progress: Progress | None = None) -> Image.Image:
    """Return an RGBA copy whose background is transparent (alpha 0) and subject opaque (255)."""
    img = check_image("image", image)
    if min(img.size) < MIN_SIDE:
        raise EngineError(
            f"image must be at least {MIN_SIDE}x{MIN_SIDE} px to find a subject, got {img.width}x{img.height}"
        )
    rgb, alpha = split_alpha(img)
    tick = ticker(progress, 4)
    small = _shrink(rgb)
    seed = _seed(small)
    tick()
    fg = _grabcut(small, seed)
    tick()
    fg = _clean(fg)
    tick()
    a = _soft_alpha(fg, rgb.shape[:2])
    tick()
    return join_alpha(rgb, a if alpha is None else np.minimum(a, alpha))


def _shrink(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    k = max(WORK_SIDE / max(h, w), MIN_SIDE / min(h, w))  # a long thin image keeps MIN_SIDE rows
    if k >= 1.0:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)


def _band(h: int, w: int, b: int) -> np.ndarray:
    band = np.ones((h, w), bool)
    band[b : h - b, b : w - b] = False
    return band


def _border_colours(lab: np.ndarray, b: int) -> np.ndarray:
    """Lab colours of the backdrop: medians of SEGMENTS pieces of each side of the border band.

    A colour seen on one side only is taken to be a subject cut by the frame (the shoulders at
    the bottom of a portrait), not backdrop; a backdrop shows on at least two sides.
    """
    sides = (lab[:b], lab[-b:], lab[:, :b].transpose(1, 0, 2), lab[:, -b:].transpose(1, 0, 2))
    refs = np.array([np.median(p.reshape(-1, 3), axis=0) for s in sides for p in np.array_split(s, SEGMENTS, axis=1)])
    side = np.repeat(np.arange(4), SEGMENTS)
    near = np.linalg.norm(refs[:, None] - refs[None], axis=2) <= 2 * MIN_DIST
    seen_on = np.array([len(set(side[row])) for row in near])
    common = refs[seen_on >= 2]
    return common if len(common) else refs


def _seed(small: np.ndarray) -> np.ndarray:
    """GrabCut mask: the border band is background, pixels unlike every backdrop colour probably subject.

    Band pixels unlike the backdrop stay "probable subject" so a subject cut by the frame survives.
    """
    h, w = small.shape[:2]
    b = max(1, round(BAND * min(h, w)))
    band = _band(h, w, b)
    lab = to_lab(cv2.GaussianBlur(small, (0, 0), 1.0))
    dist = np.full((h, w), np.inf, np.float32)
    for ref in _border_colours(lab, b):
        dist = np.minimum(dist, np.linalg.norm(lab - ref, axis=2))
    salient = dist > max(MIN_DIST, 2.5 * float(np.percentile(dist[band], 75)))
    mask = np.where(salient, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    mask[band & ~salient] = cv2.GC_BGD
    if (mask == cv2.GC_PR_FGD).sum() < 0.002 * h * w:
        # nothing stands out by colour: let GrabCut look for a subject in the middle
        centre = cv2.ellipse(np.zeros((h, w), np.uint8), (w // 2, h // 2), (w // 4, h // 4), 0, 0, 360, 1, -1)
        mask[(centre > 0) & ~band] = cv2.GC_PR_FGD
    return mask


def _grabcut(small: np.ndarray, seed: np.ndarray) -> np.ndarray:
    mask = seed.copy()
    cv2.setRNGSeed(0)  # GrabCut's k-means init draws from OpenCV's RNG: fix it for repeatable masks
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(small, mask, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    return np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)


def _clean(fg: np.ndarray) -> np.ndarray:
    """Open/close away specks and pinholes, then keep only the big connected parts."""
    k = max(3, round(min(fg.shape) / 100) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    fg = cv2.morphologyEx(cv2.morphologyEx(fg, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    if n <= 1:
        raise EngineError("image: no subject found (it looks like plain background)")
    keep = np.flatnonzero(areas >= max(0.15 * areas.max(), 0.002 * fg.size)) + 1
    return np.isin(labels, keep).astype(np.float32)


def _soft_alpha(fg: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Feather the mask by about a working pixel and scale it to the full image."""
    soft = blur(fg, 0.8)
    if soft.shape != shape:
        soft = cv2.resize(soft, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return to_u8(smoothstep(soft) * 255.0)
