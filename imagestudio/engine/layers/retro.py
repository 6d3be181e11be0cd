"""Synthwave pieces for the neon style: striped sun and a glowing perspective grid."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import ellipse, glow, paint
from ..colour import hexc, mix
from ..context import Ctx


def sun(ctx: Ctx) -> None:
    """Big half-set sun with a hot gradient and horizontal cut-out stripes."""
    cv = ctx.cv
    cx, cy, r = cv.x(0.5), cv.y(ctx.horizon) - cv.px(0.05), cv.px(0.22)
    m = np.zeros((cv.h, cv.w), np.uint8)
    ellipse(m, cx, cy, r, r)
    a = m.astype(np.float32) / 255.0
    rel = np.clip((cv.ys - (cy - r)) / (2 * r), 0, 1)
    stripes = ((rel * 9.0) ** 1.6 % 1.0 < 0.75) | (rel < 0.45)
    a *= stripes.astype(np.float32)
    top, bot = hexc("ffe45a"), hexc("ff2f8a")
    t = np.clip(rel, 0, 1)
    glow(cv.img, cx, cy, r * 1.6, hexc("ff3f8f"), 0.35)
    paint(cv.img, a, top + (bot - top) * t[..., None])


def grid(ctx: Ctx) -> None:
    """Dark floor with glowing lines converging to the horizon."""
    cv = ctx.cv
    y0 = int(cv.y(ctx.horizon))
    cv.img[y0:] = mix(ctx.pal["ground"], hexc("0a0418"), 0.6)
    lines = np.zeros((cv.h, cv.w), np.uint8)
    vx = cv.w / 2
    th = max(1, int(cv.px(0.003)))
    for k in range(-40, 41):
        x_bottom = vx + k * cv.px(0.12)
        cv2.line(lines, (int(vx + k * cv.px(0.004)), y0), (int(x_bottom), cv.h), 255, th, cv2.LINE_AA)
    for i in range(1, 40):
        y = y0 + (cv.h - y0) * (i / 40.0) ** 2.2
        cv2.line(lines, (0, int(y)), (cv.w, int(y)), 255, th, cv2.LINE_AA)
    a = lines.astype(np.float32) / 255.0
    fade = np.clip((cv.ys - y0) / max(1, cv.h - y0) * 4, 0, 1)
    a[y0:] *= fade[y0:]
    a[:y0] = 0
    col = hexc("ff3fd0")
    cv.img += cv2.GaussianBlur(a, (0, 0), cv.px(0.008))[..., None] * col * 1.2
    paint(cv.img, a, mix(col, hexc("ffffff"), 0.3))
