"""Endpoints that take images: which operation a request asks for, and the pixels it makes.

`select` reads a validated request body into an Operation (None: the endpoint only renders its
prompt). Operations are pure: `apply` gets the input images (PIL, by body field) and, when
`render_size` asks for one, a render of the prompt at that size, and returns the output image(s).
The pixels come from the engine's image operations, imported per call: the emulator must import,
and serve text-to-image, without the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from PIL import Image

from .catalog_data import value_or_default
from .errors import ModelInputError, detail, field_error, too_large

if TYPE_CHECKING:
    from .catalog import Endpoint

Size = tuple[int, int]
Margins = tuple[int, int, int, int]  # left, right, top, bottom
Sources = Mapping[str, Image.Image]  # the loaded input images, by body field (image_url, mask_url)

GENERIC_PROMPT = "a picture"  # rendered when a request has no prompt (redux, outpaint)
KONTEXT_STRENGTH = 0.6  # instruction edits keep the composition; Kontext has no strength field
EDIT_ENDPOINTS = {"fal-ai/flux-pro/kontext"}  # image_url + prompt, no strength: img2img at KONTEXT_STRENGTH
BRIA_EXPAND = "fal-ai/bria/expand"
AURA_SR = "fal-ai/aura-sr"
FACTOR_FIELDS = ("scale", "upscale_factor", "upscaling_factor")  # an upscaler's factor, by endpoint
UPSCALE_STEPS = (8, 4, 2)  # the factors the engine's upscale() takes


@dataclass(frozen=True)
class Output:
    image: Image.Image
    extras: dict[str, Image.Image] = field(default_factory=dict)  # more result keys, e.g. birefnet's mask_image


class Operation:
    """What one image-input model does; subclasses are frozen dataclasses of the resolved inputs."""

    inputs: ClassVar[tuple[str, ...]] = ("image_url",)  # URL fields loaded before apply()
    lossless: ClassVar[bool] = False  # True: PNG whatever output_format says (a cut-out keeps its alpha)
    follows_source: ClassVar[bool] = True  # the output size depends on the input image, known at run time

    def blame(self) -> str:
        """The field a too-large output or an engine refusal is reported on."""
        return "image_url"

    def check(self, sources: Sources) -> None:
        """Refuse input images that do not go together, before anything is rendered."""

    def output_size(self, sources: Sources) -> Size:
        return sources["image_url"].size

    def render_size(self, sources: Sources) -> Size | None:
        """The size of the prompt render apply() needs, or None when it needs none."""
        return self.output_size(sources)

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        raise NotImplementedError


@dataclass(frozen=True)
class ImageToImage(Operation):
    """Diffusion img2img: the source moved toward a render of the prompt by `strength`."""

    strength: float

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        assert rendered is not None
        return Output(_ops().image_to_image(sources["image_url"], rendered, self.strength))


@dataclass(frozen=True)
class Redux(Operation):
    """FLUX Redux: a new picture at image_size that takes the reference image's colours and texture."""

    size: Size
    follows_source: ClassVar[bool] = False

    def blame(self) -> str:
        return "image_size"

    def output_size(self, sources: Sources) -> Size:
        return self.size

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        assert rendered is not None
        return Output(_ops().style_transfer(rendered, sources["image_url"]))


@dataclass(frozen=True)
class Inpaint(Operation):
    """Repaint where the mask is white; every other pixel stays the source's."""

    inputs: ClassVar[tuple[str, ...]] = ("image_url", "mask_url")

    def check(self, sources: Sources) -> None:
        image, mask = sources["image_url"].size, sources["mask_url"].size
        if mask != image:
            msg = f"mask_url must have the same dimensions as image_url ({_dims(mask)} vs {_dims(image)})"
            raise field_error("mask_url", msg)

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        image, mask = sources["image_url"], sources["mask_url"]
        if int(np.asarray(mask.convert("L")).max()) < 128:  # nothing to repaint (the engine refuses an empty mask)
            return Output(image.copy())
        assert rendered is not None
        return Output(_ops().inpaint(image, mask, rendered))


@dataclass(frozen=True)
class Outpaint(Operation):
    """Extend the canvas by pixel margins; the source stays untouched at (left, top)."""

    margins: Margins

    def output_size(self, sources: Sources) -> Size:
        width, height = sources["image_url"].size
        left, right, top, bottom = self.margins
        return width + left + right, height + top + bottom

    def render_size(self, sources: Sources) -> Size | None:
        return self.output_size(sources) if any(self.margins) else None

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        return Output(_extend(sources["image_url"], self.margins, rendered))


@dataclass(frozen=True)
class Expand(Operation):
    """Bria Expand: the original, resized to original_image_size, placed on the canvas; the rest generated.

    Like fal, a location partly outside the canvas crops the original (its docs' own example does
    that). aspect_ratio wins over size and location: the original keeps its size, centred on the
    smallest canvas of that ratio around it.
    """

    canvas: Size
    original_size: Size | None = None
    location: tuple[int, int] | None = None
    aspect_ratio: str | None = None

    def blame(self) -> str:
        return "canvas_size"

    def check(self, sources: Sources) -> None:
        canvas, size, (x, y) = self._layout(sources["image_url"].size)
        if x >= canvas[0] or y >= canvas[1] or x + size[0] <= 0 or y + size[1] <= 0:
            msg = f"the original image ({_dims(size)} at {x},{y}) lies entirely outside the {_dims(canvas)} canvas"
            raise field_error("original_image_location", msg)

    def output_size(self, sources: Sources) -> Size:
        return self._layout(sources["image_url"].size)[0]

    def render_size(self, sources: Sources) -> Size | None:
        return self.output_size(sources) if any(self._placement(sources["image_url"].size)[2]) else None

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        source = sources["image_url"]
        size, crop, margins = self._placement(source.size)
        image = source if source.size == size else _ops().resize(source, *size)
        if crop != (0, 0, *size):
            image = image.crop(crop)
        return Output(_extend(image, margins, rendered))

    def _layout(self, source: Size) -> tuple[Size, Size, tuple[int, int]]:
        """(canvas, size of the original on it, the original's top-left corner on it)."""
        if self.aspect_ratio:
            canvas = _aspect_canvas(source, self.aspect_ratio)
            return canvas, source, _centred(canvas, source)
        size = self.original_size or source
        return self.canvas, size, self.location or _centred(self.canvas, size)

    def _placement(self, source: Size) -> tuple[Size, tuple[int, int, int, int], Margins]:
        """(size of the original, the box of it that lands on the canvas, the margins around that box)."""
        (cw, ch), (w, h), (x, y) = self._layout(source)
        left, top, right, bottom = max(x, 0), max(y, 0), min(x + w, cw), min(y + h, ch)
        return (w, h), (left - x, top - y, right - x, bottom - y), (left, cw - right, top, ch - bottom)


@dataclass(frozen=True)
class Upscale(Operation):
    """Enlarge by `factor`: the engine's 2x/4x/8x steps, then an exact Lanczos resize for other factors."""

    factor: float
    factor_field: str

    def blame(self) -> str:
        return self.factor_field

    def output_size(self, sources: Sources) -> Size:
        width, height = sources["image_url"].size
        return max(1, round(width * self.factor)), max(1, round(height * self.factor))

    def render_size(self, sources: Sources) -> Size | None:
        return None

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        source, target = sources["image_url"], self.output_size(sources)
        if target == source.size:
            return Output(source.copy())
        ops = _ops()
        step = next((s for s in UPSCALE_STEPS if s <= self.factor), 1)
        image = ops.upscale(source, step) if step > 1 else source
        return Output(image if image.size == target else ops.resize(image, *target))


@dataclass(frozen=True)
class RemoveBackground(Operation):
    """A cut-out: RGBA with a transparent background; birefnet can add the alpha as `mask_image`."""

    crop_to_bbox: bool = False
    with_mask: bool = False
    lossless: ClassVar[bool] = True

    def render_size(self, sources: Sources) -> Size | None:
        return None

    def apply(self, sources: Sources, rendered: Image.Image | None) -> Output:
        cut = _ops().remove_background(sources["image_url"])
        alpha = cut.getchannel("A")
        box = alpha.getbbox() if self.crop_to_bbox else None
        if box:
            cut, alpha = cut.crop(box), alpha.crop(box)
        return Output(cut, {"mask_image": alpha} if self.with_mask else {})


# -- running -----------------------------------------------------------------------------------


def prepare(operation: Operation, sources: Sources, *, max_pixels: int) -> None:
    """The checks that need the input images: they fit together and the output is not too large."""
    operation.check(sources)
    width, height = operation.output_size(sources)
    if width * height > max_pixels:
        raise too_large(operation.blame(), width, height, max_pixels)


def apply(operation: Operation, sources: Sources, rendered: Image.Image | None) -> Output:
    """Run the operation; an engine refusal (e.g. a result over its side limit) becomes the model's 422."""
    from imagestudio.engine import EngineError

    try:
        return operation.apply(sources, rendered)
    except EngineError as exc:
        raise field_error(operation.blame(), str(exc)) from exc


# -- choosing ----------------------------------------------------------------------------------


def select(endpoint: Endpoint, body: dict, size: Size) -> Operation | None:
    """The operation a validated body asks for; None when the endpoint only renders its prompt.

    `size` is the requested image_size (redux renders at it). Raises ModelInputError for what the
    catalog's field rules cannot express (aura-sr's fixed factor, bria/expand's [w, h] lists).
    """
    if "image_url" not in endpoint.fields:
        return None
    build = _BUILDERS.get(endpoint.category)
    return build(endpoint, body, size) if build else None


def _image_to_image(endpoint: Endpoint, body: dict, size: Size) -> Operation | None:
    endpoint_id = endpoint.endpoint_id.strip("/")
    if endpoint_id.endswith("/redux"):
        return Redux(size)
    if "strength" in endpoint.fields:
        return ImageToImage(float(_value(endpoint, body, "strength", KONTEXT_STRENGTH)))
    if endpoint_id in EDIT_ENDPOINTS:
        return ImageToImage(KONTEXT_STRENGTH)
    return None  # e.g. face-to-sticker: still a render of the prompt


def _inpainting(endpoint: Endpoint, body: dict, size: Size) -> Operation:
    return Inpaint()


def _outpainting(endpoint: Endpoint, body: dict, size: Size) -> Operation:
    if endpoint.endpoint_id.strip("/") == BRIA_EXPAND:
        return _expand(body)
    sides = ("left", "right", "top", "bottom")
    left, right, top, bottom = (int(_value(endpoint, body, f"expand_{side}", 0)) for side in sides)
    return Outpaint((left, right, top, bottom))


def _upscale(endpoint: Endpoint, body: dict, size: Size) -> Operation:
    if endpoint.endpoint_id.strip("/") == AURA_SR:
        _check_aura_factor(body)
    name = next((n for n in FACTOR_FIELDS if n in endpoint.fields), None)
    if name is None:
        return Upscale(2.0, "image_url")
    return Upscale(float(_value(endpoint, body, name, 2)), name)


def _background_removal(endpoint: Endpoint, body: dict, size: Size) -> Operation:
    return RemoveBackground(
        crop_to_bbox=bool(_value(endpoint, body, "crop_to_bbox", False)),
        with_mask=bool(_value(endpoint, body, "output_mask", False)),
    )


_BUILDERS: dict[str, Callable[[Endpoint, dict, Size], Operation | None]] = {
    "image-to-image": _image_to_image,
    "inpainting": _inpainting,
    "outpainting": _outpainting,
    "upscale": _upscale,
    "background-removal": _background_removal,
}


def _check_aura_factor(body: dict) -> None:
    # The 2026-08 schema renames upscaling_factor (checked by the catalog) to upscale_factor: both are 4 only.
    given = body.get("upscale_factor")
    if given is not None and (isinstance(given, bool) or given not in (4, "4")):
        ctx = {"given": given, "permitted": [4]}
        error = detail(["body", "upscale_factor"], "unexpected value; permitted: 4", "value_error.const", ctx)
        raise ModelInputError([error])


_PAIRS = {
    "canvas_size": "[width, height]",
    "original_image_size": "[width, height]",
    "original_image_location": "[x, y]",
}


def _expand(body: dict) -> Expand:
    errors: list[dict] = []
    canvas = _pair(body, "canvas_size", errors, minimum=1)
    original = _pair(body, "original_image_size", errors, minimum=1)
    location = _pair(body, "original_image_location", errors, minimum=None)
    if canvas is None and not errors:
        errors.append(detail(["body", "canvas_size"], "field required", "value_error.missing"))
    if errors or canvas is None:
        raise ModelInputError(errors)
    ratio = body.get("aspect_ratio")
    return Expand(canvas, original, location, ratio if isinstance(ratio, str) and ratio else None)


def _pair(body: dict, name: str, errors: list[dict], *, minimum: int | None) -> tuple[int, int] | None:
    """A [a, b] list of two integers (at least `minimum`), or None when absent; problems go to `errors`."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        errors.append(
            detail(["body", name], f"ensure this value is a list of 2 integers {_PAIRS[name]}", "value_error")
        )
        return None
    found = len(errors)
    for index, item in enumerate(value):
        loc = ["body", name, index]
        if isinstance(item, bool) or not isinstance(item, int | float) or not float(item).is_integer():
            errors.append(detail(loc, "value is not a valid integer", "type_error.integer"))
        elif minimum is not None and item < minimum:
            msg = f"ensure this value is greater than or equal to {minimum}"
            errors.append(detail(loc, msg, "value_error.number.not_ge", {"limit_value": minimum}))
    return (int(value[0]), int(value[1])) if len(errors) == found else None


# -- helpers -----------------------------------------------------------------------------------


def _ops() -> ModuleType:
    from imagestudio.engine import ops  # per call: the emulator must import, and render, without the engine

    return ops


def _value(endpoint: Endpoint, body: dict, name: str, fallback: Any) -> Any:
    return value_or_default(endpoint.fields, body, name, fallback)


def _extend(image: Image.Image, margins: Margins, rendered: Image.Image | None) -> Image.Image:
    if not any(margins):
        return image.copy()
    left, right, top, bottom = margins
    return _ops().outpaint(image, left=left, right=right, top=top, bottom=bottom, rendered=rendered)


def _centred(canvas: Size, size: Size) -> tuple[int, int]:
    return (canvas[0] - size[0]) // 2, (canvas[1] - size[1]) // 2


def _aspect_canvas(size: Size, ratio: str) -> Size:
    """The smallest canvas of `ratio` ("16:9") that holds `size`."""
    rw, rh = (int(part) for part in ratio.split(":"))
    width, height = size
    if width * rh < height * rw:
        return round(height * rw / rh), height
    return width, round(width * rh / rw)


def _dims(size: Size) -> str:
    return f"{size[0]}×{size[1]}"
