"""Stylised subjects (animals, people, buildings, boats) placed in the foreground."""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas import glow, paint, paint_at, poly_mask
from ..colour import hexc, lighten, mix
from ..context import Ctx
from ..noise import shift
from .figures import E, P, Part, S, rasterise


def _sitting(snout: float, ears: str, tail: str) -> list[Part]:
    """Side view of a sitting four-legged animal facing right; unit = its height."""
    parts = [
        E(-0.12, -0.2, 0.24, 0.2),
        E(-0.03, -0.4, 0.16, 0.3, -22),
        E(0.07, -0.47, 0.11, 0.2, -15),
        P(0.03, -0.32, 0.13, -0.32, 0.145, 0.0, 0.04, 0.0),
        E(-0.1, -0.02, 0.2, 0.035),
        E(0.12, -0.74, 0.13, 0.11),
        E(0.17, -0.77, 0.018, 0.022, 0, "eye"),
    ]
    if ears == "pointy":
        parts += [P(0.01, -0.8, 0.05, -0.99, 0.12, -0.83), P(0.1, -0.83, 0.19, -1.0, 0.21, -0.79)]
    elif ears == "floppy":
        parts += [E(0.04, -0.72, 0.05, 0.12, 18, "dark")]
    elif ears == "long":
        parts += [E(0.05, -1.02, 0.045, 0.2, -12), E(0.13, -1.01, 0.045, 0.2, 10)]
    if snout > 0:
        parts += [
            P(0.17, -0.8, 0.22 + snout, -0.72, 0.21 + snout, -0.67, 0.16, -0.64),
            E(0.22 + snout, -0.705, 0.022, 0.018, 0, "eye"),
        ]
    if tail == "curl":
        parts += [S(-0.3, -0.08, -0.36, -0.01, -0.2, 0.02, 0.06, 0.02, 0.18, -0.03, w=0.055)]
    elif tail == "bushy":
        parts += [
            P(
                -0.3,
                -0.2,
                -0.44,
                -0.09,
                -0.36,
                -0.0,
                -0.05,
                0.01,
                0.2,
                -0.04,
                0.33,
                -0.01,
                0.22,
                0.045,
                -0.05,
                0.055,
                -0.35,
                0.05,
                -0.47,
                -0.03,
            ),
            P(0.2, -0.04, 0.33, -0.01, 0.22, 0.045, 0.16, 0.04, region="light"),
        ]
    elif tail == "up":
        parts += [S(-0.3, -0.22, -0.42, -0.36, -0.4, -0.5, w=0.06)]
    elif tail == "puff":
        parts += [E(-0.34, -0.1, 0.08, 0.07, 0, "light")]
    return parts


_FOX_EXTRA = [
    E(0.11, -0.5, 0.055, 0.14, -15, "light"),
    P(0.12, -0.7, 0.33, -0.69, 0.21, -0.63, 0.1, -0.66, region="light"),
    P(0.03, -0.83, 0.055, -0.96, 0.1, -0.84, region="dark"),
]
ANIMALS: dict[str, tuple[list[Part], str]] = {
    "cat": (_sitting(0.03, "pointy", "curl"), "3a3a44"),
    "fox": (_sitting(0.16, "pointy", "bushy") + _FOX_EXTRA, "e0712a"),
    "wolf": (_sitting(0.15, "pointy", "bushy"), "8a8e98"),
    "dog": (_sitting(0.13, "floppy", "up"), "9a6a3a"),
    "rabbit": (_sitting(0.04, "long", "puff"), "b8a898"),
}


def _standing(antlered: bool = True) -> list[Part]:
    """A deer/horse-like standing animal facing right (unit = height)."""
    legs = [S(x, -0.42, x + dx, 0.0, w=0.05) for x, dx in ((-0.3, -0.02), (-0.22, 0.03), (0.17, 0.0), (0.25, 0.04))]
    antlers = [
        S(0.32, -0.95, 0.28, -1.15, 0.2, -1.25, w=0.02),
        S(0.28, -1.1, 0.36, -1.22, w=0.02),
        S(0.38, -0.95, 0.44, -1.15, 0.52, -1.22, w=0.02),
        S(0.45, -1.12, 0.4, -1.25, w=0.02),
    ]
    body = [
        E(-0.03, -0.52, 0.36, 0.17),
        P(0.2, -0.6, 0.3, -0.95, 0.42, -0.9, 0.33, -0.5),
        E(0.42, -0.88, 0.1, 0.06, 25),
        P(0.5, -0.86, 0.58, -0.78, 0.52, -0.76, 0.44, -0.8),
        P(0.34, -0.93, 0.3, -1.02, 0.38, -0.95),
    ]
    tail = (
        [S(-0.38, -0.6, -0.44, -0.52, w=0.04)]
        if antlered
        else [S(-0.38, -0.62, -0.5, -0.45, -0.52, -0.3, w=0.07), S(0.3, -0.92, 0.18, -0.7, w=0.05)]
    )  # tail, mane
    return [*legs, *body, *tail, *(antlers if antlered else [])]


def _person() -> list[Part]:
    return [
        E(0.0, -0.91, 0.07, 0.085),
        P(-0.12, -0.78, 0.12, -0.78, 0.16, -0.35, -0.16, -0.35),
        S(-0.06, -0.38, -0.07, 0.0, w=0.075),
        S(0.06, -0.38, 0.08, 0.0, w=0.075),
        S(-0.12, -0.75, -0.16, -0.42, w=0.06),
        S(0.12, -0.75, 0.17, -0.42, w=0.06),
    ]


def _house() -> list[Part]:
    return [
        P(-0.5, -0.55, 0.5, -0.55, 0.5, 0.0, -0.5, 0.0),
        P(-0.62, -0.52, 0.0, -1.0, 0.62, -0.52, region="dark"),
        P(0.25, -0.95, 0.37, -0.95, 0.37, -0.7, 0.25, -0.78, region="dark"),
        P(-0.36, -0.42, -0.14, -0.42, -0.14, -0.22, -0.36, -0.22, region="glow"),
        P(0.1, -0.38, 0.3, -0.38, 0.3, 0.0, 0.1, 0.0, region="dark"),
    ]


def _castle() -> list[Part]:
    parts = [P(-0.45, -0.55, 0.45, -0.55, 0.45, 0.0, -0.45, 0.0)]
    for x, h in ((-0.45, 0.85), (0.45, 0.85), (0.0, 1.0)):
        w = 0.13 if x else 0.16
        parts += [
            P(x - w, -h * 0.82, x + w, -h * 0.82, x + w, 0.0, x - w, 0.0),
            P(x - w * 1.2, -h * 0.82, x, -h * 1.12, x + w * 1.2, -h * 0.82, region="dark"),
            P(x - 0.03, -h * 0.6, x + 0.03, -h * 0.6, x + 0.03, -h * 0.5, x - 0.03, -h * 0.5, region="glow"),
        ]
    for i in range(7):
        x = -0.4 + i * 0.13
        parts.append(P(x, -0.62, x + 0.07, -0.62, x + 0.07, -0.54, x, -0.54))
    return [*parts, P(-0.09, -0.25, 0.09, -0.25, 0.09, 0.0, -0.09, 0.0, region="dark")]


def _lighthouse() -> list[Part]:
    parts = [P(-0.12, -0.78, 0.12, -0.78, 0.17, 0.0, -0.17, 0.0, region="light")]
    for y in (-0.15, -0.45):
        parts.append(P(-0.15, y - 0.13, 0.15, y - 0.13, 0.16, y, -0.16, y, region="accent"))
    return [
        *parts,
        P(-0.15, -0.8, 0.15, -0.8, 0.15, -0.76, -0.15, -0.76, region="dark"),
        P(-0.08, -0.95, 0.08, -0.95, 0.08, -0.8, -0.08, -0.8, region="glow"),
        P(-0.11, -0.95, 0.0, -1.05, 0.11, -0.95, region="dark"),
    ]


def _boat() -> list[Part]:
    return [
        P(-0.5, -0.12, 0.5, -0.12, 0.38, 0.0, -0.4, 0.0, region="dark"),
        P(0.0, -0.15, 0.0, -1.0, 0.38, -0.2, region="light"),
        P(-0.03, -0.18, -0.03, -0.85, -0.36, -0.2, region="light"),
        S(0.0, -0.12, 0.0, -1.02, w=0.02, region="dark"),
    ]


BUILT: dict[str, tuple[list[Part], str]] = {
    "person": (_person(), "2a2a36"),
    "deer": (_standing(), "8a5a3a"),
    "horse": (_standing(False), "6a4028"),
    "house": (_house(), "8a5a40"),
    "castle": (_castle(), "8a8a96"),
    "lighthouse": (_lighthouse(), "f2f0ea"),
    "boat": (_boat(), "7a4a30"),
}


def figure(ctx: Ctx, name: str, u: float, base_v: float, size: float, facing: float | None = None) -> None:
    """Paint a subject with base colour, highlight/dark regions, light gradient and rim."""
    cv, pal = ctx.cv, ctx.pal
    parts, hexcol = ANIMALS.get(name) or BUILT[name]
    facing = facing if facing is not None else (1.0 if u < 0.5 else -1.0)
    if name in ("lighthouse", "castle", "house") and ctx.water_top is not None and base_v > ctx.water_top:
        _island(ctx, cv.x(u), cv.y(base_v), cv.px(size) * (1.5 if name == "lighthouse" else 1.2))
    masks, (ox, oy) = rasterise(parts, cv.px(size), facing)
    x0, y0 = int(cv.x(u)) - ox, int(cv.y(base_v)) - oy
    base = pal.for_noun(name, hexc(hexcol))
    silhouette = ctx.night or pal.time == "dusk"
    if silhouette and not ctx.neon:
        base = mix(lighten(base, -0.6), pal["top"], 0.3)
    regions = {
        "body": base,
        "light": mix(hexc("f4efe6"), base, 0.12),
        "eye": hexc("141014"),
        "dark": lighten(base, -0.55),
        "accent": hexc("c83a32"),
        "glow": pal["window"],
    }
    if silhouette and name != "lighthouse":
        regions["light"] = lighten(base, 0.12)
    h, w = next(iter(masks.values())).shape
    shade = (1.08 - 0.28 * np.linspace(0, 1, h, dtype=np.float32))[:, None, None]
    for reg in ("body", "light", "accent", "dark", "eye", "glow"):
        if reg in masks:
            col = regions[reg] * (shade if reg != "glow" else 1.0)
            paint_at(cv.img, masks[reg], np.broadcast_to(col, (h, w, 3)).astype(np.float32), x0, y0)
    every = np.maximum.reduce([masks[k] for k in masks])
    _rim(ctx, every, x0, y0)
    if "glow" in masks and (ctx.night or pal.time in ("dusk", "sunset")):
        g = cv2.GaussianBlur(masks["glow"], (0, 0), cv.px(size) * 0.06)
        paint_at(cv.img, g * 1.5, pal["window"], x0, y0, add=True)
    if name == "lighthouse" and ctx.night:
        _beam(ctx, cv.x(u), cv.y(base_v) - cv.px(size) * 0.88, facing)


def _island(ctx: Ctx, x: float, y: float, width: float) -> None:
    """A rocky islet for buildings standing in water: jagged mound, lit top, foam line."""
    cv, pal, rng = ctx.cv, ctx.pal, ctx.rng("island")
    n = 24
    xs = np.linspace(-1, 1, n)
    tops = -((1 - xs**2) ** 0.6) * width * 0.22 * (0.8 + 0.4 * rng.random(n)) - width * 0.04
    pts = [(x + xx * width / 2, y + tt) for xx, tt in zip(xs, tops, strict=False)]
    pts += [(x + width / 2, y + width * 0.03), (x - width / 2, y + width * 0.03)]
    m = poly_mask(cv.h, cv.w, [np.array(pts)])
    rock = lighten(mix(pal["rock"], hexc("3a3530"), 0.5), -0.2)
    grad = np.clip((cv.ys - (y - width * 0.25)) / (width * 0.3), 0, 1)
    paint(cv.img, m, lighten(rock, 0.15) + (lighten(rock, -0.35) - lighten(rock, 0.15)) * grad[..., None])
    foam = np.zeros((cv.h, cv.w), np.uint8)
    cv2.ellipse(
        foam,
        (int(x), int(y + width * 0.03)),
        (int(width * 0.56), int(width * 0.025)),
        0,
        0,
        360,
        255,
        max(1, int(width * 0.012)),
        cv2.LINE_AA,
    )
    paint(cv.img, cv2.GaussianBlur(foam.astype(np.float32) / 255, (0, 0), 1.0) * 0.7, lighten(pal["water"], 0.6))


def _rim(ctx: Ctx, mask: np.ndarray, x0: int, y0: int) -> None:
    """Thin light edge on the side facing the light: reads as volume on silhouettes."""
    k = max(1, int(ctx.cv.px(0.003)))
    edge = np.clip(mask - shift(mask, 0, int(ctx.light_side * k)), 0, 1)
    edge = np.maximum(edge, np.clip(mask - shift(mask, k, 0), 0, 1) * 0.6)
    col = mix(ctx.pal["glow"], ctx.pal["sun"], 0.5)
    paint_at(ctx.cv.img, edge * (0.55 if ctx.pal.time != "day" else 0.3), col, x0, y0)


def _beam(ctx: Ctx, x: float, y: float, facing: float) -> None:
    cv = ctx.cv
    ang = 0.15 * facing
    xs = np.arange(cv.w, dtype=np.float32)[None, :] - x
    ys = np.arange(cv.h, dtype=np.float32)[:, None] - y
    along = xs * np.cos(ang) * facing + ys * np.sin(ang)
    across = np.abs(-xs * np.sin(ang) * facing + ys * np.cos(ang))
    cone = np.exp(-((across / (cv.px(0.01) + along.clip(0) * 0.12)) ** 2)) * (along > 0)
    cv.img += (cone * 0.35 * np.exp(-along.clip(0) / cv.px(1.2)))[..., None] * ctx.pal["window"]
    glow(cv.img, x, y, cv.px(0.03), ctx.pal["window"], 0.9)


def birds(ctx: Ctx, count: int | None = None) -> None:
    """A loose flock of 'm'-shaped birds in the sky."""
    cv, rng = ctx.cv, ctx.rng("birds")
    count = count or int(rng.integers(4, 9))
    m = np.zeros((cv.h, cv.w), np.uint8)
    cx, cy = rng.uniform(0.2, 0.8), rng.uniform(0.12, 0.3) * ctx.horizon / 0.6
    for _ in range(count):
        x, y = cv.x(cx + rng.normal(0, 0.08)), cv.y(cy + rng.normal(0, 0.05))
        s = cv.px(rng.uniform(0.012, 0.022))
        flap = rng.uniform(0.2, 0.6)
        pts = np.array(
            [
                (x - s, y - s * flap),
                (x - s * 0.45, y - s * 0.35),
                (x, y),
                (x + s * 0.45, y - s * 0.35),
                (x + s, y - s * flap),
            ],
            np.int32,
        )
        cv2.polylines(m, [pts], False, 255, max(1, int(s * 0.18)), cv2.LINE_AA)
    paint(cv.img, m.astype(np.float32) / 255.0, lighten(ctx.pal["top"], -0.5))
