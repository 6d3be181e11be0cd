"""Serving private image files after an access check: streamed from disk, or a short-lived S3 link."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def serve(field: FieldFile, *, download_name: str | None = None) -> HttpResponseBase:
    name = field.name or ""  # the file fields served here are never blank
    extension = name.rsplit(".", 1)[-1].lower()
    if isinstance(default_storage, FileSystemStorage):
        response = FileResponse(
            default_storage.open(name, "rb"),
            content_type=CONTENT_TYPES.get(extension),
            as_attachment=download_name is not None,
            filename=download_name or "",
        )
        # File names are unique per upload, so the bytes behind a URL never change.
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        return response
    parameters = {}
    if download_name:
        # RFC 6266: an ASCII fallback plus filename*=UTF-8'' for names from non-English prompts.
        parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name) or "attachment"
    # S3Storage.url takes `parameters`; the base Storage type does not know it.
    redirect = HttpResponseRedirect(default_storage.url(name, parameters=parameters))  # type: ignore[call-arg]
    redirect["Cache-Control"] = "private, max-age=300"
    return redirect


def download_name(image) -> str:
    words = "-".join("".join(c for c in image.prompt.lower() if c.isalnum() or c == " ").split()[:6]) or "image"
    return f"{words}-{image.seed if image.seed is not None else str(image.pk)[:8]}.{image.file.name.rsplit('.', 1)[-1]}"
