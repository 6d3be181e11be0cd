"""The offline provider: renders in the worker with our own engine."""

from __future__ import annotations

import io
from collections.abc import Callable

from imagestudio.engine import RenderRequest, render
from imagestudio.generation.providers.base import OutputImage, ProviderResult


def render_job(
    *,
    prompt: str,
    negative_prompt: str,
    arguments: dict,
    width: int,
    height: int,
    num_images: int,
    seed: int,
    on_progress: Callable[[float, str], None],
) -> ProviderResult:
    """Render `num_images` pictures; image i uses seed + i so each one can be re-run on its own."""
    style = arguments.get("style")
    images = []
    for index in range(num_images):
        request = RenderRequest(
            prompt=prompt,
            negative_prompt=negative_prompt,
            width=width,
            height=height,
            seed=(seed + index) % 2**32,
            steps=int(arguments.get("num_inference_steps", 24)),
            guidance=float(arguments.get("guidance_scale", 7.0)),
            style=None if style in (None, "", "none") else style,
        )

        def report(step: int, total: int, index: int = index) -> None:
            done = (index + step / max(total, 1)) / num_images
            on_progress(done, f"Rendering image {index + 1} of {num_images} · step {step}/{total}")

        picture = render(request, progress=report)
        out = io.BytesIO()
        picture.save(out, "PNG", compress_level=6)
        images.append(
            OutputImage(data=out.getvalue(), content_type="image/png", width=width, height=height, seed=request.seed)
        )
    return ProviderResult(images=images, seed=seed)
