from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.gallery import files
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.selectors import images_page, my_images
from imagestudio.lib.pagination import BadCursor


@login_required
def image_list(request: AuthenticatedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    try:
        page = images_page(request.user, request.GET.get("cursor"), q=q)
    except BadCursor as exc:
        return render(request, "gallery/image_list.html", {"page": None, "error": str(exc), "q": q}, status=400)
    if request.htmx and request.GET.get("cursor"):
        return render(request, "gallery/partials/image_grid_page.html", {"page": page, "q": q})
    context = {"page": page, "q": q, "image_count": my_images(request.user, q).count()}
    return render(request, "gallery/image_list.html", context)


@login_required
def image_detail(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = get_image_for(request.user, image_id)
    return render(request, "gallery/image_detail.html", {"image": image})


@login_required
def image_file(request: AuthenticatedRequest, image_id) -> HttpResponseBase:
    image = get_image_for(request.user, image_id)
    name = files.download_name(image) if request.GET.get("download") else None
    return files.serve(image.file, download_name=name)


@login_required
def image_thumb(request: AuthenticatedRequest, image_id) -> HttpResponseBase:
    image = get_image_for(request.user, image_id)
    return files.serve(image.thumbnail or image.file)
