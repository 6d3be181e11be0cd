"""Turn a Layout into an ordered list of painting steps (back to front)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .context import Ctx
from .layers import abstract, city, flora, land, portrait, retro, sky, space, subjects, water, weather
from .layout import Layout

Step = tuple[str, Callable[[], None]]


def steps(ctx: Ctx, lay: Layout) -> list[Step]:
    """Painting steps for the layout; the renderer reports progress after each."""
    if lay.setting == "abstract":
        return [("abstract", lambda: abstract.abstract(ctx))]
    if lay.setting == "portrait":
        return [("portrait", lambda: portrait.portrait(ctx))]
    if lay.setting == "space":
        return _space(ctx, lay)
    snap: Step = ("sky done", lambda: ctx.notes.__setitem__("sky", ctx.cv.img.copy()))
    mask: Step = ("objects", lambda: _objects_mask(ctx))
    return [*_sky(ctx, lay), snap, *_terrain(ctx, lay), *_foreground(ctx, lay), mask, *_weather(ctx, lay)]


def _objects_mask(ctx: Ctx) -> None:
    """Everything painted over the sky (terrain, water, subjects): styles such as 3D use it."""
    sky = ctx.notes.get("sky")
    if isinstance(sky, np.ndarray):
        diff = np.abs(ctx.cv.img - sky).max(-1)
        ctx.notes["objects"] = (diff > 1e-4).astype(np.float32)


def _space(ctx: Ctx, lay: Layout) -> list[Step]:
    f, rng = lay.features, ctx.rng("spacecomp")
    out: list[Step] = [("background", lambda: space.background(ctx))]
    if "nebula" in f or ("galaxy" not in f and rng.random() < 0.7):
        out.append(("nebula", lambda: space.nebula(ctx)))
    if ctx.allow("stars"):
        out.append(("stars", lambda: sky.stars(ctx, 1.6, 1.0)))
    if "galaxy" in f:
        out.append(("galaxy", lambda: space.galaxy(ctx, rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.6))))
    if ("planet" in f or ("galaxy" not in f and rng.random() < 0.6)) and ctx.allow("planet"):
        pu, pv = float(rng.choice([0.3, 0.7])) + rng.normal(0, 0.05), rng.uniform(0.45, 0.65)
        out.append(("planet", lambda: space.planet(ctx, pu, pv, rng.uniform(0.16, 0.26))))
        if rng.random() < 0.5:
            mu, mv, mr = 1 - pu + rng.normal(0, 0.05), rng.uniform(0.15, 0.3), rng.uniform(0.03, 0.06)
            out.append(("moonlet", lambda: space.planet(ctx, mu, mv, mr, rings=False)))
    return out


def _sky(ctx: Ctx, lay: Layout) -> list[Step]:
    f, t, rng = lay.features, lay.time, ctx.rng("skycomp")
    out: list[Step] = [("sky", lambda: sky.gradient(ctx))]
    if t == "night":
        if ctx.allow("stars"):
            if "galaxy" in f or rng.random() < 0.35:
                out.append(("milky way", lambda: sky.milky_way(ctx)))
            out.append(("stars", lambda: sky.stars(ctx)))
        if "nebula" in f:
            out.append(("nebula", lambda: space.nebula(ctx, 0.45)))
        if "aurora" in f:
            out.append(("aurora", lambda: sky.aurora(ctx)))
        if ctx.allow("moon") and ("moon" in f or rng.random() < 0.9):
            out.append(("moon", lambda: sky.moon(ctx, *ctx.sun)))
    elif t in ("day", "sunset", "sunrise") and ctx.allow("sun") and not ctx.neon:
        out.append(("sun", lambda: sky.sun(ctx)))
    cover = _cloud_cover(lay, rng)
    if cover > 0 and ctx.allow("clouds") and not ctx.neon and (not ctx.flat or "clouds" in f):
        dark = 0.6 if "storm" in f else 0.25 if "rain" in f else 0.0
        out.append(("clouds", lambda: sky.clouds(ctx, cover, dark)))
    if "planet" in f:  # after the clouds, so a named planet is never hidden
        pu = 1.0 - ctx.sun[0]
        out.append(("planet", lambda: space.planet(ctx, pu, lay.horizon * 0.35, 0.13)))
    if "storm" in f and ctx.allow("lightning"):
        out.append(("lightning", lambda: weather.lightning(ctx)))
    if ctx.neon and not f & {"city", "ocean", "lake"}:
        out.append(("retro sun", lambda: retro.sun(ctx)))
    return out


def _cloud_cover(lay: Layout, rng: np.random.Generator) -> float:
    f = lay.features
    if "storm" in f or "rain" in f:
        return 0.85
    if "clouds" in f:
        return 0.62
    if lay.time == "night":
        return 0.0
    if "mountains" in f:
        return float(rng.uniform(0.05, 0.3))
    return float(rng.uniform(0.08, 0.4))


def _terrain(ctx: Ctx, lay: Layout) -> list[Step]:
    f, rng = lay.features, ctx.rng("terraincomp")
    wet = bool(f & {"ocean", "lake"})
    snowy = "snow" in f
    end = lay.horizon + 0.004 if wet else 1.0
    out: list[Step] = []
    if "mountains" in f:
        n = 2 if ctx.flat else int(rng.integers(3, 6))
        height, caps = rng.uniform(0.22, 0.36), snowy or rng.random() < 0.4
        out.append(("mountains", lambda: land.mountains(ctx, n, height, caps, end)))
    elif "ocean" not in f and "city" not in f and not wet and "desert" not in f:
        out.append(("hills", lambda: land.hills(ctx, 2 if ctx.flat else 3, 0.1, 1.0, "snow" if snowy else "hill")))
    elif "lake" in f and "city" not in f:
        out.append(("far hills", lambda: land.hills(ctx, 2, 0.08, lay.horizon)))
    if "city" in f:
        out.append(("city", lambda: city.skyline(ctx, 2 if ctx.flat else 3, None, 0.42, end)))
    if "forest" in f and wet:
        kind = "broadleaf" if ctx.plan.has("autumn", "fall") else "mixed"
        out.append(("shore trees", lambda: flora.forest(ctx, 2, lay.horizon, 0.1, 0.0, snowy, kind, False)))
    if wet:
        out.append(("water", lambda: water.water(ctx, "ocean" in f)))
    elif "desert" in f:
        out.append(("sand", lambda: land.ground(ctx, "sand")))
        out.append(("dunes", lambda: land.dunes(ctx, 3 if ctx.flat else 5)))
    elif ctx.neon and "city" not in f:
        out.append(("grid", lambda: retro.grid(ctx)))
    elif "city" not in f and "mountains" in f:
        out.append(("foothills", lambda: land.hills(ctx, 2, 0.05, 1.0, "snow" if snowy else "hill")))
    return out


def _foreground(ctx: Ctx, lay: Layout) -> list[Step]:
    f, rng = lay.features, ctx.rng("fgcomp")
    wet = bool(f & {"ocean", "lake"})
    snowy = "snow" in f
    out: list[Step] = []
    if "forest" in f and not wet:
        rows = 2 if ctx.flat else 3
        kind = "broadleaf" if ctx.plan.has("autumn", "fall", "oak", "jungle") else "conifer"
        out.append(
            (
                "forest",
                lambda: flora.forest(ctx, rows, lay.horizon + 0.01, 0.2, min(0.26, 0.95 - lay.horizon), snowy, kind),
            )
        )
    if wet and "ocean" in f and (_beachy(ctx) or any(s in subjects.ANIMALS or s == "person" for s in lay.subjects)):
        out.append(("beach", lambda: land.beach(ctx)))
    if wet and "lake" in f and rng.random() < 0.5 and "city" not in f:
        out.append(("shore", lambda: land.hills(ctx, 1, 0.05, 1.0, "hill", base=0.97)))
    if "flowers" in f:
        out.append(("meadow", lambda: flora.meadow(ctx)))
    if "tree" in lay.subjects and ctx.allow("trees"):
        tu = float(rng.choice([0.28, 0.72]))
        out.append(("tree", lambda: flora.lone_tree(ctx, tu, min(0.97, lay.horizon + 0.2))))
    out += _subjects(ctx, lay, rng)
    wants_birds = "birds" in lay.subjects or (lay.time in ("day", "sunset", "sunrise") and rng.random() < 0.2)
    if wants_birds and ctx.allow("birds"):
        out.append(("birds", lambda: subjects.birds(ctx)))
    return out


def _beachy(ctx: Ctx) -> bool:
    return ctx.plan.has("beach", "shore", "coast", "sand", "seaside", "tropical")


def _subjects(ctx: Ctx, lay: Layout, rng: np.random.Generator) -> list[Step]:
    out: list[Step] = []
    names = [s for s in lay.subjects if s in subjects.ANIMALS or s in subjects.BUILT]
    wet = bool(lay.features & {"ocean", "lake"})
    first_u = float(rng.choice([0.33, 0.67]))
    for i, name in enumerate(names[:2]):
        if not ctx.allow("person" if name == "person" else "animal" if name in subjects.ANIMALS else name):
            continue
        u = (first_u if i == 0 else 1.0 - first_u) + float(rng.normal(0, 0.03))
        size, base = _placement(name, lay, wet, rng)
        out.append((name, lambda n=name, uu=u, s=size, b=base: subjects.figure(ctx, n, uu, b, s)))
    return out


def _placement(name: str, lay: Layout, wet: bool, rng: np.random.Generator) -> tuple[float, float]:
    """(size, base v) for a subject: boats float on the water, buildings sit further back."""
    hz = lay.horizon
    if name == "boat":
        return 0.2, hz + (0.12 if wet else 0.2) * rng.uniform(0.6, 1.0)
    if name in ("house", "castle", "lighthouse"):
        return {"house": 0.16, "castle": 0.24, "lighthouse": 0.3}[name], min(0.95, hz + 0.12)
    if name == "person":
        return 0.18, 0.95
    return (0.3 if name != "deer" else 0.32), 0.95


def _weather(ctx: Ctx, lay: Layout) -> list[Step]:
    f, rng = lay.features, ctx.rng("weathercomp")
    out: list[Step] = []
    if "fog" in f or ("mountains" in f and rng.random() < 0.3 and not ctx.flat):
        out.append(("fog", lambda: weather.fog(ctx, 0.7 if "fog" in f else 0.35)))
    if "rain" in f or "storm" in f:
        out.append(("rain", lambda: weather.rain(ctx, 1.0 if "storm" in f else 0.8)))
    falling = ctx.plan.has("snowfall", "snowing", "blizzard", "snowflakes", "falling")
    if "snow" in f and ctx.allow("snow") and (rng.random() < 0.4 or falling):
        out.append(("snowfall", lambda: weather.snowfall(ctx)))
    return out
