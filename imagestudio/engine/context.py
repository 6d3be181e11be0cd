"""Shared state handed to every layer painter."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .canvas import Canvas
from .palette import Palette
from .prompt import PromptPlan
from .rng import Streams


@dataclass
class Ctx:
    cv: Canvas
    pal: Palette
    streams: Streams
    plan: PromptPlan
    detail: float  # 0..1 from steps: texture strength, octaves, edge finesse
    octaves: int
    horizon: float  # v of the horizon line (0 top .. 1 bottom)
    sun: tuple[float, float]  # (u, v) of the key light (sun or moon)
    avoid: frozenset[str] = frozenset()
    flat: bool = False  # minimal style: flat colours, fewer shapes
    neon: bool = False
    water_top: float | None = None  # v where water starts (set by the composer)
    notes: dict[str, object] = field(default_factory=dict)

    def rng(self, name: str) -> np.random.Generator:
        return self.streams.rng(name)

    def allow(self, element: str) -> bool:
        return element not in self.avoid

    @property
    def night(self) -> bool:
        return self.pal.time in ("night", "space")

    @property
    def light_side(self) -> float:
        """-1 if the light is left of centre, +1 if right."""
        return 1.0 if self.sun[0] >= 0.5 else -1.0
