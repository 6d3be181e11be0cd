"""The inputs of an iteration job, read back when it runs: the parent image, the mask, the style reference,
and — for fal — the image arguments each endpoint takes (image_url, mask_url, canvas_size, …).

Images go to fal as data URIs of our stored originals: fal documents data URIs for every file field, and
they need no public URL for our storage. (Large files would be better uploaded to fal's storage first.)
"""

from __future__ import annotations

import base64
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from imagestudio.generation.providers.base import ProviderError

MASK_DIR = "masks"


class InputMissing(ProviderError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind="fatal")


def _read(file) -> bytes:
    with file.open("rb") as handle:
        return handle.read()


def takes_image(job: GenerationJob) -> bool:
    """Iteration jobs work on their parent image (`inputs["source"]`); text-to-image jobs, variations by
    seed and remixes only point at it."""
    return bool(job.inputs.get("source"))


def source_bytes(job: GenerationJob) -> bytes:
    if job.parent_image_id is None:
        raise InputMissing("The image this job works on was deleted before it ran.")
    try:
        return _read(Image.objects.get(pk=job.parent_image_id).file)
    except (Image.DoesNotExist, FileNotFoundError, OSError) as exc:
        raise InputMissing("The image this job works on is no longer stored.") from exc


def mask_bytes(job: GenerationJob) -> bytes | None:
    name = job.inputs.get("mask")
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError) as exc:
        raise InputMissing("The mask of this job is no longer stored.") from exc


def style_bytes(job: GenerationJob) -> bytes | None:
    style_id = job.inputs.get("style_image_id")
    if not style_id:
        return None
    try:
        return _read(Image.objects.get(pk=style_id).file)
    except (Image.DoesNotExist, FileNotFoundError, OSError) as exc:
        raise InputMissing("The style reference image was deleted before this job ran.") from exc


def save_mask(png: bytes, name: str) -> str:
    """Store a mask (an "L" PNG, white = change) and return its storage name."""
    return default_storage.save(f"{MASK_DIR}/{name}.png", ContentFile(png))


# -- fal arguments ----------------------------------------------------------------------------------


def data_uri(data: bytes) -> str:
    kind = PILImage.open(io.BytesIO(data)).format or "PNG"
    mime = {"JPEG": "image/jpeg", "WEBP": "image/webp"}.get(kind, "image/png")
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _png(image: PILImage.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=3)
    return out.getvalue()


def fal_arguments(job: GenerationJob) -> dict:
    """The image arguments this job's fal endpoint needs for its operation (nothing for text-to-image)."""
    operation, schema = job.action, job.model.input_schema
    if not takes_image(job):
        return {}
    args: dict = {}
    if operation == "style-transfer":  # Redux sees only the reference: it makes new images in its look
        args["image_url"] = data_uri(style_bytes(job) or b"")
    elif operation == "outpaint" and "canvas_size" in schema:
        args.update(_bria_canvas(job))
    elif operation == "outpaint" and "mask_url" in schema:
        args.update(_padded_with_mask(job))
    else:
        args["image_url"] = data_uri(source_bytes(job))
    if operation == "inpaint":
        args["mask_url"] = data_uri(mask_bytes(job) or b"")
    if "image_size" in schema:  # the output follows the source (or, for Redux, the image it restyles)
        args["image_size"] = {"width": job.width, "height": job.height}
    return args


def _margins(job: GenerationJob) -> tuple[int, int, int, int]:
    return tuple(int(job.inputs.get(side, 0)) for side in ("left", "right", "top", "bottom"))  # type: ignore[return-value]


def _bria_canvas(job: GenerationJob) -> dict:
    left, right, top, bottom = _margins(job)
    source = source_bytes(job)
    width, height = PILImage.open(io.BytesIO(source)).size
    return {
        "image_url": data_uri(source),
        "canvas_size": [width + left + right, height + top + bottom],
        "original_image_size": [width, height],
        "original_image_location": [left, top],
    }


def _padded_with_mask(job: GenerationJob) -> dict:
    """Fill models outpaint by inpainting a padded canvas: the new margins are the (white) mask."""
    left, right, top, bottom = _margins(job)
    source = PILImage.open(io.BytesIO(source_bytes(job))).convert("RGB")
    size = (source.width + left + right, source.height + top + bottom)
    canvas = PILImage.new("RGB", size, (127, 127, 127))
    canvas.paste(source, (left, top))
    mask = PILImage.new("L", size, 255)
    mask.paste(0, (left, top, left + source.width, top + source.height))
    return {"image_url": data_uri(_png(canvas)), "mask_url": data_uri(_png(mask))}


def passes_left(job: GenerationJob) -> int:
    """Upscales beyond a model's largest factor run as several passes (8x = 4x then 2x)."""
    return len(job.inputs.get("passes") or [1]) - int(job.provider_state.get("passes_done", 1))


def next_pass_arguments(job: GenerationJob, output_url: str) -> dict:
    """The arguments of the next upscale pass: the last output as the input, at the next factor."""
    done = int(job.provider_state.get("passes_done", 1))
    factor = job.inputs["passes"][done]
    args = {**job.parameters, "image_url": output_url}
    if "seed" not in job.model.input_schema:
        args.pop("seed", None)
    if field := job.inputs.get("scale_field"):
        args[field] = factor
    return args
