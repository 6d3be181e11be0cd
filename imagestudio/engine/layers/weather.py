"""Weather overlays: rain streaks, falling snow, fog banks, lightning."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import paint
from ..colour import lighten, mix
from ..context import Ctx
from ..noise import fbm, smoothstep


def rain(ctx: Ctx, amount: float = 1.0) -> None:
    """Slanted translucent streaks, longer and brighter near the viewer."""
    cv, rng = ctx.cv, ctx.rng("rain")
    n = int(2200 * amount * cv.w / cv.s * (0.4 + 0.6 * ctx.detail))
    layer = np.zeros((cv.h, cv.w), np.uint8)
    slant = rng.uniform(-0.25, 0.25)
    xs, ys = rng.random(n) * cv.w * 1.2 - 0.1 * cv.w, rng.random(n) * cv.h
    lens = cv.px(0.02 + 0.05 * rng.random(n) ** 2)
    for x, y, L in zip(xs, ys, lens, strict=False):
        level = int(120 + 100 * L / cv.px(0.07))
        cv2.line(layer, (int(x), int(y)), (int(x + slant * L), int(y + L)), level, 1, cv2.LINE_AA)
    a = cv2.GaussianBlur(layer.astype(np.float32) / 255.0, (0, 0), max(0.5, cv.s / 1500))
    # overall veil: rain greys out the distance
    paint(cv.img, 0.12 * smoothstep(0.0, ctx.horizon, cv.v) * np.ones((1, cv.w), np.float32), ctx.pal["haze"])
    paint(cv.img, a * 0.45, lighten(ctx.pal["cloud"], 0.2))


def snowfall(ctx: Ctx, amount: float = 1.0) -> None:
    """Soft flakes: small sharp far ones, large blurry near ones."""
    cv, rng = ctx.cv, ctx.rng("snowfall")
    col = lighten(ctx.pal["snow"], 0.2)
    for depth, blur in ((0.3, 0.6), (0.65, 1.2), (1.0, 2.4)):
        n = int(420 * amount * cv.w / cv.s * (0.4 + 0.6 * ctx.detail) / (0.4 + depth) ** 2 * 0.3)
        m = np.zeros((cv.h, cv.w), np.uint8)
        r = max(1, int(cv.px(0.001 + 0.0035 * depth)))
        for x, y in zip(rng.random(n) * cv.w, rng.random(n) * cv.h, strict=False):
            cv2.circle(m, (int(x), int(y)), r, 255, -1, cv2.LINE_AA)
        a = cv2.GaussianBlur(m.astype(np.float32) / 255.0, (0, 0), blur * cv.s / 1000)
        paint(cv.img, np.clip(a * 1.3, 0, 1) * (0.55 + 0.35 * depth), col)


def fog(ctx: Ctx, amount: float = 0.6, v_center: float | None = None) -> None:
    """Low-lying fog banks drifting across the horizon."""
    cv, rng = ctx.cv, ctx.rng("fog")
    vc = ctx.horizon if v_center is None else v_center
    n = fbm(rng, cv.h, cv.w, 2.0, 3, stretch=(4.0, 1.0))
    band = np.exp(-(((cv.v - vc) / 0.16) ** 2))
    a = np.clip(band * (0.55 + 0.35 * n) * amount, 0, 0.9)
    paint(cv.img, a, mix(ctx.pal["haze"], ctx.pal["cloud"], 0.3))


def lightning(ctx: Ctx) -> None:
    """A branching bolt with a bright core and a wide glow."""
    cv, rng = ctx.cv, ctx.rng("lightning")
    m = np.zeros((cv.h, cv.w), np.uint8)
    x, y = rng.uniform(0.25, 0.75) * cv.w, 0.0
    target = cv.y(ctx.horizon)
    step = cv.px(0.03)
    pts = [(x, y)]
    while y < target:
        x += rng.normal(0, step * 0.7)
        y += step * rng.uniform(0.6, 1.2)
        pts.append((x, y))
        if rng.random() < 0.12:
            _branch(m, rng, x, y, step, int(rng.integers(3, 7)))
    cv2.polylines(m, [np.array(pts, np.int32)], False, 255, max(1, int(cv.px(0.003))), cv2.LINE_AA)
    core = m.astype(np.float32) / 255.0
    halo = cv2.GaussianBlur(core, (0, 0), cv.px(0.02))
    sky = cv2.GaussianBlur(core, (0, 0), cv.px(0.15))
    col = np.array([0.85, 0.9, 1.0], np.float32)
    cv.img += (halo * 3.0 + sky * 6.0)[..., None] * col * 0.5
    paint(cv.img, core, col)


def _branch(m: np.ndarray, rng: np.random.Generator, x: float, y: float, step: float, n: int) -> None:
    pts, d = [(x, y)], rng.choice([-1, 1])
    for _ in range(n):
        x += d * step * rng.uniform(0.3, 1.0)
        y += step * rng.uniform(0.3, 0.9)
        pts.append((x, y))
    cv2.polylines(m, [np.array(pts, np.int32)], False, 160, 1, cv2.LINE_AA)
