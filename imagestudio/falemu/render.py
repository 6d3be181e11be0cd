"""Pixels for the emulated models: the project's offline engine, or a deterministic gradient.

The engine is the default so emulated fal outputs look like the app's own renders. The gradient
exists so the emulator keeps working while the engine is unavailable or broken.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderSpec:
    prompt: str
    width: int
    height: int
    seed: int
    negative_prompt: str = ""
    steps: int = 28
    guidance: float = 3.5


def render(spec: RenderSpec, renderer: str = "auto") -> tuple[Image.Image, str]:
    """Return the image and the renderer that made it ("engine" or "gradient")."""
    if renderer in ("auto", "engine"):
        try:
            return _render_with_engine(spec), "engine"
        except Exception as exc:  # the engine is optional here: any failure falls back
            if renderer == "engine":
                raise
            logger.debug("engine unavailable (%s: %s); using the gradient", type(exc).__name__, exc)
    return gradient(spec), "gradient"


# The engine accepts narrower ranges than fal (imagestudio/engine/request.py); fal requests outside
# them are rendered at the nearest size the engine takes, then resized to what was asked.
_ENGINE_SIDE = (256, 2048)
_ENGINE_STEPS = (1, 50)
_ENGINE_GUIDANCE = (0.0, 20.0)


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def _render_with_engine(spec: RenderSpec) -> Image.Image:
    # Imported per call: the engine is developed alongside and may appear after the emulator starts.
    from imagestudio.engine import RenderRequest
    from imagestudio.engine import render as engine_render

    request = RenderRequest(
        prompt=spec.prompt,
        width=int(_clamp(spec.width, _ENGINE_SIDE)),
        height=int(_clamp(spec.height, _ENGINE_SIDE)),
        seed=spec.seed % 2**32,
        negative_prompt=spec.negative_prompt,
        steps=int(_clamp(spec.steps, _ENGINE_STEPS)),
        guidance=float(_clamp(spec.guidance, _ENGINE_GUIDANCE)),
    )
    image = engine_render(request, progress=None)
    if image.size != (spec.width, spec.height):
        image = image.resize((spec.width, spec.height))
    return image.convert("RGB")


def gradient(spec: RenderSpec) -> Image.Image:
    """A diagonal two-colour gradient whose colours derive from prompt and seed."""
    digest = hashlib.sha256(f"{spec.seed}:{spec.prompt}".encode()).digest()
    start = np.array(list(digest[0:3]), dtype=np.float32)
    end = np.array(list(digest[3:6]), dtype=np.float32)
    ys = np.linspace(0.0, 1.0, spec.height, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 1.0, spec.width, dtype=np.float32)[None, :]
    t = ((xs + ys) / 2.0)[..., None]
    pixels = start * (1.0 - t) + end * t
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str) -> tuple[bytes, str]:
    """Encode to PNG (fast compression: outputs are thrown away soon) or JPEG; return bytes and MIME type."""
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=90)
        return buffer.getvalue(), "image/jpeg"
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue(), "image/png"
