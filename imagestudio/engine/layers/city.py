"""City skyline: building silhouettes in depth layers with lit windows."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import glow, paint
from ..colour import lighten, mix
from ..context import Ctx
from ..noise import smoothstep


def skyline(ctx: Ctx, layers: int = 3, base_v: float | None = None, height: float = 0.4, v_end: float = 1.0) -> None:
    """Buildings from far (hazy, short) to near (tall, detailed, lit windows)."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("city")
    base_v = ctx.horizon if base_v is None else base_v
    lit_night = ctx.night or pal.time == "dusk" or ctx.neon
    if lit_night and ctx.allow("lights"):
        glow(cv.img, cv.w * 0.5, cv.y(base_v), cv.px(0.35), pal["window"], 0.12, sx=3.0 * cv.w / cv.s)
    for li in range(layers):
        t = li / max(1, layers - 1)
        _layer(ctx, rng, t, base_v, height * (0.55 + 0.45 * t), v_end, lit_night)


def _layer(ctx: Ctx, rng: np.random.Generator, t: float, base_v: float, height: float, v_end: float, lit: bool) -> None:
    cv, pal = ctx.cv, ctx.pal
    by = int(cv.y(base_v) + (0 if v_end <= base_v + 1e-3 else cv.px(0.02) * t))
    y_end = int(min(cv.h, cv.y(v_end)))
    body = pal.for_noun("city", pal["building"])
    col = mix(pal["haze"], lighten(body, -0.15 * t), 0.35 + 0.65 * t**0.7)
    mask = np.zeros((cv.h, cv.w), np.uint8)
    x = -rng.uniform(0, 0.05) * cv.s
    windows = np.zeros((cv.h, cv.w), np.float32)
    shade = np.zeros((cv.h, cv.w), np.float32)
    while x < cv.w:
        bw = cv.px(rng.uniform(0.04, 0.1) * (0.7 + 0.5 * t))
        centre = 1.0 - abs((x + bw / 2) / cv.w - 0.5) * 1.2
        bh = cv.px(height) * rng.uniform(0.3, 1.0) * (0.6 + 0.5 * centre) * (rng.random() < 0.85 or 1.6)
        top = by - bh
        _building(mask, x, top, bw, by, y_end, rng, cv.px(1.0))
        if not ctx.flat and (lit or t > 0.4):
            _windows(ctx, windows, rng, x, top, bw, by, t, lit)
        # side shading: the half away from the light is darker (reads as volume)
        xs = int(x + bw * (0.62 if ctx.light_side > 0 else 0.0))
        shade[int(max(0, top)) : by, max(0, xs) : int(min(cv.w, xs + bw * 0.38))] = 1.0
        x += bw + cv.px(rng.uniform(0.0, 0.012))
    m = mask.astype(np.float32) / 255.0
    grad = smoothstep(base_v - height, base_v + 0.05, cv.v)
    colour = col * (1.0 - 0.12 * grad[..., None]) * (1.0 - 0.18 * (shade * m)[..., None])
    paint(cv.img, m, colour)
    if lit:
        wc = pal["window"] if not ctx.neon else pal.accents[int(t * 3) % len(pal.accents)]
        inten = windows * m * (0.35 + 0.65 * t)
        paint(cv.img, inten, wc)
        cv.img += cv2.GaussianBlur(inten, (0, 0), cv.px(0.006))[..., None] * wc * 0.5
    else:
        paint(cv.img, windows * m * 0.5, mix(pal["window"], pal["top"], 0.4))


def _building(
    mask: np.ndarray, x: float, top: float, bw: float, by: int, y_end: int, rng: np.random.Generator, unit: float
) -> None:
    x0, x1 = int(x), int(x + bw)
    cv2.rectangle(mask, (x0, int(top)), (x1, y_end), 255, -1)
    roof = rng.random()
    if roof < 0.2:  # antenna
        cx = int(x + bw * rng.uniform(0.3, 0.7))
        cv2.line(mask, (cx, int(top)), (cx, int(top - unit * rng.uniform(0.03, 0.08))), 255, max(1, int(unit * 0.003)))
    elif roof < 0.4:  # stepped crown
        cv2.rectangle(mask, (int(x + bw * 0.2), int(top - unit * 0.025)), (int(x + bw * 0.8), int(top)), 255, -1)
        cv2.rectangle(mask, (int(x + bw * 0.38), int(top - unit * 0.045)), (int(x + bw * 0.62), int(top)), 255, -1)
    elif roof < 0.5:  # spire
        pts = np.array([(x0, int(top)), (x1, int(top)), (int(x + bw / 2), int(top - bw * 0.9))], np.int32)
        cv2.fillPoly(mask, [pts], 255, cv2.LINE_AA)


def _windows(
    ctx: Ctx, out: np.ndarray, rng: np.random.Generator, x: float, top: float, bw: float, by: int, t: float, lit: bool
) -> None:
    """Grid of windows, a random fraction lit (vectorised over the building's box)."""
    cv = ctx.cv
    pitch_x = max(3.0, cv.px(0.012 + 0.006 * t))
    pitch_y = max(3.0, cv.px(0.016 + 0.006 * t))
    x0, x1 = int(max(0, x + pitch_x * 0.5)), int(min(cv.w, x + bw - pitch_x * 0.3))
    y0, y1 = int(max(0, top + pitch_y * 0.8)), int(min(cv.h, by))
    if x1 <= x0 or y1 <= y0:
        return
    gx = (np.arange(x0, x1) - x0) / pitch_x
    gy = (np.arange(y0, y1) - y0) / pitch_y
    wx = (gx % 1.0) < 0.55
    wy = (gy % 1.0) < 0.6
    cols, rows = int(gx[-1]) + 1, int(gy[-1]) + 1
    on = rng.random((rows, cols)) < ((0.25 if ctx.neon else 0.45) if lit else 0.9)
    level = rng.uniform(0.55, 1.0, (rows, cols)) * on
    if lit and rng.random() < 0.3:
        level[:, :] *= rng.random((1, cols)) < 0.5  # some buildings have dark columns
    cell = level[gy.astype(int)[:, None], gx.astype(int)[None, :]]
    out[y0:y1, x0:x1] = cell * (wy[:, None] & wx[None, :])
