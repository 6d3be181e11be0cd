"""Iteration: new images made from an existing one, queued as jobs like text-to-image.

Each command checks its inputs, picks the model (the one asked for, else the best available for the
operation: a fal model with a key, the offline engine without), and queues a job whose parent is the
image and whose `action` is the operation, so results land in the image's lineage. Pages, the API and
the CLI call these; the job runs through the usual providers (see operation_inputs, offline_ops).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext, gettext_noop
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError
from imagestudio.catalog.services import default_model, get_model
from imagestudio.engine import ops
from imagestudio.engine.errors import EngineError
from imagestudio.gallery import upload
from imagestudio.generation import operation_inputs, services
from imagestudio.generation.models import GenerationJob
from imagestudio.workspaces.access import allows, role_in

if TYPE_CHECKING:
    from imagestudio.accounts.models import User
    from imagestudio.gallery.models import Image

MAX_SIDE = ops.MAX_OUTPUT_SIDE
UPSCALE_FACTORS = (2, 4, 8)
FLIPS = ("horizontal", "vertical")
ADJUSTMENTS = ("brightness", "contrast", "saturation", "temperature")


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    capability: str  # which catalog models can run it
    offline: str  # the offline engine's model for it
    fal: str  # the fal model used when none is chosen and a key is set
    prompted: bool  # the prompt shapes the result (else it is optional and kept for the record)


OPERATIONS = {
    op.name: op
    for op in (
        Operation(
            "image-to-image", gettext_noop("Image to image"), "image-to-image", "offline/studio-img2img",
            "fal-ai/flux/dev/image-to-image", True,
        ),
        Operation(
            "variation", gettext_noop("Variation"), "image-to-image", "offline/studio-img2img",
            "fal-ai/flux/dev/image-to-image", True,
        ),
        Operation("inpaint", gettext_noop("Inpaint"), "inpainting", "offline/studio-fill", "fal-ai/flux-lora/inpainting", True),
        Operation(
            "outpaint", gettext_noop("Outpaint"), "outpainting", "offline/studio-fill", "fal-ai/image-apps-v2/outpaint", False
        ),
        Operation("upscale", gettext_noop("Upscale"), "upscale", "offline/studio-upscale", "fal-ai/esrgan", False),
        Operation(
            "remove-background", gettext_noop("Remove background"), "background-removal", "offline/studio-cutout",
            "fal-ai/bria/background/remove", False,
        ),
        Operation(
            "style-transfer", gettext_noop("Style transfer"), "style-transfer", "offline/studio-style", "fal-ai/flux/dev/redux", False
        ),
        Operation("edit", gettext_noop("Edit"), "edit", "offline/studio-edit", "", False),
    )
}  # fmt: skip


def fits(operation: Operation, model: AIModel) -> bool:
    """Can `model` run `operation`? Style transfer on fal means Redux (it restyles from the reference
    alone); the prompted operations need a model that reads a prompt."""
    schema = model.input_schema
    if operation.name == "style-transfer":
        return model.endpoint_id == operation.offline or (
            "style-reference" in model.capabilities and "prompt" not in schema and not model.is_offline
        )
    if operation.capability not in model.capabilities:
        return False
    if not model.is_offline and "image_url" not in schema:
        return False
    return not operation.prompted or "prompt" in schema


def models_for(operation_name: str) -> list[AIModel]:
    """Active models that can run the operation, available ones first (offline, then fal by order)."""
    operation = OPERATIONS[operation_name]
    models = [m for m in AIModel.objects.active() if fits(operation, m)]
    return sorted(models, key=lambda m: (not m.available, not m.is_offline, m.sort_order, m.display_name))


def choose_model(operation_name: str, model_id: str | None) -> AIModel:
    operation = OPERATIONS[operation_name]
    if model_id:
        model = get_model(model_id)
        if model is None:
            raise ParameterError(
                "model_id", gettext("No model %(model)s. GET /api/models lists them.") % {"model": repr(model_id)}
            )
        if not fits(operation, model):
            raise ParameterError(
                "model_id",
                gettext("%(model)s cannot %(operation)s.")
                % {"model": model.display_name, "operation": gettext(operation.label).lower()},
            )
        return model
    preferred = operation.fal if settings.FAL_KEY and operation.fal else operation.offline
    model = AIModel.objects.active().filter(endpoint_id=preferred).first()
    if model is None or not model.available:
        model = AIModel.objects.active().filter(endpoint_id=operation.offline).first()
    if model is None:
        raise ParameterError(
            "model_id",
            gettext("No model can %(operation)s right now.") % {"operation": gettext(operation.label).lower()},
        )
    return model


# -- the commands -----------------------------------------------------------------------------------


def _project_for(user: User, image: Image):
    """Results join the image's project only when `user` may add to it."""
    project = image.project
    if project is not None and not allows(role_in(user, project.workspace_id), "edit"):
        return None
    return project


def _queue(
    user: User,
    image: Image,
    operation_name: str,
    *,
    model: AIModel,
    prompt: str | None = None,
    negative_prompt: str | None = None,
    parameters: dict | None = None,
    inputs: dict | None = None,
    output_size: tuple[int, int] | None = None,
) -> GenerationJob:
    operation = OPERATIONS[operation_name]
    parameters = {k: v for k, v in (parameters or {}).items() if k not in IMAGE_FIELDS}
    for field in ("output_format", "format"):  # PNG where offered: what must not change stays exact
        if "png" in model.input_schema.get(field, {}).get("enum", ()) and field not in parameters:
            parameters[field] = "png"
    request = services.GenerationRequest(
        user=user,
        model=model,
        prompt=image.prompt if prompt is None else prompt,
        negative_prompt=image.negative_prompt if negative_prompt is None else negative_prompt,
        parameters=parameters,
        project=_project_for(user, image),
        action=operation_name,
        parent_image=image,
        inputs={"source": str(image.pk), **(inputs or {})},
        output_size=output_size or (image.width, image.height),
        prompt_optional=not operation.prompted,
    )
    return services.enqueue(request)


# What the operation itself supplies to the model: never taken from the caller's parameters.
IMAGE_FIELDS = {"image_url", "mask_url", "canvas_size", "original_image_size", "original_image_location"}


def image_to_image(
    user: User,
    image: Image,
    *,
    prompt: str,
    strength: float | None = None,
    model_id: str | None = None,
    negative_prompt: str = "",
    parameters: dict | None = None,
) -> GenerationJob:
    model = choose_model("image-to-image", model_id)
    parameters = dict(parameters or {})
    if strength is not None:
        parameters["strength"] = strength
    return _queue(
        user, image, "image-to-image", model=model, prompt=prompt, negative_prompt=negative_prompt,
        parameters=parameters,
    )  # fmt: skip


def variation(
    user: User, image: Image, *, strength: float | None = None, num_images: int = 1, model_id: str | None = None
) -> GenerationJob:
    """More like this image. No strength: its recipe again with a new seed (the same model). A strength
    (0..1): image-to-image from the image itself, a new seed, changing that much."""
    made_from_text = image.job is not None and not image.job.inputs.get("source")
    if strength is None and made_from_text:
        return services.vary(image, user=user)
    if not image.prompt.strip():
        raise ParameterError(
            "strength", gettext("This image has no prompt to vary around; use image-to-image instead.")
        )
    model = choose_model("variation", model_id)
    parameters = {"strength": 0.35 if strength is None else strength, "num_images": num_images, "seed": None}
    return _queue(user, image, "variation", model=model, parameters=parameters)


def remix(
    user: User,
    image: Image,
    *,
    prompt: str | None = None,
    negative_prompt: str | None = None,
    parameters: dict | None = None,
    model_id: str | None = None,
) -> GenerationJob:
    """The image's full recipe, edited (any of prompt, negative prompt, parameters, model), run again as
    text-to-image; the result is the image's child."""
    job = image.job
    base = services.recipe_parameters(job) if job is not None and not job.inputs.get("source") else {}
    if not base:
        base = {k: v for k, v in image.parameters.items() if k not in ("source_model", "image_size", "aspect_ratio")}
        base.update(width=image.width, height=image.height)
    model = _remix_model(image, model_id)
    recipe_prompt = (job.user_prompt or job.prompt) if job is not None else image.prompt
    request = services.GenerationRequest(
        user=user,
        model=model,
        prompt=recipe_prompt if prompt is None else prompt,
        negative_prompt=(job.negative_prompt if job else image.negative_prompt)
        if negative_prompt is None
        else negative_prompt,
        parameters={**base, **(parameters or {})},
        project=_project_for(user, image),
        action="remix",
        parent_image=image,
    )
    return services.enqueue(request)


def _remix_model(image: Image, model_id: str | None) -> AIModel:
    """The model asked for, else the image's own (when it still makes images from text), else the default."""
    if model_id:
        model = get_model(model_id)
        if model is None or "text-to-image" not in model.capabilities:
            raise ParameterError(
                "model_id",
                gettext("No text-to-image model %(model)s. GET /api/models lists them.") % {"model": repr(model_id)},
            )
        return model
    own = image.model
    model = own if own is not None and own.is_active and "text-to-image" in own.capabilities else default_model()
    if model is None:
        raise ParameterError("model_id", gettext("No text-to-image model is available."))
    return model


def inpaint(
    user: User,
    image: Image,
    *,
    mask: bytes,
    prompt: str,
    model_id: str | None = None,
    negative_prompt: str = "",
    parameters: dict | None = None,
) -> GenerationJob:
    """Repaint where the mask is white (the one polarity we store; any provider that wants the
    opposite gets it converted)."""
    model = choose_model("inpaint", model_id)
    png = _checked_mask(mask, (image.width, image.height), user=user)
    name = operation_inputs.save_mask(png, uuid.uuid4().hex)
    return _queue(
        user, image, "inpaint", model=model, prompt=prompt, negative_prompt=negative_prompt,
        parameters=parameters, inputs={"mask": name},
    )  # fmt: skip


MAX_MASK_BYTES = 20 * 1024 * 1024


def decode_data_url(text: str, field: str) -> bytes:
    """The bytes of a `data:image/png;base64,...` URL (what the mask editor sends)."""
    head, _, body = (text or "").partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise ParameterError(field, gettext("Paint the area to change on the image first."))
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ParameterError(field, gettext("The mask could not be read; paint it again.")) from None


def _checked_mask(data: bytes, size: tuple[int, int], *, user=None) -> bytes:
    """The mask as an "L" PNG at the image's size: white (>= 128) = change. Masks drawn over a scaled
    copy of the image are resized when their aspect ratio matches. Like every upload, it first passes the
    upload validator (type sniffed, SVG, polyglots and bombs refused, malware scan, re-encoded): raises
    UploadError (field "mask") with its status."""
    if not data:
        raise ParameterError("mask", gettext("Send the mask as a PNG (white = change), at most 20 MB."))
    if len(data) > MAX_MASK_BYTES:
        raise upload.UploadError(
            gettext("The mask is %(size)s MB; send it as a PNG of at most 20 MB.")
            % {"size": format(len(data) / 1048576, ".0f")},
            status=413,
            field="mask",
        )
    try:
        data = upload.validate("mask", data, user=user).data
    except upload.UploadError as exc:
        exc.field = "mask"
        raise
    try:
        with PILImage.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > 80_000_000:
                raise ParameterError("mask", gettext("The mask is too large."))
            mask = opened.convert("RGBA")
    except (UnidentifiedImageError, OSError, PILImage.DecompressionBombError):
        raise ParameterError(
            "mask", gettext("The mask is not an image we can read: send a PNG, white = change.")
        ) from None
    # A painted canvas is transparent where nothing was drawn: use alpha when the colours carry nothing.
    grey = mask.convert("L")
    alpha = mask.getchannel("A")
    if alpha.getextrema() != (255, 255):
        grey = PILImage.composite(grey, PILImage.new("L", mask.size, 0), alpha)
    if abs(mask.width / mask.height - size[0] / size[1]) > 0.01:
        raise ParameterError(
            "mask",
            gettext(
                "The mask is %(width)s×%(height)s but the image is %(image_width)s×%(image_height)s: draw it over the image."
            )
            % {"width": mask.width, "height": mask.height, "image_width": size[0], "image_height": size[1]},
        )
    if grey.size != size:
        grey = grey.resize(size, PILImage.Resampling.BILINEAR)
    if grey.point(lambda value: 255 if value >= 128 else 0).getbbox() is None:
        raise ParameterError("mask", gettext("The mask is empty: paint the area to change."))
    out = io.BytesIO()
    grey.save(out, "PNG")
    return out.getvalue()


def outpaint(
    user: User,
    image: Image,
    *,
    left: int = 0,
    right: int = 0,
    top: int = 0,
    bottom: int = 0,
    aspect_ratio: str | None = None,
    prompt: str | None = None,
    model_id: str | None = None,
    parameters: dict | None = None,
) -> GenerationJob:
    """Extend the canvas by pixel margins, or symmetrically to an aspect ratio."""
    model = choose_model("outpaint", model_id)
    if aspect_ratio:
        try:
            left, right, top, bottom = ops.margins_for_aspect(image.width, image.height, aspect_ratio)
        except EngineError as exc:
            raise ParameterError("aspect_ratio", str(exc)) from None
    margins = {"left": left, "right": right, "top": top, "bottom": bottom}
    for side, value in margins.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ParameterError(
                side, gettext("%(side)s must be a whole number of pixels, 0 or more.") % {"side": side.capitalize()}
            )
    if not any(margins.values()):
        raise ParameterError(
            "left", gettext("Extend at least one side (left, right, top or bottom), or give an aspect ratio.")
        )
    width, height = image.width + left + right, image.height + top + bottom
    _check_output(width, height, "left")
    parameters = dict(parameters or {})
    if "expand_left" in model.input_schema:  # fal's Image Apps outpaint takes the margins itself
        limit = model.input_schema["expand_left"].get("max", 700)
        for side, value in margins.items():
            if value > limit:
                raise ParameterError(
                    side,
                    gettext("%(model)s extends at most %(limit)s px per side.")
                    % {"model": model.display_name, "limit": limit},
                )
            parameters[f"expand_{side}"] = value
        parameters["zoom_out_percentage"] = 0
    return _queue(
        user, image, "outpaint", model=model, prompt=prompt, parameters=parameters, inputs=margins,
        output_size=(width, height),
    )  # fmt: skip


def _check_output(width: int, height: int, field: str) -> None:
    if max(width, height) > MAX_SIDE:
        raise ParameterError(
            field,
            gettext("That makes a %(width)s×%(height)s image; the largest is %(max_side)s px per side.")
            % {"width": width, "height": height, "max_side": MAX_SIDE},
        )


# fal upscalers: the field that takes the factor and the largest factor one pass can do.
UPSCALE_FIELDS = {
    "fal-ai/esrgan": ("scale", 8),
    "fal-ai/clarity-upscaler": ("upscale_factor", 4),
    "fal-ai/creative-upscaler": ("scale", 4),  # takes up to 5; passes of 4 and 2 keep factors exact
    "fal-ai/aura-sr": ("", 4),  # always 4x
}


def upscale(user: User, image: Image, *, scale: int = 2, model_id: str | None = None) -> GenerationJob:
    """2x, 4x or 8x; where a model stops short of the factor, passes are chained (8x = 4x, then 2x)."""
    if scale not in UPSCALE_FACTORS or isinstance(scale, bool):
        raise ParameterError("scale", gettext("Scale must be 2, 4 or 8."))
    model = choose_model("upscale", model_id)
    _check_output(image.width * scale, image.height * scale, "scale")
    field, largest = UPSCALE_FIELDS.get(model.endpoint_id, ("scale", 8))
    passes = _passes(scale, largest)
    if not field and any(factor != largest for factor in passes):
        raise ParameterError(
            "scale", f"{model.display_name} upscales {largest}× only; choose another model for {scale}×."
        )
    parameters = {field: passes[0]} if field and field in model.input_schema else {}
    inputs = {"scale": scale, "passes": passes, "scale_field": field}
    return _queue(
        user, image, "upscale", model=model, parameters=parameters, inputs=inputs,
        output_size=(image.width * scale, image.height * scale),
    )  # fmt: skip


def _passes(scale: int, largest: int) -> list[int]:
    passes, left = [], scale
    while left > 1:
        factor = min(largest, left)
        passes.append(factor)
        left //= factor
    return passes


def remove_background(user: User, image: Image, *, model_id: str | None = None) -> GenerationJob:
    model = choose_model("remove-background", model_id)
    return _queue(user, image, "remove-background", model=model)


def style_transfer(
    user: User, image: Image, *, style_image: Image, strength: float | None = None, model_id: str | None = None
) -> GenerationJob:
    """Give `image` the look of `style_image` (which the caller checked `user` may see)."""
    if style_image.pk == image.pk:
        raise ParameterError("style_image_id", gettext("Choose a different image as the style reference."))
    model = choose_model("style-transfer", model_id)
    parameters = {"strength": strength} if strength is not None else {}
    return _queue(
        user, image, "style-transfer", model=model, parameters=parameters,
        inputs={"style_image_id": str(style_image.pk)},
    )  # fmt: skip


# -- edits ------------------------------------------------------------------------------------------


def edit(user: User, image: Image, *, steps: dict) -> GenerationJob:
    """Crop, rotate, flip, resize and adjust (applied in that order), saved as a new version.

    `steps`: crop {x, y, width, height} or {aspect_ratio}; rotate degrees; flip horizontal|vertical;
    resize {width, height}; adjust {brightness, contrast, saturation, temperature}, each -1..1.
    """
    inputs, size = edit_inputs(steps, (image.width, image.height))
    model = choose_model("edit", None)
    return _queue(user, image, "edit", model=model, inputs=inputs, output_size=size)


def edit_inputs(steps: dict, size: tuple[int, int]) -> tuple[dict, tuple[int, int]]:
    """Checked edit steps in the offline engine's terms, and the size they produce."""
    if not isinstance(steps, dict):
        raise ParameterError("edit", gettext("Send the edits as an object."))
    inputs: dict = {}
    width, height = size
    if (crop := steps.get("crop")) is not None:
        if isinstance(crop, dict) and crop.get("aspect_ratio"):
            try:
                cropped = ops.crop_to_aspect(PILImage.new("L", size), str(crop["aspect_ratio"]))
            except EngineError as exc:
                raise ParameterError("crop", str(exc)) from None
            inputs["crop_aspect"] = str(crop["aspect_ratio"])
            width, height = cropped.size
        else:
            x, y, w, h = (_int(crop, key, "crop") for key in ("x", "y", "width", "height"))
            if w < 1 or h < 1 or x < 0 or y < 0 or x + w > width or y + h > height:
                raise ParameterError(
                    "crop",
                    gettext("The crop must lie inside the %(width)s×%(height)s image.")
                    % {"width": width, "height": height},
                )
            inputs["crop"] = [x, y, x + w, y + h]
            width, height = w, h
    if (degrees := steps.get("rotate")) not in (None, 0):
        if not isinstance(degrees, int | float) or isinstance(degrees, bool) or not -360 <= degrees <= 360:
            raise ParameterError("rotate", gettext("Rotate takes degrees from -360 to 360."))
        inputs["rotate"] = degrees
        width, height = _rotated(width, height, float(degrees))
    if (direction := steps.get("flip")) not in (None, ""):
        if direction not in FLIPS:
            raise ParameterError("flip", gettext("Flip is horizontal or vertical."))
        inputs["flip"] = direction
    if (resize := steps.get("resize")) is not None:
        width, height = _int(resize, "width", "resize"), _int(resize, "height", "resize")
        if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
            raise ParameterError("resize", gettext("Resize to 1–%(max_side)s px per side.") % {"max_side": MAX_SIDE})
        inputs["resize"] = [width, height]
    if (adjust := steps.get("adjust")) is not None:
        inputs["adjust"] = _adjustments(adjust)
    _check_output(width, height, "rotate")
    if not inputs:
        raise ParameterError("edit", gettext("Choose at least one edit: crop, rotate, flip, resize or adjust."))
    return inputs, (width, height)


def _int(values, key: str, field: str) -> int:
    value = values.get(key) if isinstance(values, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ParameterError(field, f"{field.capitalize()} needs a whole-number {key}.")
    return value


def _rotated(width: int, height: int, degrees: float) -> tuple[int, int]:
    """The canvas a rotation by `degrees` needs (what ops.rotate makes with expand=True)."""
    radians = math.radians(degrees)
    cos, sin = abs(math.cos(radians)), abs(math.sin(radians))
    return math.ceil(width * cos + height * sin - 1e-6), math.ceil(width * sin + height * cos - 1e-6)


def _adjustments(adjust) -> dict:
    if not isinstance(adjust, dict) or set(adjust) - set(ADJUSTMENTS):
        raise ParameterError(
            "adjust", gettext("Adjust takes %(adjustments)s.") % {"adjustments": ", ".join(ADJUSTMENTS)}
        )
    values = {}
    for key, value in adjust.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not -1 <= value <= 1:
            raise ParameterError("adjust", f"{key.capitalize()} must be between -1 and 1.")
        if value:
            values[key] = float(value)
    return values
