from __future__ import annotations

import json
from urllib.parse import parse_qsl

from django.apps import apps as django_apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.catalog.models import AIModel
from imagestudio.gallery import comments, files, manage, public, trash
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.filters import (
    FIELD_LABELS,
    SORT_LABELS,
    FilterError,
    ImageFilters,
    parse_filters,
    parse_jump,
    query_string,
)
from imagestudio.gallery.selectors import browse_count, browse_page
from imagestudio.lib.pagination import BadCursor
from imagestudio.preferences.middleware import settings_of
from imagestudio.preferences.services import update_settings
from imagestudio.workspaces.access import allows, role_in

GALLERY_VIEWS = ("grid", "masonry", "list")


def gallery_view_for(request: AuthenticatedRequest) -> str:
    """The view asked for in ?view= (remembered for next time in the user's settings), else the one they
    chose last (Settings → Preferences sets it too)."""
    row = settings_of(request)
    asked = request.GET.get("view", "")
    if asked in GALLERY_VIEWS:
        if row is not None and row.gallery_view_mode != asked:
            update_settings(user=request.user, changes={"gallery_view_mode": asked})
            row.gallery_view_mode = asked
        return asked
    saved = row.gallery_view_mode if row is not None else ""
    return saved if saved in GALLERY_VIEWS else "grid"


def filter_bar_context(request: AuthenticatedRequest, filters: ImageFilters) -> dict:
    """Choices for the filter bar: models, projects (and collections, when that app is there)."""
    from imagestudio.workspaces import access

    context = {
        "sorts": list(SORT_LABELS.items()),
        "models": list(AIModel.objects.order_by("display_name").values("name", "endpoint_id", "display_name")),
        "projects": list(access.projects_visible_to(request.user).order_by("name").values("id", "name")[:200]),
        "collections": [],
        "view_choices": [
            ("grid", gettext("Grid"), "grid"),
            ("masonry", gettext("Masonry"), "layers"),
            ("list", gettext("List"), "list"),
        ],
        "jump_hidden": [(k, v) for k, v in parse_qsl(query_string(request.GET)) if k != "jump"],
        "tags_text": ", ".join(filters.tags),
        "jump_allowed": filters.sort in ("newest", "oldest"),
        "filters_open": any(
            value not in (None, "", []) for name, value in vars(filters).items() if name not in ("q", "sort")
        ),
    }
    visible = getattr(access, "collections_visible_to", None)
    if visible is not None and django_apps.is_installed("imagestudio.collections"):
        context["collections"] = list(visible(request.user).order_by("name").values("id", "name")[:200])
    return context


@login_required
def image_list(request: AuthenticatedRequest) -> HttpResponse:
    """The gallery: grid, masonry or list; filters and sort in the URL; keyset pages; jump to a date.
    `?count=1` answers just the result count (the page loads it once its images are shown)."""
    view = gallery_view_for(request)
    cursor = request.GET.get("cursor") or None
    query = query_string(request.GET)
    context: dict = {"view": view, "page": None, "error": "", "error_field": "", "filters": ImageFilters()}
    context["query"] = query
    status = 200
    try:
        filters = parse_filters(request.GET)
        context["filters"] = filters
        if request.GET.get("count") == "1":
            count, more = browse_count(request.user, filters)
            context.update(image_count=count, more=more)
            return render(request, "gallery/partials/result_count.html", context)
        context["page"] = browse_page(request.user, filters, cursor, jump=parse_jump(request.GET), for_page=True)
    except FilterError as exc:
        context.update(error=exc.message, error_field=exc.field, error_label=FIELD_LABELS.get(exc.field, exc.field))
        status = 422
    except BadCursor as exc:
        context["error"] = str(exc)
        status = 400
    if request.htmx and cursor and context["page"] is not None:
        return render(request, "gallery/partials/image_grid_page.html", context)
    context.update(filter_bar_context(request, context["filters"]))
    return render(request, "gallery/image_list.html", context, status=status)


@login_required
def image_detail(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = get_image_for(request.user, image_id)
    return _detail(request, image)


def _detail(
    request: AuthenticatedRequest, image, *, error: str = "", draft: str = "", status: int = 200, **extra
) -> HttpResponse:
    role = role_in(request.user, image.project.workspace_id) if image.project_id else None
    context = {
        "image": image,
        "comments": list(image.comments.select_related("user").order_by("created_at")[:500]),
        "can_manage": image.project_id is None or allows(role, "manage"),
        "can_edit": image.project_id is None or allows(role, "edit"),
        "comment_error": error,
        "comment_draft": draft,
        "trash_note": gettext(
            "You can restore it from the trash for %(days)s days; after that it is deleted for good, files included."
        )
        % {"days": trash.retention_days()},
        **extra,
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


# -- managing one image: favourite, rating, tags, title and notes; the trash ----------------------
# Each POST answers HTMX with the manage panel it swaps (errors inside it, status 200 so HTMX swaps them),
# and a plain form post with a redirect back to the image (or the page again with the error, status 422).


def _managed(
    request: AuthenticatedRequest, image, *, error: manage.ManageError | None = None, message: str = ""
) -> HttpResponse:
    if request.htmx:
        context = {"image": image, "can_edit": True, "manage_error": error, "tag_draft": request.POST.get("tags", "")}
        response = render(request, "gallery/partials/image_manage.html", context)
        if message and not error:  # an error shows beside its field instead
            response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": "success"}})
        return response
    if error:
        return _detail(request, image, manage_error=error, status=422)
    if message:
        messages.success(request, message)
    return redirect("image_detail", image_id=image.pk)


@login_required
@require_POST
def image_favorite(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = manage.toggle_favorite(manage.editable_image(request.user, image_id), by=request.user)
    return _managed(
        request,
        image,
        message=gettext("Added to favourites.") if image.is_favorite else gettext("Removed from favourites."),
    )


@login_required
@require_POST
def image_rate(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = manage.editable_image(request.user, image_id)
    try:
        rating = manage.clean_rating(request.POST.get("rating"))
    except manage.ManageError as exc:
        return _managed(request, image, error=exc)
    if rating is not None and rating == image.rating:
        rating = None  # choosing the current rating again clears it
    manage.set_rating(image, rating, by=request.user)
    stars = (
        ngettext("Rated %(count)s star.", "Rated %(count)s stars.", rating) % {"count": rating}
        if rating
        else gettext("Rating cleared.")
    )
    return _managed(request, image, message=stars)


@login_required
@require_POST
def image_details(request: AuthenticatedRequest, image_id) -> HttpResponse:
    """Title and notes, edited in place."""
    image = manage.editable_image(request.user, image_id)
    try:
        title = manage.clean_title(request.POST.get("title", ""))
        notes = manage.clean_notes(request.POST.get("notes", ""))
    except manage.ManageError as exc:
        return _managed(request, image, error=exc)
    manage.update_details(image, title=title, notes=notes, by=request.user)
    return _managed(request, image, message=gettext("Saved."))


@login_required
@require_POST
def image_tags(request: AuthenticatedRequest, image_id) -> HttpResponse:
    """Add the comma-separated `tags`, or take away `remove`."""
    image = manage.editable_image(request.user, image_id)
    try:
        if "remove" in request.POST:
            gone = manage.clean_tag(request.POST["remove"])
            manage.set_tags(image, [tag for tag in image.tags if tag != gone], by=request.user)
            return _managed(request, image, message=gettext("Removed the tag “%(tag)s”.") % {"tag": gone})
        added = manage.clean_tags(request.POST.get("tags", ""))
        if not added:
            raise manage.ManageError("tags", gettext("Type a tag to add (separate several with commas)."))
        manage.set_tags(image, [*image.tags, *added], by=request.user)
    except manage.ManageError as exc:
        return _managed(request, image, error=exc)
    return _managed(request, image)


@login_required
def tag_suggestions(request: AuthenticatedRequest) -> HttpResponse:
    """<option>s for the tag input's datalist: the user's most used tags starting with what they typed."""
    typed = request.GET.get("tags", request.GET.get("prefix", ""))
    head, comma, prefix = typed.rpartition(",")  # the tag being typed comes after earlier ones
    before = f"{head.strip()}, " if comma else ""
    tags = manage.suggest_tags(request.user, prefix, 8)
    return render(request, "gallery/partials/tag_options.html", {"tags": tags, "before": before})


@login_required
@require_POST
def image_trash(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = manage.editable_image(request.user, image_id)
    trash.soft_delete([image], by=request.user)
    days = trash.retention_days()
    messages.success(
        request,
        gettext("Moved to the trash. It stays there for %(days)s days; restore it from the trash.") % {"days": days},
    )
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("image_list")
        return response
    return redirect("image_list")


@login_required
def trash_list(request: AuthenticatedRequest) -> HttpResponse:
    try:
        page = trash.trash_page(request.user, request.GET.get("cursor"))
    except BadCursor as exc:
        return render(request, "gallery/trash.html", {"page": None, "error": str(exc)}, status=400)
    days = trash.retention_days()
    context = {"page": page, "retention_days": days}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "gallery/partials/trash_page.html", context)
    count = trash.trashed_count(request.user, "edit")
    held = ngettext("%(count)s image · ", "%(count)s images · ", count) % {"count": count} if count else ""
    context["subtitle"] = held + gettext(
        "Deleted images wait here for %(days)s days, then they are deleted for good with their files."
    ) % {"days": days}
    return render(request, "gallery/trash.html", context)


@login_required
def trash_thumb(request: AuthenticatedRequest, image_id) -> HttpResponseBase:
    image = trash.get_trashed_for(request.user, image_id, "edit")
    return files.serve(image.thumbnail or image.file)


@login_required
@require_POST
def trash_restore(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = trash.get_trashed_for(request.user, image_id, "edit")
    trash.restore([image], by=request.user)
    messages.success(request, gettext("Restored: the image is back in your gallery."))
    return redirect("trash")


@login_required
@require_POST
def trash_delete(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = trash.get_trashed_for(request.user, image_id, "manage")
    trash.delete_forever([image], by=request.user)
    messages.success(request, gettext("Deleted for good."))
    return redirect("trash")


@login_required
@require_POST
def trash_empty(request: AuthenticatedRequest) -> HttpResponse:
    count = trash.empty_trash(request.user)
    messages.success(
        request,
        ngettext("Deleted %(count)s image for good.", "Deleted %(count)s images for good.", count) % {"count": count}
        if count
        else gettext("Nothing to delete."),
    )
    return redirect("trash")
