"""Files API (mounted at /api/images, before the gallery router): downloads and conversions, bulk ZIP and
metadata export, near-duplicates and find-similar, versions, storage used."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

from django.http import FileResponse, HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from ninja import Field, Router, Schema

from imagestudio.gallery import export, files, renditions, similarity, storage_usage, versions
from imagestudio.gallery.api import ImageOut
from imagestudio.gallery.models import Image
from imagestudio.workspaces.access import get_image_for

router = Router(tags=["images"])

GROUPS_PER_PAGE = 20
SIMILAR_LIMIT = 24


def _unprocessable(message: str, field: str) -> JsonResponse:
    return JsonResponse({"detail": message, "field": field}, status=422)


# -- download ---------------------------------------------------------------------------------------


@router.get("/download/{image_id}", url_name="image_download", response={200: None, 404: dict, 422: dict})
def download_image(request, image_id: UUID, format: str | None = None, size: str | None = None):
    """The original (no parameters), or a conversion: `format` png|jpeg|webp|avif, `size` the longest edge
    in pixels (16–8192, never upscaled). Attachment named after the prompt and seed."""
    try:
        fmt = renditions.parse_download_format(format)
        max_edge = renditions.parse_download_size(size)
    except renditions.ConversionError as exc:
        return _unprocessable(exc.message, exc.field)
    image = get_image_for(request.user, image_id)
    return download_response(image, fmt, max_edge)


def download_response(image: Image, fmt: str | None, max_edge: int | None):
    original_format = "jpeg" if image.format in ("jpg", "jpeg") else image.format
    fits = max_edge is None or max(image.width, image.height) <= max_edge
    if (fmt is None or fmt == original_format) and fits:
        return files.serve(image.file, download_name=files.download_name(image))
    target = fmt or (original_format if original_format in renditions.DOWNLOAD_CONTENT_TYPES else "png")
    with image.file.open("rb") as source:
        converted, width, height = renditions.convert(source, target, max_edge)
    base = files.download_name(image).rsplit(".", 1)[0]
    suffix = f"-{max(width, height)}px" if max_edge is not None and not fits else ""
    name = f"{base}{suffix}.{renditions.DOWNLOAD_EXTENSIONS[target]}"
    converted.seek(0, 2)
    length = converted.tell()
    converted.seek(0)
    response = FileResponse(converted, content_type=renditions.DOWNLOAD_CONTENT_TYPES[target])
    response["Content-Length"] = str(length)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# -- export -----------------------------------------------------------------------------------------


class ExportIn(Schema):
    """Exactly one of: `ids` (selected images), `filter` (gallery parameters, as on /api/images) or
    `all: true`. Forms may post the same as fields: ids (repeated), filter (a query string), all=1."""

    ids: list[str] | None = None
    filter: dict[str, Any] | None = None
    all: bool = False


def _selection(request: HttpRequest) -> export.Selection:
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise export.ExportError("The body must be JSON.", "body") from None
        if not isinstance(body, dict):
            raise export.ExportError("The body must be a JSON object.", "body")
        ids = body.get("ids")
        if ids is not None and not isinstance(ids, list):
            raise export.ExportError("ids must be a list of image ids.", "ids")
        raw_filter = body.get("filter")
        everything = body.get("all") is True
    else:
        ids = request.POST.getlist("ids") or None
        filter_text = request.POST.get("filter")
        raw_filter = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(filter_text).items()} if filter_text else None
        if filter_text is not None and raw_filter is None:
            raw_filter = {}
        everything = request.POST.get("all") in ("1", "true", "on")
    return export.parse_selection(ids, raw_filter, everything)


def _resolved(request: HttpRequest):
    selection = _selection(request)
    return selection, export.resolve(request.user, selection)


@router.post(
    "/export/zip",
    url_name="images_export_zip",
    response={200: None, 404: dict, 422: dict},
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": ExportIn.model_json_schema()}}}},
)
def export_zip(request):
    """A ZIP of the originals with metadata.json and metadata.csv, streamed (constant memory)."""
    try:
        selection, images = _resolved(request)
    except export.ExportError as exc:
        return _unprocessable(exc.message, exc.field)
    response = StreamingHttpResponse(export.stream_zip(images, selection.description), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export.zip_name()) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/export/metadata",
    url_name="images_export_metadata",
    response={200: None, 404: dict, 422: dict},
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": ExportIn.model_json_schema()}}}},
)
def export_metadata(request, format: str = "json"):
    """Metadata of the selected images as JSON (`format=json`) or CSV (`format=csv`), streamed."""
    fmt = (format or "").lower()
    if fmt not in ("json", "csv"):
        return _unprocessable("Format must be json or csv.", "format")
    try:
        selection, images = _resolved(request)
    except export.ExportError as exc:
        return _unprocessable(exc.message, exc.field)
    if fmt == "json":
        stream = export.stream_json(images, selection.description)
        content_type = "application/json"
    else:
        stream = export.stream_csv(images)
        content_type = "text/csv; charset=utf-8"
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.metadata_name(fmt)) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


# -- storage ----------------------------------------------------------------------------------------


class StoragePartOut(Schema):
    key: str
    label: str
    images: int
    originals_bytes: int
    renditions_bytes: int
    total_bytes: int


class StorageOut(Schema):
    total_bytes: int
    originals_bytes: int
    renditions_bytes: int
    images: int
    live: StoragePartOut
    trash: StoragePartOut
    by_format: list[StoragePartOut]
    by_project: list[StoragePartOut]


@router.get("/storage", response=StorageOut, url_name="images_storage")
def storage(request):
    """Bytes your images take (originals + renditions), by format, by project and in the trash."""
    return storage_usage.usage_for(request.user).as_dict()


# -- similar and duplicates -------------------------------------------------------------------------


class DuplicateGroupOut(Schema):
    max_distance: int
    items: list[ImageOut]


class DuplicatesOut(Schema):
    threshold: int
    groups: list[DuplicateGroupOut]
    total_groups: int
    next_cursor: str | None


@router.get("/duplicates", response={200: DuplicatesOut, 422: dict}, url_name="images_duplicates")
def duplicates(request, threshold: str = str(similarity.DEFAULT_THRESHOLD), cursor: str | None = None):
    """Groups of near-duplicates among your images (perceptual hashes within `threshold` bits of 64,
    0–10), largest group first, 20 groups a page."""
    try:
        page = duplicates_page(request.user, threshold, cursor)
    except similarity.ThresholdError as exc:
        return _unprocessable(str(exc), exc.field)
    return page


def duplicates_page(user, threshold: Any, cursor: str | None, per_page: int = GROUPS_PER_PAGE) -> dict:
    value = similarity.check_threshold(threshold)
    groups = similarity.duplicate_groups(user, value)
    start = 0
    if cursor:
        if not cursor.isdigit():
            raise similarity.ThresholdError("That page link is invalid; start from the first page.", "cursor")
        start = int(cursor)
    window = groups[start : start + per_page]
    by_id = Image.objects.select_related("model").in_bulk([pk for g in window for pk in g.ids])
    out = []
    for group in window:
        items = [by_id[pk] for pk in group.ids if pk in by_id]
        if len(items) > 1:
            out.append({"max_distance": group.max_distance, "items": items})
    more = start + per_page < len(groups)
    return {
        "threshold": value,
        "groups": out,
        "total_groups": len(groups),
        "next_cursor": str(start + per_page) if more else None,
    }


class SimilarOut(Schema):
    distance: int
    similarity: float
    image: ImageOut


class SimilarListOut(Schema):
    items: list[SimilarOut]


@router.get("/{image_id}/similar", response={200: SimilarListOut, 404: dict, 422: dict}, url_name="image_similar")
def similar(request, image_id: UUID, limit: int = SIMILAR_LIMIT):
    """Images that look most like this one (perceptual hash distance, nearest first)."""
    if not 1 <= limit <= 100:
        return _unprocessable("Limit must be between 1 and 100.", "limit")
    image = get_image_for(request.user, image_id)
    return {"items": similar_items(request.user, image, limit)}


def similar_items(user, image: Image, limit: int) -> list[dict]:
    return [
        {"distance": d, "similarity": round(100 * (64 - d) / 64, 1), "image": other}
        for other, d in similarity.similar_to(image, limit, user=user)
    ]


# -- versions ---------------------------------------------------------------------------------------


class VersionsOut(Schema):
    root_id: UUID
    items: list[ImageOut]
    next_cursor: str | None


@router.get("/{image_id}/versions", response={200: VersionsOut, 400: dict, 404: dict}, url_name="image_versions")
def image_versions(request, image_id: UUID, cursor: str | None = None, limit: int = versions.PAGE_LIMIT):
    """Every version of this image (all images sharing its lineage root), oldest first."""
    image = get_image_for(request.user, image_id)
    page = versions.versions_page(request.user, image, cursor, max(1, min(limit, 100)))
    return {"root_id": versions.root_id(image), "items": page.items, "next_cursor": page.next_cursor}


class LineageNodeOut(Schema):
    id: UUID
    parent_id: UUID | None
    operation: str
    parameters: dict
    created_at: datetime
    distance: int = Field(description="Steps from the image asked about: 1 is its parent or a child")
    thumbnail_url: str

    @staticmethod
    def resolve_id(node: versions.LineageNode) -> UUID:
        return node.image.pk

    @staticmethod
    def resolve_operation(node: versions.LineageNode) -> str:
        return node.image.operation

    @staticmethod
    def resolve_parameters(node: versions.LineageNode) -> dict:
        return node.image.parameters

    @staticmethod
    def resolve_thumbnail_url(node: versions.LineageNode) -> str:
        return reverse("api:image_thumbnail", args=[node.image.pk])


class LineageOut(Schema):
    image_id: UUID
    root_id: UUID
    ancestors: list[LineageNodeOut] = Field(description="The lineage's root first, the image's parent last")
    descendants: list[LineageNodeOut] = Field(description="Breadth first: children, then grandchildren, …")
    truncated: bool = Field(description=f"More than {versions.LINEAGE_LIMIT} images: far relatives left out")


@router.get("/{image_id}/lineage", response={200: LineageOut, 404: dict}, url_name="image_lineage")
def image_lineage(request, image_id: UUID):
    """Where this image came from and what was made from it: ancestors and descendants, each with its
    operation (generate, variation, upscale, …) and parameters. 404 for an image you cannot see."""
    image = get_image_for(request.user, image_id)
    tree = versions.lineage(request.user, image)
    return {
        "image_id": image.pk,
        "root_id": tree.root_id,
        "ancestors": tree.ancestors,
        "descendants": tree.descendants,
        "truncated": tree.truncated,
    }
