"""Benchmark the offline image engine on ONE core: seconds per megapixel per style.

Run from the repo root:  python benchmarks/engine.py  [--quick]
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

# One core: pin the process before numpy/OpenCV start their thread pools.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2

from imagestudio.engine import RenderRequest, render

cv2.setNumThreads(1)

PROMPTS = [
    "sunset over mountains and a lake",
    "a red fox in a snowy forest",
    "neon city at night",
    "flowers in a garden",
    "space nebula with a planet",
    "abstract purple and gold shapes",
]
STYLES = [
    None,
    "photographic",
    "cinematic",
    "anime",
    "digital-art",
    "watercolor",
    "oil-painting",
    "3d-render",
    "pixel-art",
    "line-art",
    "neon",
    "vintage",
    "minimal",
    "pastel",
    "noir",
    "low-poly",
    "sketch",
]
SIZES = [(1024, 1024), (1536, 864), (768, 1344)]


def time_one(prompt: str, style: str | None, w: int, h: int, seed: int) -> float:
    t = time.perf_counter()
    render(RenderRequest(prompt=prompt, width=w, height=h, seed=seed, style=style))
    return (time.perf_counter() - t) / (w * h / 1e6)


def main() -> None:
    quick = "--quick" in sys.argv
    prompts = PROMPTS[:2] if quick else PROMPTS
    render(RenderRequest(prompt="warm up", width=256, height=256, seed=0))
    allv: list[float] = []
    for style in STYLES:
        vals = []
        for i, p in enumerate(prompts):
            w, h = SIZES[i % len(SIZES)] if i else SIZES[0]
            vals.append(time_one(p, style, w, h, i))
        allv += vals
        print(f"{style or 'default':13s} median {statistics.median(vals):.2f} s/MP, max {max(vals):.2f} s/MP")
    big = time_one(PROMPTS[0], None, 2048, 2048, 7)
    print(f"2048x2048 default: {big:.2f} s/MP")
    print(f"engine: median {statistics.median(allv):.2f} s/MP, max {max(allv):.2f} s/MP")


if __name__ == "__main__":
    main()
