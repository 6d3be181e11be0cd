"""Drawing surface in normalised coordinates plus anti-aliased shape helpers.

Positions use u (0..1 across the width) and v (0..1 down the height); sizes are
fractions of the short side (Canvas.s), so compositions survive any aspect ratio.
"""

from __future__ import annotations

from functools import cached_property

import cv2
import numpy as np

_SHIFT = 4  # sub-pixel bits for cv2 polygon drawing (smoother anti-aliased edges)


class Canvas:
    def __init__(self, w: int, h: int) -> None:
        self.w, self.h = w, h
        self.s = min(w, h)
        self.img = np.zeros((h, w, 3), np.float32)

    @cached_property
    def u(self) -> np.ndarray:
        return (np.arange(self.w, dtype=np.float32)[None, :] + 0.5) / self.w

    @cached_property
    def v(self) -> np.ndarray:
        return (np.arange(self.h, dtype=np.float32)[:, None] + 0.5) / self.h

    @cached_property
    def ys(self) -> np.ndarray:
        return np.arange(self.h, dtype=np.float32)[:, None]

    def x(self, u: float) -> float:
        return u * self.w

    def y(self, v: float) -> float:
        return v * self.h

    def px(self, size: float) -> float:
        """A size given as a fraction of the short side, in pixels."""
        return size * self.s


def paint(img: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> None:
    """In-place alpha blend: img = img + (colour - img) * alpha."""
    a = alpha[..., None] if alpha.ndim == 2 else alpha
    img += (colour - img) * a


def paint_at(
    img: np.ndarray, alpha: np.ndarray, colour: np.ndarray | float, x0: int, y0: int, add: bool = False
) -> None:
    """Blend (or add) a small patch at (x0, y0), clipped to the image."""
    h, w = img.shape[:2]
    ph, pw = alpha.shape[:2]
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + pw), min(h, y0 + ph)
    if xa >= xb or ya >= yb:
        return
    a = alpha[ya - y0 : yb - y0, xa - x0 : xb - x0]
    a = a[..., None] if a.ndim == 2 else a
    col = (
        colour[ya - y0 : yb - y0, xa - x0 : xb - x0] if isinstance(colour, np.ndarray) and colour.ndim == 3 else colour
    )
    region = img[ya:yb, xa:xb]
    if add:
        region += a * col
    else:
        region += (col - region) * a


def poly_mask(h: int, w: int, polys: list[np.ndarray], blur: float = 0.0) -> np.ndarray:
    """Anti-aliased float mask of filled polygons given in pixel coordinates."""
    m = np.zeros((h, w), np.uint8)
    pts = [np.round(np.asarray(p, np.float64) * (1 << _SHIFT)).astype(np.int32) for p in polys]
    for p in pts:  # one call per polygon: a single call would XOR where polygons overlap
        cv2.fillPoly(m, [p], 255, cv2.LINE_AA, shift=_SHIFT)
    out = m.astype(np.float32) * (1.0 / 255.0)
    if blur > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    return out


def ellipse(m: np.ndarray, cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, value: int = 255) -> None:
    """Draw a filled anti-aliased ellipse into a uint8 mask (pixel coordinates)."""
    f = 1 << _SHIFT
    cv2.ellipse(
        m,
        (round(cx * f), round(cy * f)),
        (max(1, round(rx * f)), max(1, round(ry * f))),
        angle,
        0,
        360,
        value,
        -1,
        cv2.LINE_AA,
        _SHIFT,
    )


def radial(h: int, w: int, cx: float, cy: float, r: float, sx: float = 1.0) -> np.ndarray:
    """Gaussian falloff exp(-d^2/r^2) over the whole image (sx > 1 widens horizontally)."""
    xs = (np.arange(w, dtype=np.float32)[None, :] - cx) / (r * sx)
    ys = (np.arange(h, dtype=np.float32)[:, None] - cy) / r
    return np.exp(-(xs * xs + ys * ys))


def glow(
    img: np.ndarray,
    cx: float,
    cy: float,
    r: float,
    colour: np.ndarray,
    strength: float = 1.0,
    sx: float = 1.0,
    screen: bool = False,
) -> None:
    """Soft glow computed only on its bounding box (3r). Additive, or 'screen' blended so an
    already bright sky brightens without blowing out to flat white."""
    h, w = img.shape[:2]
    x0, x1 = int(max(0, cx - 3 * r * sx)), int(min(w, cx + 3 * r * sx + 1))
    y0, y1 = int(max(0, cy - 3 * r)), int(min(h, cy + 3 * r + 1))
    if x0 >= x1 or y0 >= y1:
        return
    g = radial(y1 - y0, x1 - x0, cx - x0, cy - y0, r, sx)[..., None] * (colour * strength)
    region = img[y0:y1, x0:x1]
    if screen:
        region[:] = 1.0 - (1.0 - np.clip(region, 0, 1)) * (1.0 - np.clip(g, 0, 1))
    else:
        region += g


def vertical_gradient(h: int, stops: list[tuple[float, np.ndarray]], v0: float = 0.0, v1: float = 1.0) -> np.ndarray:
    """(h, 1, 3) colours interpolated along the height; stop positions are 0..1 of [v0, v1]."""
    v = (np.arange(h, dtype=np.float32) + 0.5) / h
    t = np.clip((v - v0) / max(v1 - v0, 1e-6), 0, 1)
    pos = np.array([p for p, _ in stops], np.float32)
    # smoothstep between stops for softer bands
    out = np.stack([np.interp(t, pos, [c[i] for _, c in stops]) for i in range(3)], -1)
    return out.astype(np.float32)[:, None, :]


def ridge_alpha(v_px: np.ndarray, ridge_px: np.ndarray, soft: float = 0.7) -> np.ndarray:
    """Alpha of everything below a per-column ridgeline, anti-aliased over ~1px."""
    return np.clip((v_px - ridge_px[None, :]) / soft + 0.5, 0.0, 1.0)
