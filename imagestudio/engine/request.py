"""The render request and its validation."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from .errors import EngineError

MIN_SIZE, MAX_SIZE = 256, 2048
MIN_STEPS, MAX_STEPS = 1, 50
MIN_GUIDANCE, MAX_GUIDANCE = 0.0, 20.0
MAX_SEED = 2**32 - 1
MAX_PROMPT_CHARS = 4000


@dataclass(frozen=True)
class RenderRequest:
    prompt: str
    width: int
    height: int
    seed: int
    negative_prompt: str = ""
    steps: int = 20
    guidance: float = 7.0
    style: str | None = None


def _check_int(name: str, value: object, lo: int, hi: int) -> int:
    # bool is an int subclass; reject it so True never silently means 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise EngineError(f"{name} must be an integer, got {type(value).__name__}")
    if not lo <= int(value) <= hi:
        raise EngineError(f"{name} must be between {lo} and {hi}, got {value}")
    return int(value)


def validate(req: RenderRequest, style_ids: set[str] | dict[str, str]) -> None:
    """Raise EngineError with a clear message if any field is out of range."""
    if not isinstance(req.prompt, str):
        raise EngineError("prompt must be a string")
    if len(req.prompt) > MAX_PROMPT_CHARS:
        raise EngineError(f"prompt must be at most {MAX_PROMPT_CHARS} characters")
    if not isinstance(req.negative_prompt, str):
        raise EngineError("negative_prompt must be a string")
    _check_int("width", req.width, MIN_SIZE, MAX_SIZE)
    _check_int("height", req.height, MIN_SIZE, MAX_SIZE)
    _check_int("seed", req.seed, 0, MAX_SEED)
    _check_int("steps", req.steps, MIN_STEPS, MAX_STEPS)
    g = req.guidance
    if isinstance(g, bool) or not isinstance(g, numbers.Real) or g != g:
        raise EngineError("guidance must be a number")
    if not MIN_GUIDANCE <= float(g) <= MAX_GUIDANCE:
        raise EngineError(f"guidance must be between {MIN_GUIDANCE:g} and {MAX_GUIDANCE:g}, got {g}")
    if req.style is not None and req.style not in style_ids:
        known = ", ".join(sorted(style_ids))
        raise EngineError(f"unknown style {req.style!r}; expected one of: {known}")
