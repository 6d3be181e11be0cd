"""Outer space: deep background, nebula clouds, spiral galaxy, shaded planets."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import glow, paint_at
from ..colour import from_hue, hue_of, lighten, saturate
from ..context import Ctx
from ..noise import fbm, smoothstep, warp


def background(ctx: Ctx) -> None:
    cv, pal = ctx.cv, ctx.pal
    cv.img[:] = pal["top"]
    glow(cv.img, cv.w * 0.5, cv.h * 0.6, cv.px(0.8), pal["horizon"], 0.5, sx=cv.w / cv.s)


def _nebula_colours(ctx: Ctx) -> list[np.ndarray]:
    pal, rng = ctx.pal, ctx.rng("nebcol")
    named = list(pal.accents) if (pal.bound or ctx.plan.colours) else []
    h0 = rng.random()
    if ctx.plan.word_hues and not named:
        h0 = ctx.plan.word_hues[0]
    base = [
        from_hue(h0, 0.16, 0.55),
        from_hue(h0 + 0.18 + 0.1 * rng.random(), 0.15, 0.6),
        from_hue(h0 - 0.25, 0.12, 0.7),
    ]
    return [saturate(c, 1.2) for c in (named + base)[:3]]


def nebula(ctx: Ctx, strength: float = 1.0) -> None:
    """Domain-warped fractal gas in two or three colours with dark dust lanes."""
    cv, rng = ctx.cv, ctx.rng("nebula")
    h, w = cv.h, cv.w
    octs = ctx.octaves
    wx = fbm(rng, h, w, 2.0, 3) * cv.px(0.08)
    wy = fbm(rng, h, w, 2.0, 3) * cv.px(0.08)
    gas = [warp(fbm(rng, h, w, 2.2, octs, 0.55), wx, wy) for _ in range(2)]
    cu, cvv, ang = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0, np.pi)
    d = ((cv.u - cu) * w * np.cos(ang) + (cv.v - cvv) * h * np.sin(ang)) / cv.s
    e = ((cv.u - cu) * w * -np.sin(ang) + (cv.v - cvv) * h * np.cos(ang)) / cv.s
    body = np.exp(-((d / 0.55) ** 2) - (e / 0.28) ** 2)
    cols = _nebula_colours(ctx)
    a = smoothstep(-0.6, 2.0, gas[0]) * body
    b = smoothstep(-0.2, 2.2, gas[1]) * body
    dust = smoothstep(0.3, 1.6, fbm(rng, h, w, 4.0, octs))
    img = cv.img
    img += (a * 0.9 * strength)[..., None] * cols[0]
    img += (b * 0.7 * strength)[..., None] * cols[1]
    img += ((a * b) ** 1.5 * 1.2 * strength)[..., None] * cols[2]
    img *= (1.0 - 0.6 * dust * body)[..., None]


def galaxy(ctx: Ctx, u: float, v: float, size: float = 0.35) -> None:
    """Spiral galaxy: a bright bulge plus logarithmic arms of scattered points, blurred."""
    cv, rng = ctx.cv, ctx.rng("galaxy")
    n = 70000
    arms = int(rng.integers(2, 4))
    bulge = rng.random(n) < 0.25
    r = np.where(bulge, np.abs(rng.normal(0, 0.1, n)), 0.06 + 0.94 * rng.random(n) ** 0.9)
    arm = rng.integers(0, arms, n)
    theta = arm * (2 * np.pi / arms) + np.log(np.maximum(r, 0.06) / 0.06) * 1.9
    theta = np.where(bulge, rng.random(n) * 2 * np.pi, theta + rng.normal(0, 1, n) * 0.3 * (0.4 + r))
    rad = cv.px(size) * r
    tilt, rot = rng.uniform(0.4, 0.75), rng.uniform(0, np.pi)
    x0, y0 = np.cos(theta) * rad, np.sin(theta) * rad * tilt
    xs = cv.x(u) + x0 * np.cos(rot) - y0 * np.sin(rot)
    ys = cv.y(v) + x0 * np.sin(rot) + y0 * np.cos(rot)
    keep = (xs >= 0) & (xs < cv.w) & (ys >= 0) & (ys < cv.h)
    dens = np.zeros((cv.h, cv.w), np.float32)
    np.add.at(dens, (ys[keep].astype(int), xs[keep].astype(int)), 1.0)
    dens *= (cv.s / 1000.0) ** -2 * 0.02
    fine = np.minimum(cv2.GaussianBlur(dens, (0, 0), max(0.7, cv.px(0.002))) * 4, 1.2)
    soft = cv2.GaussianBlur(dens, (0, 0), cv.px(0.015)) * 6
    arm_col = saturate(_nebula_colours(ctx)[0], 0.9)
    cv.img += fine[..., None] * lighten(arm_col, 0.45) + soft[..., None] * arm_col
    glow(cv.img, cv.x(u), cv.y(v), cv.px(size * 0.08), np.array([1.0, 0.92, 0.8], np.float32), 1.0)
    glow(cv.img, cv.x(u), cv.y(v), cv.px(size * 0.3), np.array([1.0, 0.8, 0.6], np.float32), 0.2)


def planet(
    ctx: Ctx, u: float, v: float, radius: float, colour: np.ndarray | None = None, rings: bool | None = None
) -> None:
    """Sphere with banded surface, terminator shading, atmosphere rim and optional rings."""
    cv, rng = ctx.cv, ctx.rng(f"planet{u:.3f}")
    r = cv.px(radius)
    base = colour if colour is not None else ctx.pal.for_noun("planet", from_hue(rng.random(), 0.12, 0.62), 0.5)
    rings = rng.random() < 0.45 if rings is None else rings
    n = int(2 * r * (2.4 if rings else 1.2)) + 6
    ox, oy = int(cv.x(u) - n / 2), int(cv.y(v) - n / 2)
    c = n / 2
    yy, xx = (np.mgrid[0:n, 0:n].astype(np.float32) - c + 0.5) / r
    rr = xx * xx + yy * yy
    disc = np.clip((1.0 - np.sqrt(rr)) * r + 0.5, 0, 1)
    z = np.sqrt(np.clip(1 - rr, 0, 1))
    lx, ly = -0.6 * ctx.light_side * -1, -0.45
    lz = np.sqrt(max(0.0, 1 - lx * lx - ly * ly))
    lam = np.clip(xx * lx + yy * ly + z * lz, 0, 1)
    tilt = rng.uniform(-0.4, 0.4)
    lat = yy * np.cos(tilt) + xx * np.sin(tilt)
    band_n = fbm(rng, n, n, 3.0, max(2, ctx.octaves - 2))
    bands = np.sin(lat * rng.uniform(8, 18) + band_n * 0.8) * 0.5 + 0.5
    h0, _ = hue_of(base)
    alt = from_hue(h0 + 0.06, 0.08, 0.75)
    surf = base + (alt - base) * bands[..., None] * (0.5 if not ctx.flat else 0.0)
    shade = (0.06 + 1.0 * lam**0.8)[..., None]
    rim = (np.clip(1 - z, 0, 1) ** 3 * lam)[..., None] * lighten(base, 0.5)
    col = surf * shade + rim * 0.8
    if rings:
        back, front, ring_col = _rings(xx, yy, disc, base, tilt)
        paint_at(cv.img, back, ring_col, ox, oy)
    glow(cv.img, cv.x(u), cv.y(v), r * 1.1, lighten(base, 0.3), 0.25)
    paint_at(cv.img, disc, col, ox, oy)
    if rings:
        paint_at(cv.img, front, ring_col * (0.55 + 0.45 * lam[..., None] + 0.35 * (disc < 0.5)[..., None]), ox, oy)


def _rings(
    xx: np.ndarray, yy: np.ndarray, disc: np.ndarray, base: np.ndarray, tilt: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat ring ellipse split into the half behind the planet and the half in front."""
    ca, sa = np.cos(tilt), np.sin(tilt)
    rx, ry = xx * ca + yy * sa, (-xx * sa + yy * ca) / 0.22
    d = np.sqrt(rx * rx + ry * ry)
    band = smoothstep(1.35, 1.45, d) * (1 - smoothstep(2.0, 2.12, d))
    band = band * (0.55 + 0.45 * np.sin(d * 40) ** 2) * 0.85
    front = (ry > 0).astype(np.float32)
    ring_col = np.broadcast_to(lighten(base, 0.3), (*xx.shape, 3)).astype(np.float32)
    return band * (1 - front), band * front, ring_col
