"""Water below the horizon: a rippled mirror of the scene above it."""

from __future__ import annotations

import cv2
import numpy as np

from ..colour import lighten, mix
from ..context import Ctx
from ..noise import smoothstep
from .land import ground_texture


def water(ctx: Ctx, ocean: bool = False, v_top: float | None = None) -> None:
    """Reflect everything painted above the waterline, ripple it, tint it, add sun glitter."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("water")
    top = ctx.horizon if v_top is None else v_top
    y0 = round(cv.y(top))
    rows = cv.h - y0
    if rows <= 2 or y0 < 4:
        return
    d = cv.ys[y0:] - y0 + 0.5  # pixels below the waterline
    depth = d / max(rows, 1)
    waves = ground_texture(ctx, rng, y0, stretch=5.0 if not ocean else 3.0)
    urban = "city" in ctx.plan.scenes or ctx.neon
    calm = 0.0 if ctx.flat else (1.0 if not ocean else 2.2) * (0.35 + 0.65 * ctx.detail) * (2.5 if urban else 1.0)
    amp_y = cv.px(0.004) * calm * (0.3 + 3.0 * depth)
    amp_x = cv.px(0.002) * calm * (0.3 + 3.0 * depth)
    src_y = y0 - d + waves * amp_y
    mx = np.broadcast_to(np.arange(cv.w, dtype=np.float32)[None, :], (rows, cv.w)) + np.roll(waves, 7, 0) * amp_x
    my = np.clip(np.broadcast_to(src_y, (rows, cv.w)), 0, y0 - 1)
    refl = np.minimum(
        cv2.remap(
            cv.img, mx.astype(np.float32), my.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        ),
        1.0,
    )
    if ctx.allow("reflection") is False:
        refl[:] = pal["water"]
    base = pal["water"]
    mirror = (0.78 if not ocean else 0.5) * (1 - 0.45 * depth) * (0.7 if urban else 1.0)  # fresnel-ish
    deep = mix(base, lighten(base, -0.35), 0.5)
    col = deep + (refl * 0.92 + base * 0.08 - deep) * mirror[..., None]
    if not ctx.flat:
        col *= 1.0 + (0.05 + 0.06 * ocean) * ctx.detail * waves[..., None]
    _glitter(ctx, col, waves, y0, depth)
    cv.img[y0:] = col
    ctx.water_top = top


def _glitter(ctx: Ctx, col: np.ndarray, waves: np.ndarray, y0: int, depth: np.ndarray) -> None:
    """Path of sparkles under the sun or moon."""
    cv, pal = ctx.cv, ctx.pal
    su, sv = ctx.sun
    if sv > ctx.horizon or not (ctx.allow("sun") or ctx.allow("moon")):
        return
    if ctx.flat:
        _bars(ctx, col, y0, su)
        return
    width = (0.035 + 0.25 * depth) * cv.s / cv.w * (1.6 if pal.time != "day" else 1.0)
    band = np.exp(-(((cv.u - su) / width) ** 2))
    thr = 0.9 if ctx.flat else 1.0 - 0.2 * ctx.detail
    spark = smoothstep(thr, thr + 0.6, waves) * band
    strength = 0.7 if pal.time in ("sunset", "sunrise", "dusk", "night") else 0.5
    col += (spark * strength)[..., None] * mix(pal["sun"], pal["glow"], 0.4)
    col += (band * 0.08 * (1 - depth))[..., None] * pal["glow"]


def _bars(ctx: Ctx, col: np.ndarray, y0: int, su: float) -> None:
    """Minimal style: the sun's reflection as a stack of shrinking horizontal bars."""
    cv = ctx.cv
    colour = mix(ctx.pal["sun"], ctx.pal["glow"], 0.3)
    rows = col.shape[0]
    for i in range(7):
        yy = int(rows * (0.04 + 0.11 * i) ** 1.1)
        half = cv.px(0.09 * (1 - i / 8))
        th = max(1, int(cv.px(0.01 * (1 + 0.3 * i))))
        x0, x1 = int(max(0, cv.x(su) - half)), int(min(cv.w, cv.x(su) + half))
        if yy + th < rows and x1 > x0:
            col[yy : yy + th, x0:x1] = colour
