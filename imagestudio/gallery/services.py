"""Commands on images. `store_image` is the one write path for image files: original (with embedded
metadata), thumbnail and placeholder all happen here."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image as PILImage

from imagestudio.gallery import metadata
from imagestudio.gallery.models import Image
from imagestudio.gallery.renditions import make_renditions

FORMAT_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


class UnsupportedImage(ValueError):
    pass


@dataclass(frozen=True)
class Recipe:
    """Everything needed to re-run or remix an image."""

    prompt: str
    negative_prompt: str
    model_endpoint: str
    parameters: dict
    seed: int | None

    def as_metadata(self, width: int, height: int) -> dict:
        p = self.parameters
        return {
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "model": self.model_endpoint,
            "seed": self.seed,
            "steps": p.get("num_inference_steps"),
            "guidance": p.get("guidance_scale"),
            "style": p.get("style") if p.get("style") not in (None, "none") else None,
            "width": width,
            "height": height,
            "parameters": p,
            "app": "AI Image Studio",
        }


def _decode(data: bytes) -> PILImage.Image:
    try:
        image = PILImage.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types for bad input
        raise UnsupportedImage(f"Not a readable image: {exc}") from exc
    if image.format not in FORMAT_EXTENSIONS:
        raise UnsupportedImage(f"Unsupported image format {image.format}.")
    return image


def _with_metadata(image: PILImage.Image, data: bytes, recipe_meta: dict) -> bytes:
    """PNGs get our text chunks; other formats keep their original bytes (full recipe lives in the DB)."""
    if image.format != "PNG":
        return data
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=metadata.png_info(recipe_meta), optimize=False, compress_level=6)
    return out.getvalue()


def store_image(
    *,
    user,
    data: bytes,
    recipe: Recipe,
    job=None,
    output_index: int = 0,
    model=None,
    project=None,
    parent_image=None,
    generation_time: float | None = None,
    cost_credits: int = 0,
) -> Image:
    """Store one image and its renditions; idempotent per (job, output_index)."""
    if job is not None:
        existing = Image.objects.filter(job=job, output_index=output_index).first()
        if existing:
            return existing
    image = _decode(data)
    width, height = image.size
    recipe_meta = recipe.as_metadata(width, height)
    original = _with_metadata(image, data, recipe_meta)
    renditions = make_renditions(image)
    stem = uuid.uuid4().hex
    extension = FORMAT_EXTENSIONS[image.format or ""]  # _decode accepted only the known formats

    row = Image(
        user=user,
        job=job,
        output_index=output_index,
        model=model,
        project=project,
        parent_image=parent_image,
        width=width,
        height=height,
        file_size=len(original),
        format="jpeg" if extension == "jpg" else extension,
        prompt=recipe.prompt,
        negative_prompt=recipe.negative_prompt,
        parameters=recipe.parameters,
        seed=recipe.seed,
        model_version=getattr(model, "version", "") or "",
        generation_time=generation_time,
        cost_credits=cost_credits,
        placeholder=renditions.placeholder_data_uri,
        metadata={"source_type": "trainedAlgorithmicMedia", "recipe": recipe_meta},
    )
    row.file.save(f"{stem}.{extension}", ContentFile(original), save=False)
    row.thumbnail.save(f"{stem}.webp", ContentFile(renditions.thumbnail_webp), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # A concurrent finaliser stored this output first: keep theirs, drop our files.
        delete_files(row)
        return Image.objects.get(job=job, output_index=output_index)
    return row


def delete_files(image: Image) -> None:
    """Delete an image's files unless another image row still refers to them (a duplicated project's
    images share their originals with the source)."""
    for field in (image.file, image.thumbnail):
        if (
            field
            and field.name
            and not Image.objects.filter(**{field.field.name: field.name}).exclude(pk=image.pk).exists()
        ):
            default_storage.delete(field.name)
