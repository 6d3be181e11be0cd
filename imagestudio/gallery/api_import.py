"""Importing images made elsewhere, and reading an image's recipe back.

POST /api/images/import            multipart, field `files` (one or more) [+ optional `project_id`]
GET  /api/images/{id}/metadata     the recipe in one shape, whichever tool made the image
GET  /api/images/{id}/metadata.xmp an XMP sidecar with our recipe (for files we must not write into)
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema, Status

from imagestudio.gallery import files, services, upload
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.api import ImageOut
from imagestudio.workspaces.access import get_project_for

router = Router(tags=["images"])
ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 413: dict, 415: dict, 422: dict, 503: dict}


class ImportOut(Schema):
    items: list[ImageOut]


class MetadataOut(Schema):
    source: str
    prompt: str
    negative_prompt: str
    seed: int | None
    model: str | None
    width: int | None
    height: int | None
    parameters: dict
    raw: dict


def read_uploads(request) -> list[upload.CleanUpload]:
    """Every file of the request's `files` field, validated (raises UploadError on the first bad one)."""
    uploaded = request.FILES.getlist("files")
    upload.check_count(len(uploaded))
    limit = upload.limits().max_bytes
    clean = []
    for item in uploaded:
        if item.size is not None and item.size > limit:  # refuse before reading it into memory
            name = item.name or "upload"
            raise upload.UploadError(
                f"{name}: {item.size / 1048576:.0f} MB is over the {limit / 1048576:.0f} MB limit per file.",
                status=413,
                filename=name,
            )
        clean.append(upload.validate(item.name or "upload", item.read(), user=getattr(request, "user", None)))
    return clean


@router.post("/import", response={201: ImportOut, **ERRORS})
def import_images(request):
    """Import PNG, JPEG or WebP images (multipart field `files`, one or more; `project_id` optional).
    Generation metadata from AUTOMATIC1111/Forge/SD.Next, ComfyUI, InvokeAI, SwarmUI, Fooocus and NovelAI
    becomes the image's prompt, seed and parameters. All files are stored, or none."""
    project = None
    if request.POST.get("project_id"):
        try:
            project = get_project_for(request.user, UUID(request.POST["project_id"]), "edit")
        except ValueError:
            return Status(422, {"detail": "project_id is not a valid id.", "field": "project_id"})
    try:
        uploads = read_uploads(request)
    except upload.UploadError as exc:
        return Status(exc.status, {"detail": exc.message, "field": exc.field, "file": exc.filename})
    images = services.import_images(user=request.user, uploads=uploads, project=project)
    return Status(201, {"items": images})


@router.get("/{image_id}/metadata", url_name="image_metadata", response={200: MetadataOut, 401: dict, 404: dict})
def image_metadata(request, image_id: UUID):
    """The image's recipe: `source` says which tool's format it came from ("imagestudio", "a1111",
    "comfyui", "invokeai", "swarmui", "fooocus", "novelai" or "none"); `raw` holds the fields as read."""
    return services.describe_metadata(get_image_for(request.user, image_id))


@router.get("/{image_id}/metadata.xmp", url_name="image_xmp_sidecar", response={200: None, 401: dict, 404: dict})
def image_xmp_sidecar(request, image_id: UUID):
    """An XMP sidecar holding the recipe and the IPTC digital source type. For images that carry C2PA
    Content Credentials this is where our metadata lives: their bytes are stored exactly as signed."""
    image = get_image_for(request.user, image_id)
    name = files.download_name(image).rsplit(".", 1)[0] + ".xmp"
    response = HttpResponse(services.sidecar_for(image), content_type="application/rdf+xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response
