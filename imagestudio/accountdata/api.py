"""The account export over the API: POST /api/settings/export starts one, GET /api/settings/export/{id}
reports its progress and, when ready, where to download it (the same signed-in download as the page)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import Field

from imagestudio.accountdata import exports
from imagestudio.accountdata.models import DataExport
from imagestudio.accounts.api import ErrorOut

router = Router(tags=["your data"])


class ExportOut(Schema):
    id: UUID
    status: str = Field(description="queued, running, ready, failed or expired")
    done: int = Field(description="Images written so far")
    total: int = Field(description="Images to write")
    size: int = Field(description="Bytes of the ZIP once ready (0 before)")
    counts: dict[str, int] = Field(description="What the archive holds: images, missing_images, prompts, …")
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When the file is deleted")
    download_url: str | None = Field(description="Where to download the ZIP while it is ready (sign-in required)")


def _out(export: DataExport) -> dict:
    usable = exports.usable(export)
    return {
        "id": export.pk,
        "status": export.status,
        "done": export.done,
        "total": export.total,
        "size": export.size,
        "counts": export.counts or {},
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "expires_at": export.expires_at,
        "download_url": settings.APP_URL + exports.download_path(export) if usable else None,
    }


@router.post(
    "/export",
    response={202: ExportOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="Export everything you own",
    description="Starts building one ZIP of your images (originals), their recipes, projects, collections, "
    "prompts and settings; you are emailed when it is ready. One export at a time (409 while one runs).",
)
def start_export(request):
    try:
        export = exports.request_export(user=request.user)
    except exports.ExportError as exc:
        return Status(409, {"detail": str(exc), "field": None})
    return Status(202, _out(export))


@router.get(
    "/export/{export_id}",
    response={200: ExportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="An export's progress",
    description="Poll until `status` is ready, then download from `download_url`. Another person's export is 404.",
)
def get_export(request, export_id: UUID):
    found = DataExport.objects.filter(pk=export_id, user=request.user).first()
    if found is None:
        return Status(404, {"detail": "You have no export with this id.", "field": None})
    return Status(200, _out(found))
