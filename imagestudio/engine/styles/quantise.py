"""Deterministic colour quantisation (k-means on a small sample) used by several styles."""

from __future__ import annotations

import cv2
import numpy as np


def kmeans_palette(
    img: np.ndarray, k: int, rng: np.random.Generator, iters: int = 8, sample: int = 12000
) -> np.ndarray:
    """k representative colours (k, 3). k-means++ init from our own RNG (no cv2 global RNG)."""
    px = img.reshape(-1, 3)
    idx = rng.choice(px.shape[0], size=min(sample, px.shape[0]), replace=False)
    data = px[np.sort(idx)].astype(np.float32)
    centres = [data[rng.integers(0, len(data))]]
    d2 = ((data - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        p = d2 / d2.sum() if d2.sum() > 0 else None
        centres.append(data[rng.choice(len(data), p=p)])
        d2 = np.minimum(d2, ((data - centres[-1]) ** 2).sum(1))
    c = np.array(centres, np.float32)
    for _ in range(iters):
        lab = assign(data, c)
        for j in range(k):
            sel = data[lab == j]
            if len(sel):
                c[j] = sel.mean(0)
    return c


def assign(px: np.ndarray, centres: np.ndarray, chunk: int = 262144) -> np.ndarray:
    """Index of the nearest centre for every pixel (chunked to bound memory)."""
    flat = px.reshape(-1, 3)
    out = np.empty(flat.shape[0], np.int32)
    cc = (centres**2).sum(1)
    for s in range(0, flat.shape[0], chunk):
        blk = flat[s : s + chunk]
        d = cc[None, :] - 2.0 * blk @ centres.T
        out[s : s + chunk] = d.argmin(1)
    return out.reshape(px.shape[:-1])


def label_edges(labels: np.ndarray) -> np.ndarray:
    """1 where a pixel's label differs from its right or lower neighbour."""
    e = np.zeros(labels.shape, np.float32)
    e[:, :-1] += labels[:, :-1] != labels[:, 1:]
    e[:-1, :] += labels[:-1, :] != labels[1:, :]
    return np.minimum(e, 1.0)


def smooth_labels(labels: np.ndarray, size: int) -> np.ndarray:
    """Median-filter a label map to remove speckle (labels must be < 256)."""
    k = max(3, size | 1)
    return (
        cv2.medianBlur(labels.astype(np.uint8), min(k, 5))
        if k <= 5
        else cv2.medianBlur(cv2.medianBlur(labels.astype(np.uint8), 5), 5)
    )
