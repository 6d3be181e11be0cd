"""Iteration operations on the offline engine: plain bytes and values in, a ProviderResult out.

Each operation is real image processing (imagestudio.engine.ops); those that follow a prompt render it
with the engine at the size they need. The job side (generation/offline_jobs.py) reads the inputs from
storage and hands them over as bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from imagestudio.engine import RenderRequest, ops, render
from imagestudio.engine.errors import EngineError
from imagestudio.generation.providers.base import OutputImage, ProviderError, ProviderResult

Progress = Callable[[float, str], None]
Step = Callable[[int, int], None]  # the engine's progress: step, total
ENGINE_SIDE = (256, 2048)  # what the engine renders; other sizes are rendered near it and resized


@dataclass(frozen=True)
class OperationInput:
    operation: str
    source: bytes
    prompt: str = ""
    negative_prompt: str = ""
    arguments: dict = field(default_factory=dict)  # the model's parameters (strength, feather, scale, …)
    inputs: dict = field(default_factory=dict)  # the job's operation inputs (margins, edit steps, …)
    mask: bytes | None = None
    style: bytes | None = None
    num_images: int = 1
    seed: int = 0


def run_operation(request: OperationInput, on_progress: Progress) -> ProviderResult:
    """Run one operation; image i of several uses seed + i. EngineError becomes a validation ProviderError."""
    source = _open(request.source, "image")
    runner = OPERATIONS.get(request.operation)
    if runner is None:
        raise ProviderError(f"The offline engine cannot run {request.operation!r}.", kind="fatal")
    images = []
    count = request.num_images if request.operation in PROMPTED else 1
    for index in range(count):
        seed = (request.seed + index) % 2**32
        on_progress(index / count, f"Working on image {index + 1} of {count}")

        def report(step: int, total: int, index: int = index) -> None:
            on_progress((index + step / max(total, 1)) / count, f"Image {index + 1} of {count} · step {step}/{total}")

        try:
            result = runner(source, request, seed, report)
        except EngineError as exc:
            raise ProviderError(str(exc), kind="validation") from exc
        images.append(_output(result, seed))
    on_progress(1.0, "Done")
    return ProviderResult(images=images, seed=request.seed)


def _open(data: bytes, name: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # any decoder failure means the stored file is unusable
        raise ProviderError(f"The {name} could not be read ({exc.__class__.__name__}).", kind="fatal") from exc
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _output(image: Image.Image, seed: int) -> OutputImage:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return OutputImage(data=out.getvalue(), content_type="image/png", width=image.width, height=image.height, seed=seed)


def render_prompt(
    request: OperationInput, size: tuple[int, int], seed: int, progress: Step | None = None
) -> Image.Image:
    """The engine's picture of the prompt at `size` (rendered within the engine's range, then resized)."""
    width, height = (min(max(side, ENGINE_SIDE[0]), ENGINE_SIDE[1]) for side in size)
    style = request.arguments.get("style")
    picture = render(
        RenderRequest(
            prompt=request.prompt or "texture",
            negative_prompt=request.negative_prompt,
            width=width,
            height=height,
            seed=seed,
            steps=int(request.arguments.get("num_inference_steps", 24)),
            guidance=float(request.arguments.get("guidance_scale", 7.0)),
            style=None if style in (None, "", "none") else style,
        ),
        progress=progress,
    )
    return picture if picture.size == size else picture.resize(size, Image.Resampling.LANCZOS)


def _image_to_image(source: Image.Image, request: OperationInput, seed: int, progress: Step) -> Image.Image:
    strength = float(request.arguments.get("strength", 0.6))
    return ops.image_to_image(source, render_prompt(request, source.size, seed, progress), strength)


def _inpaint(source: Image.Image, request: OperationInput, seed: int, progress: Step) -> Image.Image:
    if request.mask is None:
        raise EngineError("mask: paint the area to change")
    mask = _open(request.mask, "mask").convert("L")
    if mask.size != source.size:  # masks drawn over a scaled preview come in at the image's size; be lenient
        mask = mask.resize(source.size, Image.Resampling.NEAREST)
    feather = int(request.arguments.get("feather", 8))
    return ops.inpaint(source, mask, render_prompt(request, source.size, seed, progress), feather=feather)


def _outpaint(source: Image.Image, request: OperationInput, seed: int, progress: Step) -> Image.Image:
    left, right, top, bottom = (int(request.inputs.get(side, 0)) for side in ("left", "right", "top", "bottom"))
    size = (source.width + left + right, source.height + top + bottom)
    rendered = render_prompt(request, size, seed, progress)
    return ops.outpaint(source, left=left, right=right, top=top, bottom=bottom, rendered=rendered)


def _upscale(source: Image.Image, request: OperationInput, seed: int, progress: Step) -> Image.Image:
    return ops.upscale(source, int(request.inputs.get("scale", request.arguments.get("scale", 2))), progress)


def _remove_background(source: Image.Image, request: OperationInput, seed: int, progress: Step) -> Image.Image:
    return ops.remove_background(source, progress)


def _style_transfer(source: Image.Image, request: OperationInput, seed: int, progress: Step) -> Image.Image:
    if request.style is None:
        raise EngineError("style_image: choose a reference image")
    strength = float(request.arguments.get("strength", 1.0))
    return ops.style_transfer(source, _open(request.style, "style image"), strength)


def _edit(source: Image.Image, request: OperationInput, seed: int, progress: Step) -> Image.Image:
    """The edit steps in a fixed order: crop, rotate, flip, resize, adjust (see operations.EditSteps)."""
    image = source
    steps = request.inputs
    if box := steps.get("crop"):
        image = ops.crop(image, tuple(box))
    elif ratio := steps.get("crop_aspect"):
        image = ops.crop_to_aspect(image, ratio)
    if degrees := steps.get("rotate"):
        image = ops.rotate(image, degrees)
    if direction := steps.get("flip"):
        image = ops.flip(image, direction)
    if size := steps.get("resize"):
        image = ops.resize(image, *size)
    if adjust := steps.get("adjust"):
        image = ops.adjust(image, **adjust)
    return image


Operation = Callable[[Image.Image, OperationInput, int, Step], Image.Image]
OPERATIONS: dict[str, Operation] = {
    "image-to-image": _image_to_image,
    "variation": _image_to_image,
    "inpaint": _inpaint,
    "outpaint": _outpaint,
    "upscale": _upscale,
    "remove-background": _remove_background,
    "style-transfer": _style_transfer,
    "edit": _edit,
}
PROMPTED = {"image-to-image", "variation", "inpaint", "outpaint"}  # several images (seeds) make sense
