"""Small image measurements shared by the engine tests."""

from __future__ import annotations

import cv2
import numpy as np

from imagestudio.engine import RenderRequest, render


def arr(prompt: str, w: int = 256, h: int = 256, seed: int = 1, **kw) -> np.ndarray:
    return np.asarray(render(RenderRequest(prompt=prompt, width=w, height=h, seed=seed, **kw)), dtype=np.float32)


def blueness(a: np.ndarray) -> float:
    """Mean (blue - red): positive for blue pictures, negative for red ones."""
    return float((a[..., 2] - a[..., 0]).mean())


def luminance(a: np.ndarray) -> float:
    return float((a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114).mean())


def laplacian_var(a: np.ndarray) -> float:
    g = cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(g, cv2.CV_64F).var())
