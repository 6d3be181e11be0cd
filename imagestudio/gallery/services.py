"""Commands on images. `store_image` is the one write path for image files: original (with embedded
metadata), thumbnail and placeholder all happen here."""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image as PILImage

from imagestudio.gallery import metadata, renditions
from imagestudio.gallery.interop import containers, readers
from imagestudio.gallery.models import Image
from imagestudio.gallery.renditions import make_renditions
from imagestudio.preferences.privacy import new_images_public

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
            "sampler": p.get("sampler") or p.get("sampler_name"),
            "scheduler": p.get("scheduler"),
            "strength": p.get("strength"),
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


def source_type_for(parent_image) -> str:
    """IPTC digital source type: an edit of a photo the user uploaded is a composite with generated
    media; txt2img, and edits of our own generations, are trained algorithmic media."""
    if parent_image is not None and (parent_image.metadata or {}).get("source") == "none":
        return "compositeWithTrainedAlgorithmicMedia"
    return "trainedAlgorithmicMedia"


def _embedded(
    image: PILImage.Image,
    data: bytes,
    recipe_meta: dict,
    source_type: str | None,
    extra_png_texts: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """`data` with our metadata inserted without re-encoding; a file whose structure we cannot walk
    (Pillow decoded it, our container code did not follow) is re-encoded losslessly as a last resort."""
    fmt = image.format or "PNG"
    try:
        return metadata.embed(data, fmt, recipe_meta, source_type=source_type, extra_png_texts=extra_png_texts)
    except containers.ContainerError:
        out = io.BytesIO()
        if fmt == "JPEG":
            image.save(out, "JPEG", quality=95, icc_profile=image.info.get("icc_profile"))
        elif fmt == "WEBP":
            image.save(out, "WEBP", lossless=True)
        else:
            image.save(out, "PNG")
        return metadata.embed(
            out.getvalue(), fmt, recipe_meta, source_type=source_type, extra_png_texts=extra_png_texts
        )


def _phash(image: PILImage.Image) -> str:
    try:
        from imagestudio.gallery.similarity import phash_hex
    except ImportError:  # H's module not there yet
        return ""
    return phash_hex(image)


def _save_row(row: Image, *, image: PILImage.Image, original: bytes, extension: str) -> Image:
    """Write the original and its renditions, fill the hash fields and insert the row."""
    rends = make_renditions(image)
    stem = uuid.uuid4().hex
    row.width, row.height = image.size
    row.file_size = len(original)
    row.format = "jpeg" if extension == "jpg" else extension
    row.placeholder = rends.placeholder_data_uri
    row.phash = _phash(image)
    row.metadata = {**(row.metadata or {}), "sha256": hashlib.sha256(original).hexdigest()}
    row.file.save(f"{stem}.{extension}", ContentFile(original), save=False)
    row.thumbnail.save(f"{stem}.webp", ContentFile(rends.thumbnail_webp), save=False)
    if hasattr(renditions, "store_renditions"):  # H's srcset renditions
        renditions.store_renditions(row, rends)
    row.is_public = row.is_public or new_images_public(row.user, row.project)  # Settings › Privacy
    with transaction.atomic():
        row.save()
    return row


def lineage_root_of(parent_image) -> uuid.UUID | None:
    """The lineage root an image made from `parent_image` belongs to: the parent's root, or the parent itself
    when it is an original. None for an original."""
    if parent_image is None:
        return None
    return parent_image.lineage_root_id or parent_image.pk


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
    operation: str = "generate",
    generation_time: float | None = None,
    cost_credits: int = 0,
) -> Image:
    """Store one image and its renditions; idempotent per (job, output_index).

    The provider's bytes get our metadata (JSON block, A1111 `parameters`, XMP with the IPTC source type)
    inserted as PNG chunks / JPEG segments / WebP chunks — pixels are never re-encoded. A file carrying
    C2PA Content Credentials is stored byte for byte (writing into it would break its signature): its
    recipe lives in the row and in the XMP sidecar offered on download. `metadata["sha256"]` is the hash
    of the stored bytes.
    """
    if job is not None:
        existing = Image.objects.filter(job=job, output_index=output_index).first()
        if existing:
            return existing
    image = _decode(data)
    width, height = image.size
    recipe_meta = recipe.as_metadata(width, height)
    fmt = image.format or ""
    source_type = source_type_for(parent_image)
    c2pa = containers.c2pa_container(data, fmt)
    original = data if c2pa else _embedded(image, data, recipe_meta, source_type)
    info: dict = {"source": "imagestudio", "source_type": source_type, "recipe": recipe_meta, "embedded": not c2pa}
    if c2pa:
        info["c2pa"] = {"present": True, "container": c2pa}

    row = Image(
        user=user,
        job=job,
        output_index=output_index,
        model=model,
        project=project,
        parent_image=parent_image,
        lineage_root_id=lineage_root_of(parent_image),
        operation=operation,
        width=width,
        height=height,
        prompt=recipe.prompt,
        negative_prompt=recipe.negative_prompt,
        parameters=recipe.parameters,
        seed=recipe.seed,
        model_version=getattr(model, "version", "") or "",
        generation_time=generation_time,
        cost_credits=cost_credits,
        metadata=info,
    )
    try:
        return _save_row(row, image=image, original=original, extension=FORMAT_EXTENSIONS[fmt])
    except IntegrityError:
        # A concurrent finaliser stored this output first: keep theirs, drop our files.
        delete_files(row)
        if hasattr(renditions, "delete_renditions"):
            renditions.delete_renditions(row)
        return Image.objects.get(job=job, output_index=output_index)


# -- importing images made elsewhere ----------------------------------------------------------------

IMPORT_RAW_LIMIT = 512 * 1024  # bytes of other tools' raw metadata kept in the row (workflows can be huge)
_MAX_SEED = 2**63 - 1  # BigIntegerField; ComfyUI seeds go up to 2**64 - 1
_DECLARED_TYPE = re.compile(r"DigitalSourceType[^>]*>\s*([^<\s]+)|DigitalSourceType=\"([^\"]+)\"")


def _without_nul(value):
    """PostgreSQL text cannot hold NUL; other tools' metadata sometimes does."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _declared_source_type(fields: dict[str, str]) -> str | None:
    match = _DECLARED_TYPE.search(fields.get("XML:com.adobe.xmp", ""))
    if not match:
        return None
    value = (match.group(1) or match.group(2)).rstrip("/").rsplit("/", 1)[-1]
    return value if re.fullmatch(r"[A-Za-z]{3,60}", value) else None


def _capped_raw(raw: dict) -> dict:
    if len(json.dumps(raw, default=str)) <= IMPORT_RAW_LIMIT:
        return raw
    kept = {k: v for k, v in raw.items() if len(json.dumps(v, default=str)) <= IMPORT_RAW_LIMIT // 4}
    return {**kept, "truncated": sorted(set(raw) - set(kept))}


def _imported_parameters(parsed: readers.ParsedMetadata) -> dict:
    """Parsed settings in our parameter names (the generator's), so the image can be remixed."""
    params = dict(parsed.parameters)
    if "steps" in params:
        params["num_inference_steps"] = params.pop("steps")
    if parsed.seed is not None:
        params["seed"] = parsed.seed
    if parsed.model:
        params["source_model"] = parsed.model
    return params


def import_upload(*, user, upload, project=None) -> Image:
    """Store one validated upload (`upload.CleanUpload`): its re-encoded pixels, the metadata parsed from
    the original bytes in our fields, and our own metadata embedded in the file."""
    fields = readers.extract_fields(upload.original)
    parsed = readers.parse_fields(fields)
    parsed = readers.ParsedMetadata(**_without_nul(parsed.as_dict()))
    width, height = upload.image.size
    known = parsed.source != "none"
    source_type = "trainedAlgorithmicMedia" if known else _declared_source_type(fields)
    steps = parsed.parameters.get("steps")
    recipe_meta = {
        "prompt": parsed.prompt,
        "negative_prompt": parsed.negative_prompt,
        "model": parsed.model,
        "seed": parsed.seed,
        "steps": steps,
        "guidance": parsed.parameters.get("guidance_scale"),
        "sampler": parsed.parameters.get("sampler"),
        "scheduler": parsed.parameters.get("scheduler"),
        "width": width,
        "height": height,
        "parameters": parsed.parameters,
        "app": metadata.APP_NAME,
        "import": {"source": parsed.source, "filename": upload.name},
    }
    # ComfyUI loads its workflow back from PNG chunks: keep them (they are text, re-validated JSON).
    extra: tuple[tuple[str, str], ...] = ()
    if parsed.source == "comfyui" and upload.fmt == "PNG":
        extra = tuple(
            (key, json.dumps(parsed.raw[key]))
            for key in ("prompt", "workflow")
            if isinstance(parsed.raw.get(key), dict)
        )
    original = _embedded(upload.image, upload.data, recipe_meta, source_type, extra)
    model = None
    if parsed.source == "imagestudio" and parsed.model:
        from imagestudio.catalog.models import AIModel

        model = AIModel.objects.filter(endpoint_id=parsed.model).first()
    summary = {key: value for key, value in parsed.as_dict().items() if key != "raw"}
    row = Image(
        user=user,
        project=project,
        model=model,
        operation="import",
        width=width,
        height=height,
        prompt=parsed.prompt,
        negative_prompt=parsed.negative_prompt,
        parameters=_imported_parameters(parsed),
        seed=parsed.seed if parsed.seed is not None and abs(parsed.seed) <= _MAX_SEED else None,
        metadata={
            "source": parsed.source,
            "source_type": source_type or "",
            "embedded": True,
            "imported": {"filename": upload.name, "parsed": summary, "raw": _capped_raw(parsed.raw)},
        },
    )
    return _save_row(row, image=upload.image, original=original, extension=FORMAT_EXTENSIONS[upload.fmt])


def import_images(*, user, uploads: list, project=None) -> list[Image]:
    """All of them or none: a failure part-way removes the rows (transaction) and the files written."""
    stored: list[Image] = []
    try:
        with transaction.atomic():
            for upload in uploads:
                stored.append(import_upload(user=user, upload=upload, project=project))
    except Exception:
        for row in stored:
            delete_files(row)
            if hasattr(renditions, "delete_renditions"):
                renditions.delete_renditions(row)
        raise
    return stored


def describe_metadata(image: Image) -> dict:
    """What `GET /api/images/{id}/metadata` answers: the recipe in one shape whatever made the image."""
    info = image.metadata or {}
    imported = info.get("imported")
    if isinstance(imported, dict) and isinstance(imported.get("parsed"), dict):
        parsed = imported["parsed"]
        raw = dict(imported.get("raw") or {})
        source = parsed.get("source") or "none"
        out = {key: parsed.get(key) for key in ("prompt", "negative_prompt", "seed", "model", "width", "height")}
        out["parameters"] = dict(parsed.get("parameters") or {})
    else:
        source = "imagestudio"
        params = {k: v for k, v in (image.parameters or {}).items() if k not in ("seed", "prompt", "negative_prompt")}
        if "num_inference_steps" in params:
            params["steps"] = params.pop("num_inference_steps")
        out = {
            "prompt": image.prompt,
            "negative_prompt": image.negative_prompt,
            "seed": image.seed,
            "model": image.model.endpoint_id if image.model_id and image.model else None,
            "width": image.width,
            "height": image.height,
            "parameters": params,
        }
        recipe = info.get("recipe")
        raw = (
            {"imagestudio_metadata": {"schema": metadata.SCHEMA_VERSION, **recipe}} if isinstance(recipe, dict) else {}
        )
    out["width"] = out.get("width") or image.width
    out["height"] = out.get("height") or image.height
    if info.get("c2pa"):
        raw["c2pa"] = info["c2pa"]
    if info.get("sha256"):
        raw["sha256"] = info["sha256"]
    return {"source": source, **out, "raw": raw}


def sidecar_for(image: Image) -> str:
    """The XMP sidecar offered on download: our recipe and the IPTC digital source type."""
    info = image.metadata or {}
    recipe = info.get("recipe")
    if not isinstance(recipe, dict):
        described = describe_metadata(image)
        params = described["parameters"]
        recipe = {
            **{key: described[key] for key in ("prompt", "negative_prompt", "seed", "model", "width", "height")},
            "steps": params.get("steps"),
            "guidance": params.get("guidance_scale"),
            "sampler": params.get("sampler"),
            "parameters": params,
            "app": metadata.APP_NAME,
            "import": {"source": described["source"]},
        }
    return metadata.sidecar_xmp(recipe, info.get("source_type") or None)


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
