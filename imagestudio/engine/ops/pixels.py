"""Array helpers shared by the operations: alpha split/join, Lab conversion, colour statistics."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from ..render import Progress
from ..render import _ticker as ticker

__all__ = [
    "Progress",
    "blur",
    "from_lab",
    "join_alpha",
    "lum",
    "match_stats",
    "opaque",
    "recolour",
    "smoothstep",
    "split_alpha",
    "ticker",
    "to_lab",
    "to_u8",
]


def split_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """(RGB uint8 copy, alpha uint8 copy or None) of an RGB/RGBA image."""
    a = np.array(image, dtype=np.uint8)
    return (a[..., :3].copy(), a[..., 3].copy()) if image.mode == "RGBA" else (a, None)


def join_alpha(rgb: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    if alpha is None:
        return Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    return Image.fromarray(np.ascontiguousarray(np.dstack([rgb, alpha])), "RGBA")


def to_u8(a: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB -> float32 CIE Lab (L 0..100)."""
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def from_lab(lab: np.ndarray) -> np.ndarray:
    return to_u8(cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB) * 255.0)


def lum(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def blur(a: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(a, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def opaque(alpha: np.ndarray | None) -> np.ndarray | None:
    """Pixels that count for colour statistics (transparent ones hold arbitrary colours)."""
    if alpha is None:
        return None
    keep = alpha >= 128
    return keep if keep.any() else None


def _stats(lab: np.ndarray, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    px = lab[keep] if keep is not None else lab.reshape(-1, lab.shape[-1])
    return px.mean(axis=0), px.std(axis=0)


def match_stats(
    lab: np.ndarray,
    ref: np.ndarray,
    keep: np.ndarray | None = None,
    ref_keep: np.ndarray | None = None,
    light_gain: tuple[float, float] = (0.0, np.inf),
) -> np.ndarray:
    """Reinhard transfer: give each channel of lab the mean and std of ref's.

    A channel that is flat in lab cannot be stretched into ref's spread, so only its mean moves;
    light_gain bounds how much the lightness contrast may shrink or grow.
    """
    mu, sd = _stats(lab, keep)
    rmu, rsd = _stats(ref, ref_keep)
    gain = np.where(sd > 1e-3, rsd / np.maximum(sd, 1e-3), 1.0).astype(np.float32)
    gain[0] = np.clip(gain[0], *light_gain)
    return ((lab - mu) * gain + rmu).astype(np.float32)


def recolour(rgb: np.ndarray, lab: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Lab of rgb (a render) given the colour statistics of lab (the picture it must fit into)."""
    return match_stats(to_lab(rgb), lab, ref_keep=opaque(alpha))
