"""Vegetation: conifer/broadleaf forests, a lone tree, meadow grass and flowers."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import ellipse, paint, poly_mask
from ..colour import lighten, mix, saturate
from ..context import Ctx
from ..noise import fbm1d, shift


def conifer(x: float, y: float, h: float, w: float, rng: np.random.Generator) -> np.ndarray:
    """Polygon of a fir tree: symmetric tiers with slightly drooping tips (pixel coords)."""
    tiers = int(rng.integers(5, 8))
    trunk = h * 0.07
    lean = rng.normal(0, w * 0.03)
    left, right = [], []
    for j in range(tiers):
        f = (j + 1) / tiers
        yb = y - trunk - (h - trunk) * (1 - f) * 0.97
        wj = w * 0.5 * (0.18 + 0.82 * f)
        notch = wj * 0.58
        cx = x + lean * (1 - f)
        left += [(cx - notch, yb - h * 0.035), (cx - wj, yb + h * 0.01)]
        right += [(cx + notch, yb - h * 0.035), (cx + wj, yb + h * 0.01)]
    tw = w * 0.06
    # down the right side (top -> bottom), round the trunk, back up the left side
    outline = [
        (x + lean, y - h),
        *right,
        (x + tw, y - trunk),
        (x + tw, y + 2),
        (x - tw, y + 2),
        (x - tw, y - trunk),
        *left[::-1],
    ]
    return np.array(outline, np.float64)


def broadleaf(mask: np.ndarray, x: float, y: float, h: float, w: float, rng: np.random.Generator) -> None:
    """Round-canopy tree drawn into a uint8 mask: trunk plus clustered blobs."""
    cv2.line(mask, (int(x), int(y)), (int(x), int(y - h * 0.5)), 255, max(1, int(w * 0.08)), cv2.LINE_AA)
    cy = y - h * 0.62
    for _ in range(7):
        ox, oy = rng.normal(0, w * 0.2), rng.normal(0, h * 0.12)
        r = w * rng.uniform(0.22, 0.34)
        ellipse(mask, x + ox, cy + oy, r, r * rng.uniform(0.85, 1.05))


def forest(
    ctx: Ctx,
    rows: int = 3,
    base_v: float | None = None,
    height: float = 0.16,
    spread: float = 0.12,
    snowy: bool = False,
    kind: str = "conifer",
    fill_floor: bool = True,
) -> None:
    """Rows of tree silhouettes from far (hazy, small) to near (dark, large)."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("forest")
    base_v = ctx.horizon if base_v is None else base_v
    leaf = pal.for_noun("forest", pal["foliage"])
    dark = lighten(leaf, -0.25)
    for r in range(rows):
        t = r / max(1, rows - 1)
        hh = cv.px(height * (0.5 + 1.3 * t**1.5))
        bv = base_v + spread * t**1.4
        by = cv.y(bv)
        n = int((cv.w / cv.s) * (26 - 12 * t) * (0.35 if ctx.flat else 0.8))
        xs = np.sort(rng.uniform(-0.05, 1.05, n)) * cv.w
        jitter = fbm1d(rng, cv.w, 4 * cv.w / cv.s, 3)
        polys, m = [], np.zeros((cv.h, cv.w), np.uint8)
        for x in xs:
            xi = int(np.clip(x, 0, cv.w - 1))
            th = hh * rng.uniform(0.6, 1.15) * (0.7 + 0.6 * jitter[xi])
            yb = by + rng.uniform(-0.01, 0.01) * cv.s
            if kind == "conifer" or (kind == "mixed" and rng.random() < 0.6):
                polys.append(conifer(x, yb, th, th * rng.uniform(0.36, 0.48), rng))
            else:
                broadleaf(m, x, yb, th, th * 0.7, rng)
        mask = np.maximum(m.astype(np.float32) / 255.0, poly_mask(cv.h, cv.w, polys))
        fog = 0.45 if "fog" in ctx.plan.scenes else 0.0  # misty: distant rows melt into haze
        col = mix(pal["haze"], dark, (0.35 + 0.65 * t**0.8) * (1 - fog * (1 - t)))
        top = mix(pal["haze"], lighten(leaf, 0.05), (0.4 + 0.6 * t) * (1 - fog))
        ys = np.clip((cv.v - (bv - height * 1.4)) / (height * 1.4), 0, 1)
        shaded = top + (col - top) * ys[..., None]
        paint(cv.img, mask, shaded)
        _edge_light(ctx, mask, snowy, t)
        if fill_floor:
            _floor(ctx, int(by + cv.px(0.004)), t, snowy, col)


def _floor(ctx: Ctx, y0: int, t: float, snowy: bool, leaf: np.ndarray) -> None:
    """Ground between tree rows: snow, or dark forest floor fading into the haze."""
    cv, pal = ctx.cv, ctx.pal
    base = pal["snow"] if snowy else lighten(leaf, -0.1)
    far = mix(pal["haze"], base, 0.5 + 0.5 * t)
    near = lighten(base, -0.08 if snowy else -0.2)
    g = np.clip((cv.v[y0:] - cv.v[y0]) / 0.25, 0, 1)
    col = far + (near - far) * g[..., None]
    m = np.clip((cv.ys[y0:] - y0) / 1.5, 0, 1)
    paint(cv.img[y0:], np.broadcast_to(m, (cv.h - y0, cv.w)), np.broadcast_to(col, (cv.h - y0, cv.w, 3)))


def _edge_light(ctx: Ctx, mask: np.ndarray, snowy: bool, t: float) -> None:
    """Snow on tier tops, or a thin rim light on the sun side."""
    cv, pal = ctx.cv, ctx.pal
    k = max(1, int(cv.px(0.011 if snowy else 0.0025)))
    if snowy:
        above = shift(mask, k, 0)
        edge = np.clip(mask - above, 0, 1)
        edge = cv2.GaussianBlur(edge, (0, 0), 0.7)
        paint(cv.img, np.clip(edge * 1.6, 0, 1) * 0.9, mix(pal["snow"], pal["haze"], 0.3 * (1 - t)))
    elif not ctx.flat and pal.time in ("sunset", "sunrise", "day"):
        side = shift(mask, 0, int(-ctx.light_side * k))
        edge = np.clip(mask - side, 0, 1) * 0.45
        paint(cv.img, edge, mix(pal["glow"], pal["sun"], 0.5))


def lone_tree(ctx: Ctx, u: float, base_v: float, height: float = 0.45) -> None:
    """A big branching tree silhouette with a leafy crown (recursive branches)."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("lonetree")
    m = np.zeros((cv.h, cv.w), np.uint8)
    leaves = np.zeros((cv.h, cv.w), np.uint8)
    h = cv.px(height)

    def branch(x: float, y: float, ang: float, length: float, width: float, depth: int) -> None:
        x2, y2 = x + np.cos(ang) * length, y - np.sin(ang) * length
        cv2.line(m, (int(x), int(y)), (int(x2), int(y2)), 255, max(1, int(width)), cv2.LINE_AA)
        if depth == 0 or length < 3:
            r = h * rng.uniform(0.07, 0.11)
            ellipse(leaves, x2, y2, r * 1.3, r)
            return
        for da in (rng.uniform(0.25, 0.6), -rng.uniform(0.25, 0.6)):
            branch(x2, y2, ang + da, length * rng.uniform(0.62, 0.8), width * 0.65, depth - 1)

    branch(cv.x(u), cv.y(base_v), np.pi / 2 + rng.normal(0, 0.05), h * 0.38, cv.px(0.022), 5)
    trunk = m.astype(np.float32) / 255.0
    crown = leaves.astype(np.float32) / 255.0
    leaf = pal.for_noun("tree", pal["foliage"])
    paint(cv.img, trunk, lighten(leaf, -0.5))
    paint(cv.img, crown, lighten(leaf, -0.1))
    hi = np.clip(crown - shift(crown, int(cv.px(0.012)), 0), 0, 1)
    hi = np.clip(hi - shift(crown, 0, int(-ctx.light_side * cv.px(0.01))) * 0.3, 0, 1)
    if not ctx.flat:
        paint(cv.img, cv2.GaussianBlur(hi, (0, 0), 1.0) * 0.5, lighten(leaf, 0.25))


def meadow(ctx: Ctx, flowers: bool = True) -> None:
    """Grass blades and perspective-scaled flowers on the ground below the horizon."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("meadow")
    hz = ctx.horizon
    grass = pal.for_noun("hills", pal["ground"])
    _grass(ctx, rng, saturate(lighten(grass, -0.1), 1.1), hz)
    if not flowers:
        return
    accents = list(pal.accents) if pal.bound.get("flowers") is None else [pal.bound["flowers"]]
    if len(accents) < 3 and "flowers" not in pal.bound:
        defaults = ((0.95, 0.35, 0.45), (1.0, 0.85, 0.3), (0.98, 0.96, 0.92), (0.75, 0.45, 0.9))
        accents += [np.array(c, np.float32) for c in defaults]
    accents = [mix(a, pal["haze"], 0.1) for a in accents[:5]]
    area = (1 - hz) * cv.w / cv.s
    n = int(700 * area * (0.4 + 0.6 * ctx.detail) * (0.3 if ctx.flat else 1.0))
    v = hz + (1 - hz) * rng.random(n) ** 0.7
    order = np.argsort(v)
    u, v = rng.random(n)[order], v[order]
    col_idx = (rng.random(n) * len(accents)).astype(int)
    # colour patches: flowers of one colour cluster together like real meadows
    patch = fbm1d(rng, 256, 6, 2)
    col_idx = (col_idx + (patch[(u * 255).astype(int)] * len(accents) * 1.5).astype(int)) % len(accents)
    masks = [np.zeros((cv.h, cv.w), np.uint8) for _ in accents]
    centres = np.zeros((cv.h, cv.w), np.uint8)
    for i in range(n):
        depth = (v[i] - hz) / (1 - hz)
        r = cv.px(0.003 + 0.045 * depth**2.2) * rng.uniform(0.7, 1.3)
        x, y = u[i] * cv.w, v[i] * cv.h
        if r > cv.px(0.008) and not ctx.flat:
            for k in range(5):
                a = k * 1.2566 + rng.uniform(0, 1.2)
                ellipse(
                    masks[col_idx[i]],
                    x + np.cos(a) * r * 0.6,
                    y + np.sin(a) * r * 0.35,
                    r * 0.55,
                    r * 0.3,
                    np.degrees(a),
                )
            ellipse(centres, x, y, r * 0.28, r * 0.2)
        else:
            ellipse(masks[col_idx[i]], x, y, r, r * 0.6)
    for m, c in zip(masks, accents, strict=False):
        paint(cv.img, m.astype(np.float32) / 255.0, c)
    paint(cv.img, centres.astype(np.float32) / 255.0, np.array([0.95, 0.75, 0.2], np.float32))


def _grass(ctx: Ctx, rng: np.random.Generator, colour: np.ndarray, hz: float) -> None:
    cv = ctx.cv
    if ctx.flat:
        return
    n = int(1400 * (cv.w / cv.s) * (0.3 + 0.7 * ctx.detail))
    m_dark = np.zeros((cv.h, cv.w), np.uint8)
    m_lite = np.zeros((cv.h, cv.w), np.uint8)
    v = hz + (1 - hz) * rng.random(n) ** 0.5
    for i in range(n):
        depth = (v[i] - hz) / (1 - hz)
        x, y = rng.random() * cv.w, v[i] * cv.h
        L = cv.px(0.004 + 0.05 * depth**2) * rng.uniform(0.6, 1.3)
        bend = rng.normal(0, 0.35)
        pts = np.array([(x, y), (x + bend * L * 0.3, y - L * 0.55), (x + bend * L, y - L)], np.int32)
        cv2.polylines(
            m_dark if rng.random() < 0.6 else m_lite,
            [pts],
            False,
            255,
            max(1, int(cv.px(0.0015 + 0.002 * depth))),
            cv2.LINE_AA,
        )
    paint(cv.img, m_dark.astype(np.float32) / 255.0 * 0.7, lighten(colour, -0.25))
    paint(cv.img, m_lite.astype(np.float32) / 255.0 * 0.6, lighten(colour, 0.15))
