"""The import page: a drop zone, then the imported images with the prompts and settings read from them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.gallery import files, services, upload
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.api_import import read_uploads
from imagestudio.gallery.interop.readers import SOURCE_LABELS


def import_rows(images) -> list[dict]:
    """What the result list shows per image: the image, its parsed recipe and where it came from."""
    rows = []
    for image in images:
        described = services.describe_metadata(image)
        rows.append(
            {
                "image": image,
                "meta": described,
                "source_label": SOURCE_LABELS.get(described["source"], described["source"]),
                "filename": ((image.metadata or {}).get("imported") or {}).get("filename", ""),
            }
        )
    return rows


def _limits_context() -> dict:
    limit = upload.limits()
    return {
        "max_files": limit.max_files,
        "max_mb": limit.max_bytes // (1024 * 1024),
        "max_mp": limit.max_pixels // 1_000_000,
    }


@login_required
def import_page(request: AuthenticatedRequest) -> HttpResponse:
    """GET: the drop zone. POST (multipart `files`; htmx swaps in the results partial): import them."""
    context: dict[str, object] = {"limits": _limits_context()}
    if request.method != "POST":
        return render(request, "gallery/import.html", context)
    try:
        images = services.import_images(user=request.user, uploads=read_uploads(request))
    except upload.UploadError as exc:
        context["error"] = exc.message
        if request.htmx:  # htmx swaps only 2xx answers: the error goes in the results area
            return render(request, "gallery/partials/import_results.html", context)
        return render(request, "gallery/import.html", context, status=exc.status)
    context["rows"] = import_rows(images)
    if request.htmx:
        return render(request, "gallery/partials/import_results.html", context)
    return render(request, "gallery/import.html", context, status=201)


@login_required
def xmp_sidecar(request: AuthenticatedRequest, image_id) -> HttpResponse:
    """The image's XMP sidecar as a download (the page twin of GET /api/images/{id}/metadata.xmp)."""
    image = get_image_for(request.user, image_id)
    name = files.download_name(image).rsplit(".", 1)[0] + ".xmp"
    response = HttpResponse(services.sidecar_for(image), content_type="application/rdf+xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response
