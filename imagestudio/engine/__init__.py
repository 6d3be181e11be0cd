"""Offline procedural "text-to-image" engine: prompt in, illustration out (no network, no weights).

Pure Python (numpy, Pillow, OpenCV); imports no Django.
"""

from __future__ import annotations

from .errors import EngineError
from .prompt import PromptPlan, parse_prompt
from .render import render
from .request import RenderRequest
from .vocab import SCENES, STYLE_PRESETS

__all__ = [
    "SCENES",
    "STYLE_PRESETS",
    "EngineError",
    "PromptPlan",
    "RenderRequest",
    "parse_prompt",
    "render",
]
