"""Iteration over the API: each route queues a job (202 + the job, like text-to-image) whose images carry
`parent_id` and `operation`. Routes that take a file (a mask, an image to start from) accept JSON with a
data URL or multipart form fields with the file; the rest take JSON.

Access: the image must be one the caller may edit (404 for an outsider's image; 403 for a team viewer).
"""

from __future__ import annotations

import json
from typing import Any, Literal
from uuid import UUID

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field, ValidationError

from imagestudio.catalog.params import ParameterError
from imagestudio.catalog.services import get_model
from imagestudio.gallery import upload
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.models import Image
from imagestudio.gallery.services import import_upload
from imagestudio.generation import experiments, operations
from imagestudio.generation.access import get_job_for, limit_generation
from imagestudio.generation.api import JobOut
from imagestudio.generation.models import Experiment, GenerationJob

generate_router = Router(tags=["generate"])
images_router = Router(tags=["iterate"])
ERRORS = {400: dict, 401: dict, 402: dict, 403: dict, 404: dict, 413: dict, 422: dict, 429: dict}
# Routes taking a file answer the upload validator's refusals too (wrong type; malware scanner away).
FILE_ERRORS = {**ERRORS, 415: dict, 503: dict}
MODEL_ID = Field(
    default=None, description="A model for the operation (GET /api/models?capability=…); default: the best available"
)


def _json_or_multipart(schema: type[Schema], files: tuple[str, ...]) -> dict:
    """OpenAPI for a body sent either as JSON or as multipart form fields with files."""
    json_schema = schema.model_json_schema()
    form = {
        "type": "object",
        "properties": {
            **{name: {"type": "string"} for name in json_schema["properties"]},
            **{name: {"type": "string", "format": "binary"} for name in files},
        },
    }
    content = {"application/json": {"schema": json_schema}, "multipart/form-data": {"schema": form}}
    return {"requestBody": {"required": True, "content": content}}


def _read(request, schema: type[Schema]) -> Any:
    """The body as `schema`: JSON, or multipart form fields (`parameters` as a JSON string)."""
    if request.content_type == "multipart/form-data":
        data: dict[str, Any] = {key: value for key, value in request.POST.items() if value != ""}
        if "parameters" in data:
            try:
                data["parameters"] = json.loads(data["parameters"])
            except ValueError:
                raise ParameterError("parameters", "parameters must be a JSON object.") from None
    else:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise ParameterError("body", "The body is not valid JSON.") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise ParameterError(field, f"{field}: {error['msg']}") from None


def _editable(request, image_id: UUID) -> Image:
    limit_generation(request)
    return get_image_for(request.user, image_id, "edit")


def _queued(request, job: GenerationJob):
    return Status(202, get_job_for(request.user, job.pk))


def _file(request, name: str) -> bytes | None:
    item = request.FILES.get(name)
    if item is None:
        return None
    if item.size is not None and item.size > upload.limits().max_bytes:  # refuse before reading it
        limit = upload.limits().max_bytes // 1048576
        raise upload.UploadError(f"{name} is over the {limit} MB limit.", status=413, field=name, filename=item.name)
    return item.read()


# -- image-to-image ---------------------------------------------------------------------------------


class ImageToImageIn(Schema):
    image_id: UUID | None = Field(default=None, description="One of your images; or send a multipart `file`")
    prompt: str = Field(max_length=4000)
    negative_prompt: str = Field(default="", max_length=2000)
    strength: float | None = Field(default=None, description="0..1: how much may change (model default if omitted)")
    model_id: str | None = MODEL_ID
    parameters: dict = Field(default_factory=dict, description="num_images, seed, … (fal's input names)")


@generate_router.post(
    "/image-to-image",
    response={202: JobOut, **FILE_ERRORS},
    openapi_extra=_json_or_multipart(ImageToImageIn, ("file",)),
)
def image_to_image(request):
    """Image-to-image from one of your images (`image_id`) or an upload (multipart `file`, validated and
    re-encoded like a gallery import, then stored as your image)."""
    limit_generation(request)
    body = _read(request, ImageToImageIn)
    source = _source_image(request, body.image_id)
    job = operations.image_to_image(
        request.user,
        source,
        prompt=body.prompt,
        negative_prompt=body.negative_prompt,
        strength=body.strength,
        model_id=body.model_id,
        parameters=body.parameters,
    )
    return _queued(request, job)


def _source_image(request, image_id: UUID | None) -> Image:
    data = _file(request, "file")
    if data is not None:
        try:
            clean = upload.validate(request.FILES["file"].name or "upload", data, user=request.user)
        except upload.UploadError as exc:
            exc.field = "file"  # answered by the API's UploadError handler with the validator's status
            raise
        return import_upload(user=request.user, upload=clean)
    if image_id is None:
        raise ParameterError("image_id", "Send image_id (one of your images) or a multipart file.")
    return get_image_for(request.user, image_id, "edit")


# -- operations on one image ------------------------------------------------------------------------


class VariationIn(Schema):
    strength: float | None = Field(
        default=None, description="Omit for new seeds of the same recipe; 0..1 to start from the image itself"
    )
    num_images: int = Field(default=1, ge=1, le=4)
    model_id: str | None = MODEL_ID


@images_router.post("/{image_id}/variation", response={202: JobOut, **ERRORS})
def variation(request, image_id: UUID, payload: VariationIn):
    image = _editable(request, image_id)
    job = operations.variation(
        request.user, image, strength=payload.strength, num_images=payload.num_images, model_id=payload.model_id
    )
    return _queued(request, job)


class UpscaleIn(Schema):
    scale: Literal[2, 4, 8] = 2
    model_id: str | None = MODEL_ID


@images_router.post("/{image_id}/upscale", response={202: JobOut, **ERRORS})
def upscale(request, image_id: UUID, payload: UpscaleIn):
    """2×, 4× or 8×; models that stop at 4× run 8× as two passes."""
    image = _editable(request, image_id)
    return _queued(request, operations.upscale(request.user, image, scale=payload.scale, model_id=payload.model_id))


class RemixIn(Schema):
    prompt: str | None = Field(default=None, max_length=4000, description="Omit to keep the image's prompt")
    negative_prompt: str | None = Field(default=None, max_length=2000)
    parameters: dict = Field(default_factory=dict, description="Overrides of the image's recipe")
    model_id: str | None = Field(default=None, description="A text-to-image model; default: the image's own")


@images_router.post("/{image_id}/remix", response={202: JobOut, **ERRORS})
def remix(request, image_id: UUID, payload: RemixIn):
    """The image's full recipe with your changes, run as text-to-image; the result is the image's child."""
    image = _editable(request, image_id)
    job = operations.remix(
        request.user,
        image,
        prompt=payload.prompt,
        negative_prompt=payload.negative_prompt,
        parameters=payload.parameters,
        model_id=payload.model_id,
    )
    return _queued(request, job)


class InpaintIn(Schema):
    mask: str | None = Field(
        default=None, description="PNG data URL (white = change), or a multipart `mask` file; the image's size"
    )
    prompt: str = Field(max_length=4000)
    negative_prompt: str = Field(default="", max_length=2000)
    model_id: str | None = MODEL_ID
    parameters: dict = Field(default_factory=dict, description="feather, num_images, seed, …")


@images_router.post(
    "/{image_id}/inpaint",
    response={202: JobOut, **FILE_ERRORS},
    openapi_extra=_json_or_multipart(InpaintIn, ("mask",)),
)
def inpaint(request, image_id: UUID):
    """Repaint where the mask is white; everything else stays as it is."""
    image = _editable(request, image_id)
    body = _read(request, InpaintIn)
    mask = _file(request, "mask")
    if mask is None:
        mask = operations.decode_data_url(body.mask or "", "mask")
    job = operations.inpaint(
        request.user,
        image,
        mask=mask,
        prompt=body.prompt,
        negative_prompt=body.negative_prompt,
        model_id=body.model_id,
        parameters=body.parameters,
    )
    return _queued(request, job)


class OutpaintIn(Schema):
    left: int = 0
    right: int = 0
    top: int = 0
    bottom: int = 0
    aspect_ratio: str | None = Field(default=None, description="Instead of margins: extend to this ratio, e.g. 16:9")
    prompt: str | None = Field(default=None, max_length=4000, description="Omit to use the image's prompt")
    model_id: str | None = MODEL_ID
    parameters: dict = Field(default_factory=dict)


@images_router.post("/{image_id}/outpaint", response={202: JobOut, **ERRORS})
def outpaint(request, image_id: UUID, payload: OutpaintIn):
    """Extend the canvas by pixels per side, or to an aspect ratio; the original stays as it is."""
    image = _editable(request, image_id)
    job = operations.outpaint(
        request.user,
        image,
        left=payload.left,
        right=payload.right,
        top=payload.top,
        bottom=payload.bottom,
        aspect_ratio=payload.aspect_ratio,
        prompt=payload.prompt,
        model_id=payload.model_id,
        parameters=payload.parameters,
    )
    return _queued(request, job)


class ModelIn(Schema):
    model_id: str | None = MODEL_ID


@images_router.post("/{image_id}/remove-background", response={202: JobOut, **ERRORS})
def remove_background(request, image_id: UUID, payload: ModelIn | None = None):
    """A PNG with the background made transparent."""
    image = _editable(request, image_id)
    model_id = payload.model_id if payload else None
    return _queued(request, operations.remove_background(request.user, image, model_id=model_id))


class StyleTransferIn(Schema):
    style_image_id: UUID
    strength: float | None = Field(default=None, ge=0, le=1)
    model_id: str | None = MODEL_ID


@images_router.post("/{image_id}/style-transfer", response={202: JobOut, **ERRORS})
def style_transfer(request, image_id: UUID, payload: StyleTransferIn):
    image = _editable(request, image_id)
    try:
        style = get_image_for(request.user, payload.style_image_id)
    except Http404:
        raise ParameterError("style_image_id", "No such image to take the style from.") from None
    job = operations.style_transfer(
        request.user, image, style_image=style, strength=payload.strength, model_id=payload.model_id
    )
    return _queued(request, job)


class CropIn(Schema):
    x: int | None = None
    y: int | None = None
    width: int | None = None
    height: int | None = None
    aspect_ratio: str | None = Field(default=None, description="Instead of a box: the largest centred crop")


class SizeIn(Schema):
    width: int
    height: int


class AdjustIn(Schema):
    brightness: float = Field(default=0, ge=-1, le=1)
    contrast: float = Field(default=0, ge=-1, le=1)
    saturation: float = Field(default=0, ge=-1, le=1)
    temperature: float = Field(default=0, ge=-1, le=1)


class EditIn(Schema):
    crop: CropIn | None = None
    rotate: float | None = Field(default=None, description="Degrees, positive turns counter-clockwise")
    flip: Literal["horizontal", "vertical"] | None = None
    resize: SizeIn | None = None
    adjust: AdjustIn | None = None


@images_router.post("/{image_id}/edit", response={202: JobOut, **ERRORS})
def edit(request, image_id: UUID, payload: EditIn):
    """Crop, rotate, flip, resize and adjust (in that order), saved as a new version. Free."""
    image = _editable(request, image_id)
    steps = payload.model_dump(exclude_none=True)
    return _queued(request, operations.edit(request.user, image, steps=steps))


# -- A/B and X/Y comparisons ------------------------------------------------------------------------


class AxisIn(Schema):
    name: str = Field(description="A model setting to sweep, e.g. guidance_scale")
    values: list[str | float | int | bool] = Field(min_length=2, max_length=experiments.MAX_VALUES)


class CompareIn(Schema):
    model_id: str
    prompts: list[str] | None = Field(default=None, description="A/B: 2–6 prompts, one row each")
    prompt: str = Field(default="", max_length=4000, description="X/Y: the prompt every cell shares")
    negative_prompt: str = Field(default="", max_length=2000)
    x: AxisIn | None = Field(default=None, description="Columns: a setting swept over values")
    y: AxisIn | None = Field(default=None, description="Rows (X/Y only): a second setting")
    seeds: list[int] | None = Field(default=None, description="The seeds every cell uses (at most 4)")
    seed_count: int = Field(default=2, ge=1, le=experiments.MAX_SEEDS, description="Random seeds, when none given")
    parameters: dict = Field(default_factory=dict, description="Settings every cell shares (fal's input names)")


class CompareCellOut(Schema):
    row: int
    column: int
    seed: int
    job: JobOut


class CompareOut(Schema):
    id: UUID
    model_id: str
    rows: list[str]
    columns: list[str]
    seeds: list[int]
    winner_id: UUID | None
    cells: list[CompareCellOut]


def _compare_out(experiment: Experiment) -> dict:
    grid = experiments.grid_of(experiment)
    jobs = {str(job.pk): job for _, cells in grid.rows for cell in cells for _, job in cell.results}
    return {
        "id": experiment.pk,
        "model_id": experiment.model.endpoint_id,
        "rows": experiment.axes.get("rows", []),
        "columns": experiment.axes.get("columns", []),
        "seeds": experiment.seeds,
        "winner_id": experiment.winner_id,
        "cells": [{**cell, "job": jobs[cell["job"]]} for cell in experiment.cells if cell["job"] in jobs],
    }


@generate_router.post("/compare", response={202: CompareOut, **ERRORS})
def compare(request, payload: CompareIn):
    """A/B (`prompts`) or X/Y (`x`, optional `y`) on the same seeds: one job per cell and seed, queued all at
    once with credits reserved up front. Poll GET /api/generate/compare/{id} for the grid."""
    limit_generation(request)
    model = get_model(payload.model_id)
    if model is None:
        raise ParameterError("model_id", f"No model {payload.model_id!r}. GET /api/models lists them.")
    x = _axis(model, payload.x, "x")
    y = _axis(model, payload.y, "y")
    experiment = experiments.start(
        request.user,
        model=model,
        prompt=payload.prompt,
        negative_prompt=payload.negative_prompt,
        prompts=payload.prompts,
        x=x,
        y=y,
        seeds=payload.seeds,
        seed_count=payload.seed_count,
        parameters=payload.parameters,
    )
    return Status(202, _compare_out(experiment))


def _axis(model, axis: AxisIn | None, field: str) -> experiments.Axis | None:
    if axis is None:
        return None
    return experiments.parse_axis(model, axis.name, ",".join(str(value) for value in axis.values), field)


@generate_router.get("/compare/{experiment_id}", response={200: CompareOut, 401: dict, 404: dict})
def compare_status(request, experiment_id: UUID):
    experiment = Experiment.objects.filter(pk=experiment_id, user=request.user).select_related("model").first()
    if experiment is None:
        raise Http404("No such comparison.")
    return _compare_out(experiment)
