"""A tiny shape language for stylised figures: parts in unit coordinates -> masks.

Why: subjects (animals, people, buildings) are described as data (ellipses, polygons,
strokes) with a colour region each, so adding a subject is a table entry, not code.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..canvas import ellipse

_SHIFT = 4


@dataclass(frozen=True)
class Part:
    kind: str  # "ellipse" | "poly" | "stroke"
    pts: tuple[float, ...]  # ellipse: cx, cy, rx, ry, angle; poly/stroke: x0, y0, x1, y1...
    region: str = "body"  # colour region: body / light / dark / accent / glow
    width: float = 0.0  # stroke width (units)


def E(cx: float, cy: float, rx: float, ry: float, ang: float = 0.0, region: str = "body") -> Part:
    return Part("ellipse", (cx, cy, rx, ry, ang), region)


def P(*xy: float, region: str = "body") -> Part:
    return Part("poly", xy, region)


def S(*xy: float, w: float, region: str = "body") -> Part:
    return Part("stroke", xy, region, w)


def rasterise(parts: list[Part], scale: float, facing: float = 1.0) -> tuple[dict[str, np.ndarray], tuple[int, int]]:
    """Draw parts into per-region float masks; returns (masks, (x_off, y_off)) where the
    offset maps the unit origin (base centre of the figure) into the patch."""
    xs, ys = [], []
    for p in parts:
        if p.kind == "ellipse":
            cx, cy, rx, ry, _ = p.pts
            r = max(rx, ry)
            xs += [cx - r, cx + r]
            ys += [cy - r, cy + r]
        else:
            xs += list(p.pts[0::2])
            ys += list(p.pts[1::2])
    pad = 0.08
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    if facing < 0:
        x0, x1 = -x1, -x0
    w, h = int((x1 - x0) * scale) + 2, int((y1 - y0) * scale) + 2
    ox, oy = -x0 * scale, -y0 * scale
    masks: dict[str, np.ndarray] = {}
    f = 1 << _SHIFT
    for p in parts:
        m = masks.setdefault(p.region, np.zeros((h, w), np.uint8))
        if p.kind == "ellipse":
            cx, cy, rx, ry, ang = p.pts
            ellipse(m, ox + facing * cx * scale, oy + cy * scale, rx * scale, ry * scale, facing * ang)
        else:
            pts = np.array(p.pts, np.float64).reshape(-1, 2)
            pts[:, 0] = ox + facing * pts[:, 0] * scale
            pts[:, 1] = oy + pts[:, 1] * scale
            ipts = np.round(pts * f).astype(np.int32)
            if p.kind == "poly":
                cv2.fillPoly(m, [ipts], 255, cv2.LINE_AA, shift=_SHIFT)
            else:
                cv2.polylines(m, [ipts], False, 255, max(1, int(p.width * scale)), cv2.LINE_AA, shift=_SHIFT)
    return {k: v.astype(np.float32) / 255.0 for k, v in masks.items()}, (int(ox), int(oy))
