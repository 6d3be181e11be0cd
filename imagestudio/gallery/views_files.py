"""Pages for image files: similar & duplicates, find similar, the storage panel and srcset renditions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.gallery import files, renditions, similarity, storage_usage
from imagestudio.gallery.api_files import duplicates_page, similar_items
from imagestudio.gallery.models import Image
from imagestudio.workspaces.access import get_image_for

GROUPS_PER_PAGE = 12
THRESHOLDS = [
    (0, gettext_lazy("Identical")),
    (3, gettext_lazy("Nearly identical")),
    (6, gettext_lazy("Very similar")),
    (8, gettext_lazy("Similar")),
    (10, gettext_lazy("Loosely similar")),
]


@login_required
def duplicates(request: AuthenticatedRequest) -> HttpResponse:
    """Near-duplicate groups among your images, side by side, with keep/trash actions."""
    raw = request.GET.get("threshold", str(similarity.DEFAULT_THRESHOLD))
    context: dict = {"thresholds": THRESHOLDS, "threshold_raw": raw}
    try:
        page = duplicates_page(request.user, raw, request.GET.get("cursor"), GROUPS_PER_PAGE)
    except similarity.ThresholdError as exc:
        context.update(error=str(exc), error_field=exc.field, page=None, threshold=similarity.DEFAULT_THRESHOLD)
        return render(request, "gallery/files/duplicates.html", context, status=422)
    context.update(page=page, threshold=page["threshold"], hashed_count=similarity.hashed_count(request.user))
    if page["next_cursor"]:
        context["next_url"] = "?" + urlencode({"threshold": page["threshold"], "cursor": page["next_cursor"]})
    if request.htmx and request.GET.get("cursor"):
        return render(request, "gallery/files/partials/duplicate_groups.html", context)
    return render(request, "gallery/files/duplicates.html", context)


@login_required
@require_POST
def duplicates_trash(request: AuthenticatedRequest) -> HttpResponse:
    """Move the posted images to the trash (each needs the manage right), then back to the groups."""
    ids = request.POST.getlist("ids")[:200]
    back = reverse("image_duplicates") + "?" + urlencode({"threshold": request.POST.get("threshold", "")})
    if not ids:
        messages.error(request, gettext("Nothing was selected to move to the trash."))
        return redirect(back)
    images = [get_image_for(request.user, pk, "manage") for pk in ids]
    from imagestudio.gallery import trash  # F's module: the one delete

    trash.soft_delete(images, by=request.user)
    count = len(images)
    messages.success(
        request,
        ngettext("Moved %(count)s image to the trash.", "Moved %(count)s images to the trash.", count)
        % {"count": count},
    )
    return redirect(back)


@login_required
def find_similar(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = get_image_for(request.user, image_id)
    items = similar_items(request.user, image, 48)
    return render(request, "gallery/files/similar.html", {"image": image, "items": items})


@login_required
def compare(request: AuthenticatedRequest, image_id) -> HttpResponse:
    """Two images, before and after: a draggable split or side by side, zoomed and panned together.

    `?with=<id>` names the "before" image; without it, the image's parent. 404 when either is not visible."""
    image = get_image_for(request.user, image_id)
    other_id = request.GET.get("with") or image.parent_image_id
    before = get_image_for(request.user, other_id) if other_id else None
    return render(request, "gallery/files/compare.html", {"image": image, "before": before})


@login_required
def storage_panel(request: AuthenticatedRequest) -> HttpResponse:
    usage = storage_usage.usage_for(request.user)
    context = {"usage": usage, "usage_rows": _rows(usage)}
    template = "gallery/files/partials/storage_panel.html" if request.htmx else "gallery/files/storage.html"
    return render(request, template, context)


def _rows(usage: storage_usage.StorageUsage) -> dict:
    def rows(parts):
        return [{"part": p, "share": usage.share(p)} for p in parts]

    return {"formats": rows(usage.by_format), "projects": rows(usage.by_project[:6])}


@login_required
def rendition(request: AuthenticatedRequest, image_id, width: int, fmt: str) -> HttpResponseBase:
    """One srcset rendition; the thumbnail when this image has none at that width."""
    if fmt not in renditions.SRCSET_FORMATS:
        raise Http404("No such rendition.")
    image = get_image_for(request.user, image_id)
    name = renditions.rendition_file_name(image, fmt, width)
    if name is None:
        return files.serve(image.thumbnail or image.file)
    return files.serve(FieldFile(image, Image._meta.get_field("thumbnail"), name))
