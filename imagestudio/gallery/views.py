from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.gallery import comments, files, public
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.selectors import images_page, my_images
from imagestudio.lib.pagination import BadCursor
from imagestudio.workspaces.access import allows, role_in


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
    return _detail(request, image)


def _detail(
    request: AuthenticatedRequest, image, *, error: str = "", draft: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "image": image,
        "comments": list(image.comments.select_related("user").order_by("created_at")[:500]),
        "can_manage": image.project_id is None or allows(role_in(request.user, image.project.workspace_id), "manage"),
        "comment_error": error,
        "comment_draft": draft,
    }
    return render(request, "gallery/image_detail.html", context, status=status)


@login_required
@require_POST
def image_comment_add(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = get_image_for(request.user, image_id)
    text = request.POST.get("comment_text", "")
    try:
        comments.add_comment(image, user=request.user, text=text)
    except comments.CommentError as exc:
        return _detail(request, image, error=exc.message, draft=text, status=422)
    return redirect(f"{reverse('image_detail', args=[image.pk])}#comments")


@login_required
@require_POST
def image_comment_delete(request: AuthenticatedRequest, image_id, comment_id) -> HttpResponse:
    image = get_image_for(request.user, image_id)
    comments.delete_comment(image, comment_id, user=request.user)
    return redirect(f"{reverse('image_detail', args=[image.pk])}#comments")


@login_required
def image_file(request: AuthenticatedRequest, image_id) -> HttpResponseBase:
    image = get_image_for(request.user, image_id)
    name = files.download_name(image) if request.GET.get("download") else None
    return files.serve(image.file, download_name=name)


@login_required
def image_thumb(request: AuthenticatedRequest, image_id) -> HttpResponseBase:
    image = get_image_for(request.user, image_id)
    return files.serve(image.thumbnail or image.file)


# -- the public gallery (no account needed) -------------------------------------------------------


def explore(request: HttpRequest) -> HttpResponse:
    """Images people chose to show, newest first, with their prompts; signed-in visitors can remix them."""
    try:
        page = public.public_page(request.GET.get("cursor"))
    except BadCursor:
        page = public.public_page(None)
    template = (
        "gallery/partials/explore_page.html"
        if request.headers.get("HX-Request") and request.GET.get("cursor")
        else "gallery/explore.html"
    )
    return render(request, template, {"page": page})


def explore_thumb(request: HttpRequest, image_id) -> HttpResponseBase:
    image = public.get_public_image(image_id)
    return files.serve(image.thumbnail or image.file)


@login_required
@require_POST
def image_public(request: AuthenticatedRequest, image_id) -> HttpResponse:
    """Show the image in the public gallery, or take it out (its creator, or an admin of its workspace)."""
    image = get_image_for(request.user, image_id, "manage")
    public.set_public(image, request.POST.get("is_public") == "1")
    return redirect("image_detail", image_id=image.pk)
