"""Sky: gradient, sun, moon, stars, clouds, aurora."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import ellipse, glow, paint, paint_at, vertical_gradient
from ..colour import lighten, mix
from ..context import Ctx
from ..noise import fbm, fbm1d, periodic_fbm, shift, smoothstep


def gradient(ctx: Ctx) -> None:
    """Sky gradient from zenith to horizon, plus the warm band around a low sun."""
    cv, pal = ctx.cv, ctx.pal
    hz = max(ctx.horizon, 0.2)
    col = vertical_gradient(cv.h, pal.sky_stops(), 0.0, hz)
    cv.img[:] = col
    if pal.time in ("sunset", "sunrise", "dusk") and ctx.allow("sun"):
        # Why: the sky is brightest around a setting sun; a wide elliptical glow sells it.
        su, sv = ctx.sun
        glow(cv.img, cv.x(su), cv.y(sv), cv.px(0.35), pal["glow"], 0.45, sx=2.2, screen=True)
        glow(cv.img, cv.x(su), cv.y(hz), cv.px(0.18), pal["horizon"], 0.3, sx=4.0, screen=True)


def sun(ctx: Ctx) -> None:
    cv, pal = ctx.cv, ctx.pal
    su, sv = ctx.sun
    low = pal.time in ("sunset", "sunrise", "dusk")
    r = cv.px(0.075 if low else 0.05) * (1.4 if ctx.flat else 1.0)
    cx, cy = cv.x(su), cv.y(sv)
    if not ctx.flat:
        glow(cv.img, cx, cy, r * 6, pal["glow"], 0.3 if low else 0.22, screen=True)
        glow(cv.img, cx, cy, r * 2.2, pal["glow"], 0.5, screen=True)
    m = np.zeros((int(4 * r) + 4, int(4 * r) + 4), np.uint8)
    ox, oy = int(cx - 2 * r), int(cy - 2 * r)
    ellipse(m, cx - ox, cy - oy, r, r)
    disc = m.astype(np.float32) / 255.0
    paint_at(cv.img, disc, lighten(pal["sun"], 0.4) * 1.15, ox, oy)


def moon(ctx: Ctx, u: float, v: float, size: float = 0.05) -> None:
    """Moon disc (full or crescent by seed) with soft halo and subtle maria."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("moon")
    r = cv.px(size) * (1.3 if ctx.flat else 1.0)
    cx, cy = cv.x(u), cv.y(v)
    col = lighten(pal["sun"], 0.1) if not ctx.neon else pal["sun"]
    glow(cv.img, cx, cy, r * 5, pal["glow"], 0.12)
    glow(cv.img, cx, cy, r * 1.8, col, 0.18)
    n = int(4 * r) + 4
    ox, oy = int(cx - n / 2), int(cy - n / 2)
    m = np.zeros((n, n), np.uint8)
    ellipse(m, cx - ox, cy - oy, r, r)
    disc = m.astype(np.float32) / 255.0
    if rng.random() < 0.45:  # crescent: cut a shifted disc away
        cut = np.zeros_like(m)
        ang = rng.uniform(-0.6, 0.6) + (np.pi if ctx.light_side < 0 else 0)
        ellipse(cut, cx - ox + np.cos(ang) * r * 0.55, cy - oy - np.sin(ang) * r * 0.3, r * 0.95, r * 0.95)
        disc *= 1.0 - cut.astype(np.float32) / 255.0
    shade = np.ones((n, n, 3), np.float32) * col
    if not ctx.flat:
        mar = fbm(rng, n, n, 3.0, 3)
        shade *= (1.0 - 0.12 * smoothstep(0.2, 1.2, mar))[..., None]
    paint_at(cv.img, disc, shade, ox, oy)


def stars(ctx: Ctx, density: float = 1.0, v_max: float | None = None) -> None:
    """Star field: many faint points, a few bright ones with glow; fades to the horizon."""
    cv, rng = ctx.cv, ctx.rng("stars")
    v_max = ctx.horizon if v_max is None else v_max
    area = (cv.w * cv.h) / (cv.s * cv.s)
    n = int(900 * density * area * v_max * (0.5 + 0.5 * ctx.detail))
    xs, ys = rng.random(n) * cv.w, rng.random(n) * cv.h * v_max
    b = rng.random(n) ** 5 * 0.9 + 0.1
    layer = np.zeros((cv.h, cv.w), np.float32)
    ix, iy = np.clip(xs.astype(int), 0, cv.w - 1), np.clip(ys.astype(int), 0, cv.h - 1)
    np.add.at(layer, (iy, ix), b * (cv.s / 700.0) ** 2)
    sig = max(0.45, cv.s / 1400.0)
    layer = cv2.GaussianBlur(layer, (0, 0), sig) * (2.5 * sig * sig + 0.4)
    fade = smoothstep(v_max, v_max - 0.35, cv.v)
    tint = np.array([0.92, 0.95, 1.0], np.float32)
    cv.img += np.minimum(layer * fade, 1.2)[..., None] * tint
    for i in np.argsort(-b)[: max(3, n // 120)]:
        glow(cv.img, xs[i], ys[i], cv.px(0.004 + 0.006 * b[i]), tint, 0.5 * b[i] * float(fade[int(ys[i]), 0]))


def milky_way(ctx: Ctx) -> None:
    cv, rng = ctx.cv, ctx.rng("milkyway")
    ang = rng.uniform(-0.9, 0.9)
    cu, cvv = rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.4) * ctx.horizon / 0.6
    d = ((cv.u - cu) * cv.w * np.sin(ang) + (cv.v - cvv) * cv.h * np.cos(ang)) / cv.s
    band = np.exp(-((d / 0.12) ** 2))
    n = fbm(rng, cv.h, cv.w, 6.0, ctx.octaves)
    dust = fbm(rng, cv.h, cv.w, 10.0, ctx.octaves)
    inten = band * np.clip(0.45 + 0.3 * n, 0, 1) * (1 - 0.6 * smoothstep(0.4, 1.4, dust) * band)
    inten *= smoothstep(ctx.horizon, ctx.horizon - 0.3, cv.v)
    col = mix(ctx.pal["glow"], np.array([0.85, 0.8, 1.0], np.float32), 0.5)
    cv.img += (inten * 0.35)[..., None] * col


def _sky_plane_maps(ctx: Ctx, hb: int, tex: int) -> tuple[np.ndarray, np.ndarray]:
    """Remap maps projecting a texture onto a horizontal cloud plane (mild perspective)."""
    cv, rng = ctx.cv, ctx.rng("cloudoff")
    d = np.maximum(ctx.horizon - cv.v[:hb], 0.0)  # height above horizon
    z = 1.0 / (d * 3.0 + 0.3)  # depth along the plane
    mx = ((cv.u - 0.5) * cv.w / cv.s) * z * tex * 0.3 + rng.random() * tex
    my = z * tex * 0.45 + rng.random() * tex
    return (np.broadcast_to(mx, (hb, cv.w)).astype(np.float32), np.broadcast_to(my, (hb, cv.w)).astype(np.float32))


def clouds(ctx: Ctx, cover: float = 0.5, dark: float = 0.0) -> None:
    """Perspective cloud layer lit from the sun side. cover 0..1, dark 0..1 (storm)."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("clouds")
    hz = ctx.horizon
    hb = int(cv.h * hz)
    if hb < 8:
        return
    tex = 1024
    base = periodic_fbm(rng, tex, 4, 1 + ctx.octaves, 0.5)
    mx, my = _sky_plane_maps(ctx, hb, tex)
    n = cv2.remap(base, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    if not ctx.flat:
        n += fbm(rng, hb, cv.w, 14.0, max(2, ctx.octaves - 2)) * 0.18 * (0.5 + ctx.detail)
    th = 1.2 - 2.3 * cover
    soft = 0.12 if ctx.flat else 0.55 - 0.25 * ctx.detail
    dens = smoothstep(th, th + soft, n)
    su, sv = ctx.sun
    dx = int(np.sign(su - 0.5) * cv.px(0.01)) or 1
    dy = int(cv.px(0.014))
    toward = shift(n, dy, -dx)  # sample toward the light
    light = np.clip(0.6 + 1.4 * (n - toward) + 0.3 * (n - th - soft), 0, 1)
    fade = smoothstep(hz, hz - 0.06, cv.v[:hb]) * (0.15 + 0.85 * smoothstep(0.0, 0.45 * hz, cv.v[:hb]))
    lit = pal["cloud"] * (1 - dark * 0.6)
    shd = mix(pal["cloud_dark"], pal["top"], 0.25) * (1 - dark * 0.5)
    colour = shd + (lit - shd) * light[..., None]
    if pal.time in ("sunset", "sunrise", "dusk"):
        near = np.exp(-(((cv.u - su) * cv.w / cv.s) ** 2 + ((cv.v[:hb] - sv) * cv.h / cv.s) ** 2) / 0.3)
        colour += (near * (0.25 + light))[..., None] * pal["glow"] * 0.5
    paint(cv.img[:hb], dens * fade * 0.96, colour)


def aurora(ctx: Ctx) -> None:
    """Curtains of green/teal light with vertical rays (additive)."""
    cv, rng = ctx.cv, ctx.rng("aurora")
    hb = int(cv.h * ctx.horizon)
    greens = [np.array(c, np.float32) for c in ((0.2, 1.0, 0.6), (0.2, 0.9, 0.9), (0.7, 0.4, 1.0))]
    if ctx.pal.bound.get("aurora") is not None:
        greens[0] = ctx.pal.bound["aurora"]
    v = cv.v[:hb]
    for k in range(2 + int(rng.integers(0, 2))):
        line = ctx.horizon * (0.35 + 0.35 * rng.random()) + (fbm1d(rng, cv.w, 2.5, 4) - 0.5) * 0.25
        rays = fbm1d(rng, cv.w, 60, 3) ** 2
        below = np.exp(-(((v - line[None, :]) / 0.02).clip(0) ** 2))
        above = np.exp(-((line[None, :] - v) / (0.12 + 0.08 * rays[None, :])).clip(0))
        inten = np.minimum(below, above) * (0.35 + 0.9 * rays[None, :])
        col = greens[k % len(greens)]
        cv.img[:hb] += (inten * 0.55)[..., None] * col
        cv.img[:hb] += (np.clip(above - below * 0.5, 0, 1) * inten * 0.2)[..., None] * greens[2]
