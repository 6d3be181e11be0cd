"""Terrain: layered mountain ridgelines, rolling hills, desert dunes and flat ground."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import paint
from ..colour import lighten, mix, saturate
from ..context import Ctx
from ..noise import fbm, fbm1d, periodic_fbm, smoothstep


def fill_below(
    ctx: Ctx,
    ridge_px: np.ndarray,
    c_top: np.ndarray,
    c_bot: np.ndarray,
    grad_px: float,
    v_end: float = 1.0,
    texture: np.ndarray | None = None,
    shade: np.ndarray | None = None,
) -> tuple[int, np.ndarray]:
    """Paint the area under a ridgeline with a top->bottom gradient measured from the ridge.

    Returns (y0, alpha) so callers can add details (snow, rim light) on the same rows.
    """
    cv = ctx.cv
    y0 = int(max(0, np.floor(ridge_px.min()) - 1))
    y1 = int(min(cv.h, np.ceil(cv.h * v_end)))
    if y1 <= y0:
        return y0, np.zeros((0, cv.w), np.float32)
    ys = cv.ys[y0:y1]
    alpha = np.clip(ys - ridge_px[None, :] + 0.5, 0.0, 1.0)
    t = np.clip((ys - ridge_px[None, :]) / max(grad_px, 1.0), 0.0, 1.0)
    col = c_top + (c_bot - c_top) * t[..., None]
    if shade is not None:
        col *= shade[..., None] if shade.ndim == 2 else shade
    if texture is not None:
        col *= 1.0 + texture[y0:y1, :, None]
    paint(cv.img[y0:y1], alpha, col)
    return y0, alpha


def _mountain_profile(ctx: Ctx, rng: np.random.Generator, rough: float) -> np.ndarray:
    """0..1 ridgeline: broad massifs (smooth noise) carrying ridged fractal detail."""
    cv = ctx.cv
    cells = 2.0 * cv.w / cv.s
    massif = fbm1d(rng, cv.w, cells * 0.6, 2, 0.45)
    detail = fbm1d(rng, cv.w, cells * 2.0, ctx.octaves, 0.5 + 0.08 * rough, ridged=True)
    u = cv.u[0]
    pu, pw = rng.uniform(0.15, 0.85), rng.uniform(0.18, 0.35) * cv.s / cv.w
    peak = np.clip(1 - np.abs(u - pu) / pw, 0, 1)
    peak = peak * peak * (3 - 2 * peak)
    prof = 0.55 * massif + 0.25 * detail + 0.35 * peak * (0.5 + 0.5 * massif)
    lo, hi = prof.min(), prof.max()
    return (prof - lo) / (hi - lo + 1e-6)


def mountains(ctx: Ctx, layers: int = 4, height: float = 0.32, snow: bool = False, v_end: float = 1.0) -> None:
    """Layered ridgelines; far layers fade into the haze (atmospheric perspective)."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("mountains")
    hz = ctx.horizon
    dark = lighten(saturate(pal["rock"], 0.9), -0.35 if not ctx.night else -0.2)
    rock = None if ctx.flat else fbm(rng, cv.h, cv.w, 6.0, ctx.octaves, 0.55)
    for i in range(layers):
        t = i / max(1, layers - 1)
        amp = height * (1.0 - 0.55 * t) * rng.uniform(0.8, 1.1)
        base_v = hz + (0.06 * t if v_end > hz + 1e-3 else 0.0)
        prof = _mountain_profile(ctx, rng, 1 - t)
        ridge = cv.y(base_v) - cv.px(amp) * prof
        c_top = mix(pal["haze"], dark, 0.22 + 0.72 * t**0.9)
        c_bot = mix(c_top, pal["haze"], 0.45 - 0.2 * t)
        tex = None if rock is None else rock * (0.035 * ctx.detail * (1 - 0.5 * t))
        y0 = int(max(0, np.floor(ridge.min()) - 1))
        shade = _face_light(ctx, ridge, y0, int(min(cv.h, np.ceil(cv.h * v_end))), t)
        y0, alpha = fill_below(ctx, ridge, c_top, c_bot, cv.px(0.16 + 0.1 * t), v_end, tex, shade=shade)
        if snow and t < 0.75:
            _snowcaps(ctx, rng, ridge, y0, alpha, amp, v_end)


def _slope_light(ctx: Ctx, ridge: np.ndarray) -> np.ndarray:
    """Per-column light factor from the ridge slope (sun-facing flanks brighter)."""
    cv = ctx.cv
    k = max(3, int(cv.px(0.012)) | 1)
    slope = np.gradient(cv2.GaussianBlur(ridge.reshape(1, -1), (k, 1), 0)[0]) * (cv.s / cv.px(1.0))
    lit = np.tanh(-slope * ctx.light_side * 1.5) * (0.22 if not ctx.flat else 0.1)
    return lit.astype(np.float32)[None, :]


def _face_light(ctx: Ctx, ridge: np.ndarray, y0: int, y1: int, t: float) -> np.ndarray:
    """Lit/shadowed faces that run diagonally down from the crests (not vertical stripes)."""
    cv = ctx.cv
    lit = _slope_light(ctx, ridge)[0]
    dy = np.maximum(cv.ys[y0:y1] - ridge[None, :], 0)
    idx = np.arange(cv.w)[None, :] + (dy * 0.9 * ctx.light_side).astype(np.int32)
    face = lit[np.clip(idx, 0, cv.w - 1)]
    fade = np.clip(1 - dy / cv.px(0.14), 0, 1)
    return 1.0 + face * fade * (1.25 - t)


def _snowcaps(
    ctx: Ctx, rng: np.random.Generator, ridge: np.ndarray, y0: int, alpha: np.ndarray, amp: float, v_end: float
) -> None:
    cv, pal = ctx.cv, ctx.pal
    rows = alpha.shape[0]
    top = ridge.min()
    height = np.clip((ridge.max() - ridge) / max(1.0, ridge.max() - top), 0, 1)  # 1 at peaks
    depth = cv.px(amp) * 0.22 * np.clip(height - 0.35, 0, 1) ** 1.5 * (0.5 + 1.0 * fbm1d(rng, cv.w, 30, 3))
    ys = cv.ys[y0 : y0 + rows]
    jag = fbm(rng, rows, cv.w, 12.0, 3) * cv.px(0.008) if not ctx.flat else 0.0
    m = np.clip((ridge[None, :] + depth[None, :] - ys + jag) / 1.5, 0, 1) * alpha
    lit = 1.0 + _slope_light(ctx, ridge) * 2.5
    col = mix(pal["snow"], pal["haze"], 0.25) * lit[..., None]
    paint(cv.img[y0 : y0 + rows], m * 0.92, col)


def hills(
    ctx: Ctx, layers: int = 3, height: float = 0.12, v_end: float = 1.0, slot: str = "hill", base: float | None = None
) -> None:
    """Soft rolling hills with a lit rim and grassy texture."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("hills")
    hz = ctx.horizon
    tex = None if ctx.flat else fbm(rng, cv.h, cv.w, 8.0, ctx.octaves, 0.6) * 0.05 * ctx.detail
    for i in range(layers):
        t = i / max(1, layers - 1) if layers > 1 else 1.0
        prof = fbm1d(rng, cv.w, 1.2 * cv.w / cv.s, 2 + int(ctx.detail * 2), 0.4)
        base_v = hz + (0.01 + 0.18 * t**1.5) * (1 if v_end > hz + 1e-3 else 0)
        if base is not None:
            base_v = base
        ridge = cv.y(base_v) - cv.px(height * (1.1 - 0.5 * t)) * (0.25 + 0.75 * prof)
        near = saturate(pal[slot], 1.05)
        c_top = mix(pal["haze"], lighten(near, 0.08), 0.3 + 0.6 * t)
        c_bot = mix(pal["haze"], lighten(near, -0.3), 0.45 + 0.55 * t)
        fill_below(ctx, ridge, c_top, c_bot, cv.px(0.25), v_end, tex)


def _slanted(ctx: Ctx, line: np.ndarray, ridge: np.ndarray, y0: int, y1: int, slant: float) -> np.ndarray:
    """Extend a per-column value downward along a diagonal (faces below a crest)."""
    cv = ctx.cv
    dy = np.maximum(cv.ys[y0:y1] - ridge[None, :], 0)
    idx = np.arange(cv.w)[None, :] + (dy * slant * ctx.light_side).astype(np.int32)
    return line[np.clip(idx, 0, cv.w - 1)]


def dunes(ctx: Ctx, layers: int = 4) -> None:
    """Sand dunes: sharp crests, a sunlit face and a shadowed slip face, ripple texture."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("dunes")
    hz = ctx.horizon
    sand = pal.for_noun("desert", pal["sand"])
    shadow = mix(lighten(sand, -0.32), pal["top"], 0.22)
    rip = None if ctx.flat else _ripples(ctx, rng)
    for i in range(layers):
        t = i / max(1, layers - 1)
        n = fbm1d(rng, cv.w, (0.8 + 1.2 * (1 - t)) * cv.w / cv.s, 2, 0.3)
        crest = (1 - np.abs(2 * n - 1)) ** 1.3
        ridge = cv.y(hz + 0.015 + 0.3 * t**1.3) - cv.px(0.05 + 0.09 * t) * crest
        y0 = int(max(0, np.floor(ridge.min()) - 1))
        k = max(1.0, cv.px(0.002))
        facing = (np.gradient(ridge) * ctx.light_side < 0).astype(np.float32).reshape(1, -1)
        side = cv2.GaussianBlur(facing, (0, 0), k)[0]
        lit_amt = _slanted(ctx, side, ridge, y0, cv.h, 0.9)
        dy = np.maximum(cv.ys[y0:] - ridge[None, :], 0)
        lit_amt = 0.55 + (lit_amt - 0.55) * np.exp(-dy / cv.px(0.09))
        far = 0.4 + 0.6 * t
        lit = mix(pal["haze"], lighten(sand, 0.06), far)
        shd = mix(pal["haze"], shadow, far)
        ys = cv.ys[y0:]
        depth = np.clip((ys - ridge[None, :]) / cv.px(0.25), 0, 1)[..., None]
        col = shd + (lit - shd) * lit_amt[..., None]
        col = col * (1 - 0.12 * depth)
        if rip is not None:
            col *= 1 + rip[y0:, :, None] * (0.3 + 0.7 * t) * (0.4 + 0.6 * lit_amt[..., None])
        alpha = np.clip(ys - ridge[None, :] + 0.5, 0, 1)
        paint(cv.img[y0:], alpha, col)


def _ripples(ctx: Ctx, rng: np.random.Generator) -> np.ndarray:
    cv = ctx.cv
    warp = fbm(rng, cv.h, cv.w, 3.0, 3) * 0.02
    r = np.sin((cv.v * cv.h / cv.s + warp + 0.02 * np.sin(cv.u * 9)) * 420 * (0.5 + cv.v))
    return (r * 0.035 * ctx.detail * smoothstep(ctx.horizon, 1.0, cv.v)).astype(np.float32)


def ground(ctx: Ctx, slot: str = "ground", v_top: float | None = None) -> None:
    """Flat ground plane from the horizon down with a perspective texture."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("ground")
    v_top = ctx.horizon if v_top is None else v_top
    y0 = int(cv.h * v_top)
    if y0 >= cv.h:
        return
    base = pal[slot]
    far = mix(pal["haze"], base, 0.55)
    near = lighten(base, -0.25)
    t = smoothstep(v_top, 1.0, cv.v[y0:])
    col = far + (near - far) * t[..., None]
    col = np.broadcast_to(col, (cv.h - y0, cv.w, 3)).copy()
    if not ctx.flat:
        col *= 1.0 + 0.12 * ctx.detail * ground_texture(ctx, rng, y0)[..., None]
    cv.img[y0:] = col


def ground_texture(ctx: Ctx, rng: np.random.Generator, y0: int, stretch: float = 1.0) -> np.ndarray:
    """Noise projected onto the ground plane so it shrinks toward the horizon."""
    cv = ctx.cv
    tex = 512
    base = periodic_fbm(rng, tex, 4, 2 + ctx.octaves // 2, 0.6)
    d = np.maximum(cv.v[y0:] - ctx.horizon, 0.004)
    z = 0.12 / d
    mx = ((cv.u - 0.5) * cv.w / cv.s) * z * tex * 0.6 / stretch + tex * 0.5
    my = np.broadcast_to(z * tex * 0.25, (cv.h - y0, cv.w))
    mx = np.broadcast_to(mx, (cv.h - y0, cv.w))
    out = cv2.remap(base, mx.astype(np.float32), my.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    return out * smoothstep(0.0, 0.06, d)


def beach(ctx: Ctx) -> None:
    """Sandy foreground shore with a wavy waterline and a line of foam."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("beach")
    edge_v = ctx.horizon + (1 - ctx.horizon) * rng.uniform(0.55, 0.7)
    wave = (fbm1d(rng, cv.w, 2.0 * cv.w / cv.s, 3) - 0.5) * cv.px(0.05)
    tilt = (cv.u[0] - 0.5) * cv.px(rng.uniform(-0.12, 0.12))
    line = cv.y(edge_v) + wave + tilt
    sand = pal.for_noun("desert", pal["sand"])
    wet = mix(lighten(sand, -0.25), pal["water"], 0.25)
    fill_below(ctx, line + cv.px(0.012), wet, wet, 1.0)
    tex = None if ctx.flat else fbm(rng, cv.h, cv.w, 30.0, 3) * 0.03 * ctx.detail
    fill_below(ctx, line + cv.px(0.03), lighten(sand, 0.05), lighten(sand, -0.15), cv.px(0.3), 1.0, tex)
    foam = np.clip(1 - np.abs(cv.ys - line[None, :]) / cv.px(0.006), 0, 1)
    foam *= 0.6 + 0.4 * (fbm(rng, cv.h, cv.w, 40.0, 2) > -0.3)
    paint(cv.img, foam * 0.85, lighten(pal["water"], 0.7))
