"""Stylised portrait: flat-illustration bust with soft light over a bokeh background."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import ellipse, glow, paint
from ..colour import hexc, lighten, mix, saturate
from ..context import Ctx
from .abstract import scheme

SKIN = ("f3d2b8", "e8b896", "d39a74", "b07652", "8a5638", "5e3a26")
HAIR = ("1e1612", "3a2618", "6a4226", "b07a3e", "d8b060", "8a2a1a", "2a2a32")


def portrait(ctx: Ctx) -> None:
    cv, rng = ctx.cv, ctx.rng("portrait")
    cols = scheme(ctx)
    bg_a, bg_b = lighten(cols[0], 0.15), lighten(cols[1 % len(cols)], -0.1)
    t = np.clip(cv.v * 0.8 + (cv.u - 0.5) * 0.4, 0, 1)
    cv.img[:] = bg_a + (bg_b - bg_a) * t[..., None]
    if not ctx.flat:
        for _ in range(int(6 + 8 * ctx.detail)):
            glow(
                cv.img,
                rng.random() * cv.w,
                rng.random() * cv.h,
                cv.px(rng.uniform(0.02, 0.07)),
                lighten(cols[2 % len(cols)], 0.4),
                rng.uniform(0.08, 0.25),
            )
    skin = hexc(SKIN[int(rng.integers(0, len(SKIN)))])
    hair = ctx.pal.for_noun("hair", hexc(HAIR[int(rng.integers(0, len(HAIR)))]))
    cloth = saturate(cols[3 % len(cols)], 1.1)
    cx = cv.w * rng.uniform(0.44, 0.56)
    s = cv.px(1.0) * (0.95 if cv.h >= cv.w else 0.85)
    cy = cv.h * 0.42 if cv.h >= cv.w else cv.h * 0.44
    masculine = ctx.plan.has("man", "boy", "guy", "gentleman", "king")
    long_hair = rng.random() < (0.15 if masculine else 0.8 if ctx.plan.has("woman", "girl", "lady") else 0.6)
    _layer(cv, lambda m: _back_hair(m, cx, cy, s, long_hair), hair, lighten(hair, -0.2))
    _layer(cv, lambda m: _shoulders(m, cx, cy, s), cloth, lighten(cloth, -0.3))
    neck = ((int(cx - s * 0.06), int(cy + s * 0.1)), (int(cx + s * 0.06), int(cy + s * 0.3)))
    _layer(cv, lambda m: cv2.rectangle(m, *neck, 255, -1), lighten(skin, -0.12), lighten(skin, -0.3))
    _layer(cv, lambda m: ellipse(m, cx, cy, s * 0.15, s * 0.2), skin, lighten(skin, -0.18))
    _face(ctx, cv, cx, cy, s, skin, hair, rng)
    _layer(cv, lambda m: _fringe(m, cx, cy, s, rng), hair, lighten(hair, -0.25))


def _layer(cv, draw, light: np.ndarray, dark: np.ndarray) -> None:
    """Draw a shape and shade it with a soft side light (left bright, right darker)."""
    m = np.zeros((cv.h, cv.w), np.uint8)
    draw(m)
    a = m.astype(np.float32) / 255.0
    side = np.clip((cv.u - 0.35) * 2.2, 0, 1)
    paint(cv.img, a, light + (dark - light) * side[..., None])


def _back_hair(m: np.ndarray, cx: float, cy: float, s: float, long_hair: bool) -> None:
    ellipse(m, cx, cy - s * 0.03, s * 0.19, s * 0.23)
    if long_hair:
        pts = np.array(
            [
                (cx - s * 0.19, cy - s * 0.02),
                (cx + s * 0.19, cy - s * 0.02),
                (cx + s * 0.24, cy + s * 0.34),
                (cx - s * 0.24, cy + s * 0.34),
            ],
            np.int32,
        )
        cv2.fillPoly(m, [pts], 255, cv2.LINE_AA)


def _shoulders(m: np.ndarray, cx: float, cy: float, s: float) -> None:
    ellipse(m, cx, cy + s * 0.62, s * 0.4, s * 0.34)


def _fringe(m: np.ndarray, cx: float, cy: float, s: float, rng: np.random.Generator) -> None:
    cap = np.zeros_like(m)
    ellipse(cap, cx, cy - s * 0.06, s * 0.17, s * 0.17)
    cut = np.zeros_like(m)
    ellipse(cut, cx + s * rng.uniform(-0.06, 0.06), cy + s * 0.09, s * 0.2, s * 0.17)
    m[:] = np.where(cut > 0, 0, cap).astype(np.uint8)


def _face(
    ctx: Ctx, cv, cx: float, cy: float, s: float, skin: np.ndarray, hair: np.ndarray, rng: np.random.Generator
) -> None:
    ink = lighten(hair, -0.4)
    m = np.zeros((cv.h, cv.w), np.uint8)
    for dx in (-0.06, 0.06):
        ellipse(m, cx + s * dx, cy + s * 0.02, s * 0.018, s * 0.022)
    paint(cv.img, m.astype(np.float32) / 255.0, ink)
    hl = np.zeros_like(m)
    for dx in (-0.055, 0.065):
        ellipse(hl, cx + s * dx, cy + s * 0.012, s * 0.006, s * 0.006)
    paint(cv.img, hl.astype(np.float32) / 255.0, np.ones(3, np.float32))
    brows = np.zeros_like(m)
    for dx in (-0.06, 0.06):
        cv2.ellipse(
            brows,
            (int(cx + s * dx), int(cy - s * 0.025)),
            (int(s * 0.03), int(s * 0.012)),
            0,
            200,
            340,
            255,
            max(1, int(s * 0.007)),
            cv2.LINE_AA,
        )
    paint(cv.img, brows.astype(np.float32) / 255.0, ink)
    mouth = np.zeros_like(m)
    cv2.ellipse(
        mouth,
        (int(cx), int(cy + s * 0.105)),
        (int(s * 0.03), int(s * 0.014)),
        0,
        10,
        170,
        255,
        max(1, int(s * 0.008)),
        cv2.LINE_AA,
    )
    paint(cv.img, mouth.astype(np.float32) / 255.0, mix(hexc("b8454f"), skin, 0.3))
    nose = np.zeros_like(m)
    cv2.line(
        nose,
        (int(cx + s * 0.008), int(cy + s * 0.04)),
        (int(cx - s * 0.004), int(cy + s * 0.07)),
        255,
        max(1, int(s * 0.006)),
        cv2.LINE_AA,
    )
    paint(cv.img, nose.astype(np.float32) / 255.0 * 0.5, lighten(skin, -0.3))
    for dx in (-0.09, 0.09):
        glow(cv.img, cx + s * dx, cy + s * 0.075, s * 0.025, hexc("ff6a6a") - skin * 0.6, 0.25)
