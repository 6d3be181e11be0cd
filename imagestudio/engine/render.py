"""render(): prompt -> layout -> palette -> painted layers -> style -> PIL image."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np
from PIL import Image

from .canvas import Canvas
from .colour import rgb
from .compose import steps as compose_steps
from .context import Ctx
from .layout import decide
from .mood import mood_grade
from .negative import avoided, image_asks, suppress_colours
from .palette import adherence, build_palette, neonise, pastelise
from .prompt import normalise, parse_prompt
from .request import RenderRequest, validate
from .rng import Streams, stable_hash
from .styles import STYLE_PRESETS, StyleInput, apply_styles, resolve_styles, style_steps
from .styles.common import lum

Progress = Callable[[int, int], None]


def _detail(steps: int) -> tuple[float, int, float]:
    """(detail 0..1, noise octaves, internal resolution factor) for a step count.

    Why: few steps should look soft and coarse (like an unfinished diffusion), many
    steps add octaves of texture and finer edges.
    """
    d = (steps - 1) / 49.0
    octaves = 2 + round(d * 6)
    res = min(1.0, 0.28 + 0.72 * min(1.0, (steps - 1) / 11.0))
    return d, octaves, res


def render(req: RenderRequest, progress: Progress | None = None) -> Image.Image:
    """Render an RGB illustration of req.prompt, exactly req.width x req.height, deterministic."""
    validate(req, STYLE_PRESETS)
    # numpy integers pass validation; plain ints keep hashing and OpenCV calls identical
    req = replace(
        req,
        width=int(req.width),
        height=int(req.height),
        seed=int(req.seed),
        steps=int(req.steps),
        guidance=float(req.guidance),
    )
    plan = parse_prompt(req.prompt)
    neg = parse_prompt(req.negative_prompt) if req.negative_prompt.strip() else None
    avoid = avoided(neg)
    streams = Streams(stable_hash(normalise(req.prompt), req.seed))
    styles = tuple(
        s for s in resolve_styles(req.style, plan.styles) if neg is None or s not in neg.styles or s == req.style
    )
    detail, octaves, res = _detail(req.steps)
    iw, ih = max(96, round(req.width * res)), max(96, round(req.height * res))
    lay = decide(plan, avoid, float(req.guidance), styles, streams.rng("layout"), req.width / req.height)
    pal = build_palette(plan, lay.time, streams.rng("palette"), float(req.guidance))
    pal = pastelise(pal) if "pastel" in styles else neonise(pal) if "neon" in styles else pal
    ctx = Ctx(
        cv=Canvas(iw, ih),
        pal=pal,
        streams=streams,
        plan=plan,
        detail=detail,
        octaves=octaves,
        horizon=lay.horizon,
        sun=lay.sun,
        avoid=avoid,
        flat="minimal" in styles,
        neon="neon" in styles,
    )
    paint = compose_steps(ctx, lay)
    total = len(paint) + style_steps(styles) + 2
    tick = _ticker(progress, total)
    tick()
    for _name, fn in paint:
        fn()
        tick()
    img = _develop(ctx, req, plan, neg, avoid)
    tick()
    objects = ctx.notes.get("objects")
    if isinstance(objects, np.ndarray) and objects.shape != img.shape[:2]:
        objects = cv2.resize(objects, (req.width, req.height), interpolation=cv2.INTER_LINEAR)
    si = StyleInput(
        img=img,
        streams=streams,
        detail=detail,
        horizon=lay.horizon,
        avoid=avoid,
        objects=objects if isinstance(objects, np.ndarray) else None,
    )
    img = apply_styles(si, styles)
    img = suppress_colours(image_asks(img, avoid, min(req.width, req.height)), neg)
    for _ in range(style_steps(styles)):
        tick()
    out = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(out), "RGB")


def _ticker(progress: Progress | None, total: int) -> Callable[[], None]:
    state = [0]

    def tick() -> None:
        state[0] = min(total, state[0] + 1)
        if progress is not None:
            progress(state[0], total)

    return tick


def _develop(ctx: Ctx, req: RenderRequest, plan, neg, avoid) -> np.ndarray:
    """Scale to the requested size and pull colours toward named ones as guidance rises."""
    img = np.clip(ctx.cv.img, 0, 1.6)
    if img.shape[1] != req.width or img.shape[0] != req.height:
        img = cv2.resize(img, (req.width, req.height), interpolation=cv2.INTER_LINEAR)
    if plan.colours:
        target = np.mean([rgb(c) for c in plan.colours], axis=0)
        norm = target / max(float(lum(target[None, None])[0, 0]), 0.25)
        s = 0.22 * adherence(float(req.guidance)) ** 3 * min(1.0, float(req.guidance) / 10.0)
        img = img + (lum(img)[..., None] * norm - img) * s
    return mood_grade(img, plan.moods, min(req.width, req.height))
