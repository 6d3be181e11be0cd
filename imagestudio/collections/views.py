"""Collection pages: the list, "New collection", the board (drag to reorder), its actions and image files.

Every view fetches the collection through `workspaces.access.get_collection_for(user, id, action)` first (404
for outsiders, 403 for a role too weak), then calls the same services as the JSON API. Plain form posts
redirect with a message; HTMX requests get the partial they swap in, with a toast in `HX-Trigger`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.collections import selectors, services
from imagestudio.collections.forms import (
    CollectionCreateForm,
    CollectionEditForm,
    filter_text,
    parse_filter_text,
)
from imagestudio.collections.models import Collection
from imagestudio.collections.services import CollectionError
from imagestudio.gallery import files
from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import BadCursor
from imagestudio.projects.picker import PickerPage, pick_images
from imagestudio.workspaces.access import (
    allows,
    get_collection_for,
    images_visible_to,
    require_workspace,
    role_in,
)
from imagestudio.workspaces.current import current_workspace


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


def _detail(collection: Collection) -> HttpResponse:
    return redirect("collection_detail", collection_id=collection.pk)


def _header_context(request: HttpRequest, collection: Collection, role: str | None, **extra) -> dict:
    cover = collection.cover_image
    if cover is None or cover.deleted_at is not None:
        cover = selectors.collection_images(collection, request.user).first()
    return {
        "collection": collection,
        "cover": cover,
        "image_count": selectors.image_count(collection),
        "can_edit": allows(role, "edit"),
        "can_manage": allows(role, "manage"),
        "gallery_url": f"{reverse('image_list')}?{filter_text(collection.filter_params)}"
        if collection.is_smart
        else "",
        **extra,
    }


def _header(request: AuthenticatedRequest, collection: Collection, role: str | None, **extra) -> HttpResponse:
    return render(
        request, "collections/partials/collection_header.html", _header_context(request, collection, role, **extra)
    )


# -- the list -----------------------------------------------------------------------------------------


@login_required
@require_GET
def collection_list(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    q = request.GET.get("q", "").strip()[:200]
    cursor = request.GET.get("cursor") or None
    context: dict = {"workspace": workspace, "q": q, "can_create": allows(role_in(request.user, workspace.pk), "edit")}
    try:
        page = selectors.collections_page(request.user, workspace_id=workspace.pk, q=q, cursor=cursor)
    except BadCursor as exc:
        page, context["error"] = None, str(exc)
    context["page"] = page
    if page is not None and page.next_cursor:
        context["next_url"] = "?" + urlencode(
            {key: value for key, value in {"q": q, "cursor": page.next_cursor}.items() if value}
        )
    if request.htmx and cursor and page is not None:
        response = render(request, "collections/partials/collection_cards.html", context)
    elif request.htmx and request.htmx.target == "collection-results":
        response = render(request, "collections/partials/collection_results.html", context)
    else:
        response = render(request, "collections/collection_list.html", context, status=400 if page is None else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


# -- new collection -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collection_new(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    role = require_workspace(request.user, workspace.pk, "edit")
    can_publish = allows(role, "manage")
    if request.method == "POST":
        form = CollectionCreateForm(request.POST, can_publish=can_publish)
        if form.is_valid():
            try:
                collection = services.create_collection(
                    workspace=workspace,
                    user=request.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    is_public=bool(form.cleaned_data.get("is_public")),
                    filter_params=form.filter_params(),
                )
            except CollectionError as exc:
                form.show_error(exc)
            else:
                messages.success(request, gettext("Created “%(name)s”.") % {"name": collection.name})
                return _detail(collection)
    else:
        # "Save as smart collection" from the gallery links here with ?smart=1&filter=<its query string>.
        smart = request.GET.get("smart") == "1" or bool(request.GET.get("filter"))
        initial = {"kind": "smart" if smart else "manual", "filter": request.GET.get("filter", "")[:2000]}
        form = CollectionCreateForm(initial=initial, can_publish=can_publish)
    context = {"form": form, "workspace": workspace}
    return render(request, "collections/collection_new.html", context, status=422 if form.is_bound else 200)


# -- the board ----------------------------------------------------------------------------------------


def _viewable_ids(request: AuthenticatedRequest, images: list) -> set:
    """Which of these images the viewer may open on their own (the rest open only inside the collection)."""
    ids = [image.pk for image in images]
    return set(images_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


@login_required
@require_GET
def collection_detail(request: AuthenticatedRequest, collection_id) -> HttpResponse:
    collection = get_collection_for(request.user, collection_id)
    role = role_in(request.user, collection.workspace_id)
    can_edit = allows(role, "edit")
    cursor = request.GET.get("cursor") or None
    grid: dict[str, Any]
    if collection.is_smart:
        try:
            images = list(selectors.smart_images(collection, request.user)[: selectors.SMART_LIMIT])
        except ValueError as exc:  # the saved filter no longer parses (the gallery's FilterError)
            images, filter_error = [], str(exc)
        else:
            filter_error = ""
        grid = {"images": images, "next_url": "", "sortable": False, "filter_error": filter_error}
    else:
        try:
            page = selectors.images_page(collection, cursor)
        except BadCursor as exc:
            messages.error(request, str(exc))
            return _detail(collection)
        next_url = "?" + urlencode({"cursor": page.next_cursor}) if page.next_cursor else ""
        grid = {"images": page.items, "next_url": next_url, "sortable": can_edit}
    grid.update(collection=collection, can_edit=can_edit, viewable=_viewable_ids(request, grid["images"]))
    if request.htmx and cursor:
        response = render(request, "collections/partials/board_cells.html", grid)
    else:
        context = {**_header_context(request, collection, role), **grid}
        response = render(request, "collections/collection_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def collection_edit(request: AuthenticatedRequest, collection_id) -> HttpResponse:
    """Rename and describe in place (HTMX: GET the header as a form, POST it back); a small page without JS."""
    collection = get_collection_for(request.user, collection_id, "edit")
    role = role_in(request.user, collection.workspace_id)
    if request.method == "POST":
        form = CollectionEditForm(request.POST)
        if form.is_valid():
            changes: dict = {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"]}
            if collection.is_smart:
                changes["filter_params"] = parse_filter_text(form.cleaned_data["filter"])
            try:
                services.update_collection(collection, **changes)
            except CollectionError as exc:
                form.show_error(exc)
                collection.refresh_from_db()
            else:
                if request.htmx:
                    return _toast(_header(request, collection, role), "Saved.")
                messages.success(request, gettext("Saved."))
                return _detail(collection)
    else:
        initial = {"name": collection.name, "description": collection.description}
        form = CollectionEditForm(initial={**initial, "filter": filter_text(collection.filter_params)})
    if request.htmx:
        return _header(request, collection, role, edit_form=form)
    context = {**_header_context(request, collection, role), "edit_form": form, "standalone": True}
    return render(request, "collections/collection_edit.html", context, status=422 if form.is_bound else 200)


@login_required
@require_POST
def collection_visibility(request: AuthenticatedRequest, collection_id) -> HttpResponse:
    collection = get_collection_for(request.user, collection_id, "manage")
    role = role_in(request.user, collection.workspace_id)
    public = request.POST.get("is_public") in ("1", "true", "on")
    services.update_collection(collection, is_public=public)
    message = (
        gettext("Public: anyone with its public address can see this collection.")
        if public
        else gettext("Private: only members of this workspace see it.")
    )
    if request.htmx:
        return _toast(_header(request, collection, role), message)
    messages.success(request, message)
    return _detail(collection)


@login_required
@require_POST
def collection_delete(request: AuthenticatedRequest, collection_id) -> HttpResponse:
    collection = get_collection_for(request.user, collection_id, "manage")
    name = collection.name
    services.delete_collection(collection, by=request.user)
    messages.success(request, gettext("Deleted “%(name)s”. Its images are still in the gallery.") % {"name": name})
    return redirect("collection_list")


# -- images in the collection -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collection_add_images(request: AuthenticatedRequest, collection_id) -> HttpResponse:
    """Images you can see that are not in this collection yet, as checkboxes; the POST appends the chosen ones."""
    collection = get_collection_for(request.user, collection_id, "edit")
    if collection.is_smart:
        messages.info(request, gettext("A smart collection fills itself from its filter; change the filter instead."))
        return _detail(collection)

    def add(images: list[Image]) -> HttpResponse:
        added = services.add_images(collection, images, by=request.user)
        message = ngettext("Added %(count)s image to “%(name)s”.", "Added %(count)s images to “%(name)s”.", added.added)
        messages.success(request, message % {"count": added.added, "name": collection.name})
        return _detail(collection)

    visible = images_visible_to(request.user)
    page = PickerPage(
        target_name=collection.name,
        detail_url=reverse("collection_detail", args=[collection.pk]),
        action_url=reverse("collection_add_images", args=[collection.pk]),
        subtitle=gettext(
            "Images you can see that are not in this collection yet, newest first. They go to the end, in the "
            "order you tick them; they also stay where they are."
        ),
        submit_label=gettext("Add to collection"),
        empty_description=gettext(
            "Every image you can see is already in this collection. Generate new ones to add more."
        ),
    )
    candidates = visible.exclude(pk__in=selectors.image_ids_in(collection.pk))
    return pick_images(request, candidates=candidates, allowed=visible, add=add, page=page)


def _refused(request: AuthenticatedRequest, collection: Collection, message: str) -> HttpResponse:
    if request.htmx:
        response = _toast(HttpResponse(""), message, "error")
        response["HX-Reswap"] = "none"
        return response
    messages.error(request, message)
    return _detail(collection)


@login_required
@require_POST
def collection_set_cover(request: AuthenticatedRequest, collection_id, image_id) -> HttpResponse:
    collection = get_collection_for(request.user, collection_id, "edit")
    role = role_in(request.user, collection.workspace_id)
    image = selectors.collection_images(collection, request.user).filter(pk=image_id).first()
    if image is None:
        return _refused(request, collection, gettext("That image is not in this collection."))
    services.set_cover(collection, image)
    if request.htmx:
        return _toast(_header(request, collection, role), gettext("Cover image updated."))
    messages.success(request, gettext("Cover image updated."))
    return _detail(collection)


@login_required
@require_POST
def collection_remove_image(request: AuthenticatedRequest, collection_id, image_id) -> HttpResponse:
    collection = get_collection_for(request.user, collection_id, "edit")
    role = role_in(request.user, collection.workspace_id)
    if not services.remove_image(collection, image_id):
        return _refused(request, collection, gettext("That image is not in this collection."))
    message = gettext("Removed from the collection; the image itself is still in the gallery.")
    if request.htmx:
        # The tile goes (empty body swapped over it); the header follows out of band (count, maybe the cover).
        return _toast(_header(request, collection, role, oob=True), message)
    messages.success(request, message)
    return _detail(collection)


# -- image files, as the collection shows them ----------------------------------------------------------


def _collection_image(request: HttpRequest, collection_id, image_id):
    """An image of a collection the visitor may see (a member, or anyone when it is public); 404 otherwise."""
    collection = Collection.objects.select_related("workspace").filter(pk=collection_id).first()
    if collection is None:
        raise Http404("No such collection.")
    if not collection.is_public:
        collection = get_collection_for(request.user, collection_id)
    viewer = request.user if allows(role_in(request.user, collection.workspace_id), "view") else collection.created_by
    image = selectors.collection_images(collection, viewer).filter(pk=image_id).first()
    if image is None:
        raise Http404("No such image in this collection.")
    return image


@require_GET
def collection_thumb(request: HttpRequest, collection_id, image_id) -> HttpResponseBase:
    image = _collection_image(request, collection_id, image_id)
    return files.serve(image.thumbnail or image.file)


@require_GET
def collection_file(request: HttpRequest, collection_id, image_id) -> HttpResponseBase:
    image = _collection_image(request, collection_id, image_id)
    name = files.download_name(image) if request.GET.get("download") else None
    return files.serve(image.file, download_name=name)


@require_GET
def collection_public(request: HttpRequest, collection_id) -> HttpResponse:
    """A public collection's read-only page, for anyone (private ones answer 404 here)."""
    collection = (
        Collection.objects.select_related("workspace", "created_by").filter(pk=collection_id, is_public=True).first()
    )
    if collection is None:
        raise Http404("No such collection.")
    images = list(selectors.shared_collection_images(collection, collection.created_by)[:200])
    return render(request, "collections/collection_public.html", {"collection": collection, "images": images})
