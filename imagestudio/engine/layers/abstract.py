"""Abstract compositions: marbled flow fields and bold geometric shapes."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import ellipse, paint
from ..colour import from_hue, hue_of, lighten, mix, saturate
from ..context import Ctx
from ..noise import fbm, shift, warp


def scheme(ctx: Ctx, n: int = 5) -> list[np.ndarray]:
    """Harmonious colours: named ones first, then analogous/complementary fill-ins."""
    rng, pal = ctx.rng("scheme"), ctx.pal
    named = [saturate(c, 1.05) for c in pal.accents] if ctx.plan.colours else []
    if named:
        h0 = hue_of(named[0])[0]
    elif ctx.plan.word_hues:
        h0 = ctx.plan.word_hues[0]
    else:
        h0 = rng.random()
    offsets = rng.choice([0.08, -0.08, 0.5, 0.42, 0.58, 0.16], size=4, replace=False)
    extra = [from_hue(h0 + o, rng.uniform(0.09, 0.16), rng.uniform(0.45, 0.85)) for o in offsets]
    base = [from_hue(h0, 0.14, 0.35), from_hue(h0, 0.1, 0.88)]
    cols = named + extra + base
    return cols[:n]


def ramp(t: np.ndarray, cols: list[np.ndarray]) -> np.ndarray:
    """Map 0..1 values through a multi-stop colour gradient (LUT lookup)."""
    lut_pos = np.linspace(0, 1, len(cols))
    xs = np.linspace(0, 1, 256)
    lut = np.stack([np.interp(xs, lut_pos, [c[i] for c in cols]) for i in range(3)], -1).astype(np.float32)
    idx = np.clip(t * 255, 0, 255).astype(np.uint8)
    return lut[idx]


def flow(ctx: Ctx, cols: list[np.ndarray]) -> None:
    """Domain-warped noise through a colour ramp: fluid, marbled bands."""
    cv, rng = ctx.cv, ctx.rng("flow")
    h, w = cv.h, cv.w
    oc = ctx.octaves
    q = fbm(rng, h, w, 1.5, max(2, oc - 2))
    dx = fbm(rng, h, w, 1.2, 3) * cv.px(0.12)
    dy = fbm(rng, h, w, 1.2, 3) * cv.px(0.12)
    n = warp(fbm(rng, h, w, 1.8, oc, 0.5) + q * 0.6, dx, dy)
    t = 0.5 + 0.5 * np.sin(n * rng.uniform(2.0, 3.2) + q)
    if ctx.flat:
        t = np.round(t * 4) / 4
    order = [cols[i % len(cols)] for i in (4, 0, 2, 1, 3, 0)]
    cv.img[:] = ramp(t, order)
    lines = np.abs(np.sin(n * 14.0)) < 0.04 * (0.5 + ctx.detail)
    if not ctx.flat:
        paint(cv.img, cv2.GaussianBlur(lines.astype(np.float32), (0, 0), 0.8) * 0.25, lighten(cols[-1], 0.3))


def shapes(ctx: Ctx, cols: list[np.ndarray], count: int | None = None, keep_bg: bool = False) -> None:
    """Bold circles, half-discs, rings and ribbons with gradients and soft shadows."""
    cv, rng = ctx.cv, ctx.rng("shapes")
    if not keep_bg:
        bg1, bg2 = lighten(cols[0], -0.45), lighten(mix(cols[0], cols[1 % len(cols)], 0.3), -0.2)
        t = np.clip(cv.v * 0.75 + (cv.u - 0.5) * 0.4 * rng.uniform(-1, 1) + 0.1, 0, 1)
        cv.img[:] = bg1 + (bg2 - bg1) * t[..., None]
        if not ctx.flat:
            cv.img *= (1 + 0.06 * fbm(rng, cv.h, cv.w, 2.0, 3))[..., None]
    count = count or int(rng.integers(6, 10)) - (3 if ctx.flat else 0)
    kinds = rng.choice(["circle", "ring", "ribbon", "half", "circle", "outline", "dots"], size=count)
    palette = [lighten(c, 0.1) for c in cols[1:]] + [cols[0], lighten(cols[0], 0.35)]
    for i, kind in enumerate(kinds):
        m = np.zeros((cv.h, cv.w), np.uint8)
        cx, cy = rng.uniform(0.12, 0.88) * cv.w, rng.uniform(0.12, 0.88) * cv.h
        r = cv.px(rng.uniform(0.07, 0.32) * (1.0 - 0.5 * i / count))
        _shape(m, cv, rng, kind, cx, cy, r)
        mask = m.astype(np.float32) / 255.0
        if not ctx.flat and kind != "dots":
            sh = cv2.GaussianBlur(shift(mask, int(cv.px(0.014)), int(cv.px(0.01))), (0, 0), cv.px(0.015))
            cv.img *= (1 - 0.35 * sh)[..., None]
        c = palette[i % len(palette)]
        if ctx.flat:
            paint(cv.img, mask, c)
            continue
        g = np.clip(((cv.u - cx / cv.w) * cv.w + (cv.v - cy / cv.h) * cv.h) / (2.5 * r) + 0.5, 0, 1)
        paint(cv.img, mask, lighten(c, 0.22) + (lighten(c, -0.18) - lighten(c, 0.22)) * g[..., None])


def _shape(m: np.ndarray, cv, rng: np.random.Generator, kind: str, cx: float, cy: float, r: float) -> None:
    if kind == "circle":
        ellipse(m, cx, cy, r, r)
    elif kind == "half":
        a0 = float(rng.choice([0, 90, 180, 270]))
        cv2.ellipse(m, (int(cx), int(cy)), (int(r), int(r)), a0, 0, 180, 255, -1, cv2.LINE_AA)
    elif kind == "ring":
        a0 = rng.uniform(0, 360)
        cv2.ellipse(
            m,
            (int(cx), int(cy)),
            (int(r), int(r)),
            0,
            a0,
            a0 + rng.uniform(140, 300),
            255,
            max(2, int(r * 0.2)),
            cv2.LINE_AA,
        )
    elif kind == "outline":
        cv2.circle(m, (int(cx), int(cy)), int(r * 1.2), 255, max(1, int(cv.px(0.004))), cv2.LINE_AA)
    elif kind == "dots":
        step = max(4, int(cv.px(0.025)))
        for gx in range(int(cx - r), int(cx + r), step):
            for gy in range(int(cy - r * 0.6), int(cy + r * 0.6), step):
                cv2.circle(m, (gx, gy), max(1, step // 6), 255, -1, cv2.LINE_AA)
    else:
        _ribbon(m, cv, rng)


def _ribbon(m: np.ndarray, cv, rng: np.random.Generator) -> None:
    xs = np.linspace(-0.1, 1.1, 80) * cv.w
    ph, fr, amp = rng.uniform(0, 6), rng.uniform(3, 7), rng.uniform(0.05, 0.15)
    y0 = rng.uniform(0.25, 0.75) * cv.h
    ys = y0 + np.sin(xs / cv.w * fr + ph) * cv.h * amp
    pts = np.stack([xs, ys], -1).astype(np.int32)
    cv2.polylines(m, [pts], False, 255, max(2, int(cv.px(rng.uniform(0.02, 0.07)))), cv2.LINE_AA)


def abstract(ctx: Ctx) -> None:
    cols = scheme(ctx)
    words = ctx.plan.words
    mode_flow = any(w in words for w in ("fluid", "swirl", "swirls", "marble", "flow", "flowing"))
    mode_shapes = any(w in words for w in ("shapes", "geometric", "circles", "shape"))
    if mode_flow or (not mode_shapes and ctx.rng("absmode").random() < 0.5):
        flow(ctx, cols)
        if mode_shapes:
            shapes_overlay(ctx, cols)
    else:
        shapes(ctx, cols)


def shapes_overlay(ctx: Ctx, cols: list[np.ndarray]) -> None:
    shapes(ctx, cols, 4, keep_bg=True)
