"""Project pages: the list, "New project", the project page and its actions.

Every view fetches the project through `workspaces.access.get_project_for(user, id, action)` first (404 for
outsiders, 403 for a role too weak), then calls the same services as the JSON API. Plain form posts
redirect with a message; HTMX requests get the partial they swap in, with a toast in `HX-Trigger`.
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.events.activity import feed_items, project_activity
from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import BadCursor
from imagestudio.projects import selectors, services
from imagestudio.projects.export import project_zip_name, stream_project_zip
from imagestudio.projects.forms import (
    SORT_CHOICES,
    DeleteForm,
    DuplicateForm,
    ProjectCreateForm,
    ProjectSearchForm,
    ProjectSettingsForm,
    RenameForm,
)
from imagestudio.projects.markdown import render_markdown
from imagestudio.projects.models import Project
from imagestudio.projects.picker import PickerPage, pick_images
from imagestudio.projects.services import ProjectError, ProjectFields
from imagestudio.projects.starters import STARTERS
from imagestudio.workspaces.access import (
    allows,
    get_image_for,
    get_project_for,
    images_visible_to,
    require_workspace,
    role_in,
)
from imagestudio.workspaces.current import current_workspace
from imagestudio.workspaces.models import Workspace

IMAGES_PER_PAGE = 40
STARTER_ICONS = {
    "product-shots": "image",
    "character-sheet": "user",
    "logo-exploration": "palette",
    "social-media-set": "message",
    "storyboard": "layers",
}


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


def _detail(project: Project) -> HttpResponse:
    return redirect("project_detail", project_id=project.pk)


def _header_context(project: Project, role: str | None, **extra) -> dict:
    cover = project.cover_image
    return {
        "project": project,
        "cover": cover if cover is not None and cover.deleted_at is None else None,
        "can_edit": allows(role, "edit"),
        "can_manage": allows(role, "manage"),
        **extra,
    }


def _header(request: AuthenticatedRequest, project: Project, role: str | None, **extra) -> HttpResponse:
    return render(request, "projects/partials/project_header.html", _header_context(project, role, **extra))


# -- the list -----------------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    filters = ProjectSearchForm(request.GET).filters()
    role = role_in(request.user, workspace.pk)
    context: dict = {"filters": filters, "workspace": workspace, "can_create": allows(role, "edit")}
    try:
        page = selectors.projects_page(
            request.user,
            workspace_id=workspace.pk,
            q=filters["q"],
            archived=filters["archived"],
            sort=filters["sort"],
            cursor=filters["cursor"],
        )
    except BadCursor as exc:
        page, context["error"] = None, str(exc)
    context["page"] = page
    context["next_url"] = _list_url(filters, cursor=page.next_cursor) if page and page.next_cursor else ""
    if request.htmx and filters["cursor"] and page is not None:
        response = render(request, "projects/partials/project_cards.html", context)
    else:
        context.update(
            active_url=_list_url(filters, archived=False),
            archived_url=_list_url(filters, archived=True),
            sort_urls=[(key, label, _list_url(filters, sort=key)) for key, label in SORT_CHOICES],
            sort_label=dict(SORT_CHOICES)[filters["sort"]],
        )
        if request.htmx and request.htmx.target == "project-results":
            # A live search: the results, and the filter links (out of band) so they keep the new words.
            context["live"] = True
            response = render(request, "projects/partials/project_results.html", context)
        else:
            response = render(request, "projects/project_list.html", context, status=400 if page is None else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _list_url(filters: dict, **changes) -> str:
    """The list's query string with `changes` applied (defaults left out, so URLs stay short)."""
    merged = {**filters, "cursor": None, **changes}
    query = {
        "q": merged["q"],
        "sort": merged["sort"] if merged["sort"] != "updated" else "",
        "archived": "1" if merged["archived"] else "",
        "cursor": merged["cursor"] or "",
    }
    return "?" + urlencode({key: value for key, value in query.items() if value})


# -- new project --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    require_workspace(request.user, workspace.pk, "edit")
    if request.method == "POST":
        form = ProjectCreateForm(request.POST)
        if form.is_valid():
            try:
                project = _create(request, workspace, form)
            except ProjectError as exc:
                form.show_error(exc)
            else:
                messages.success(request, gettext("Created “%(name)s”.") % {"name": project.name})
                return _detail(project)
    else:
        form = ProjectCreateForm(initial={"template": request.GET.get("template", "")})
    saved = list(selectors.projects_of(request.user, templates=True).order_by("name")[:50])
    context = {
        "form": form,
        "workspace": workspace,
        "starters": STARTERS,
        "starter_icons": STARTER_ICONS,
        "saved_templates": saved,
        "chosen": str(form["template"].value() or ""),
    }
    return render(request, "projects/project_new.html", context, status=422 if form.is_bound else 200)


def _create(request: AuthenticatedRequest, workspace: Workspace, form: ProjectCreateForm) -> Project:
    return services.create_project(
        workspace=workspace,
        user=request.user,
        fields=form.fields_to_save(),
        template=form.cleaned_data["template"] or None,
    )


# -- the project page ---------------------------------------------------------------------------------


@login_required
@require_GET
def project_detail(request: AuthenticatedRequest, project_id) -> HttpResponse:
    project = get_project_for(request.user, project_id)
    role = role_in(request.user, project.workspace_id)
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.project_images_page(project, cursor, IMAGES_PER_PAGE)
    except BadCursor as exc:
        messages.error(request, str(exc))
        return _detail(project)
    grid = {"page": page, "project": project, "can_edit": allows(role, "edit")}
    if page.next_cursor:
        grid["next_url"] = "?" + urlencode({"cursor": page.next_cursor})
    if request.htmx and cursor:
        response = render(request, "projects/partials/image_cells.html", grid)
    else:
        stats = selectors.project_stats(project)
        context = {
            **_header_context(project, role),
            **grid,
            "stats": stats,
            "feed": feed_items(project_activity(project.pk, limit=8).items),
            "per_day": _per_day_bars(stats.per_day),
            "top_model": max((n for _name, n in stats.models), default=0),
            "notes": render_markdown(project.notes) if project.notes.strip() else "",
            "generate_in_project_url": f"{reverse('generate')}?{urlencode({'project': project.pk})}",
            "duplicate_form": DuplicateForm(),
            "delete_form": DeleteForm(initial={"images": "keep"}),
        }
        response = render(request, "projects/project_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _per_day_bars(per_day: list[tuple[str, int]]) -> list[dict]:
    top = max((n for _day, n in per_day), default=0) or 1
    return [{"day": date.fromisoformat(day), "n": n, "pct": max(4, round(100 * n / top))} for day, n in per_day]


@login_required
@require_http_methods(["GET", "POST"])
def project_rename(request: AuthenticatedRequest, project_id) -> HttpResponse:
    """In place on the project page (HTMX: GET the header as a form, POST it back); a small page without JS."""
    project = get_project_for(request.user, project_id, "edit")
    role = role_in(request.user, project.workspace_id)
    if request.method == "POST":
        form = RenameForm(request.POST)
        if form.is_valid():
            try:
                services.update_project(project, ProjectFields(name=form.cleaned_data["name"]))
            except ProjectError as exc:
                form.add_error("name", exc.message)
            else:
                if request.htmx:
                    return _toast(
                        _header(request, project, role), gettext("Renamed to “%(name)s”.") % {"name": project.name}
                    )
                messages.success(request, gettext("Renamed to “%(name)s”.") % {"name": project.name})
                return _detail(project)
    else:
        form = RenameForm(initial={"name": project.name})
    if request.htmx:
        return _header(request, project, role, rename_form=form)
    context = {**_header_context(project, role), "form": form}
    return render(request, "projects/project_rename.html", context, status=422 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: AuthenticatedRequest, project_id) -> HttpResponse:
    project = get_project_for(request.user, project_id, "edit")
    role = role_in(request.user, project.workspace_id)
    can_manage = allows(role, "manage")
    initial = ProjectSettingsForm.initial_for(project)
    if request.method == "POST":
        form = ProjectSettingsForm(request.POST, initial=initial, can_manage=can_manage)
        if form.is_valid():
            try:
                services.update_project(project, form.fields_to_save(project.settings))
            except ProjectError as exc:
                form.show_error(exc)
            else:
                if can_manage and form.cleaned_data["is_template"] != project.is_template:
                    services.set_template(project, form.cleaned_data["is_template"])
                messages.success(request, gettext("Saved the project settings."))
                return _detail(project)
            project.refresh_from_db()  # the failed update may have changed fields in memory
    else:
        form = ProjectSettingsForm(initial=initial, can_manage=can_manage)
    context = {**_header_context(project, role), "form": form}
    return render(request, "projects/project_settings.html", context, status=422 if form.is_bound else 200)


@login_required
@require_GET
def project_export(request: AuthenticatedRequest, project_id) -> StreamingHttpResponse:
    """The project as a ZIP, streamed (the same archive as POST /api/projects/{id}/export)."""
    project = get_project_for(request.user, project_id)
    images = project.images.alive().select_related("model").order_by("created_at", "id").iterator(chunk_size=200)
    response = StreamingHttpResponse(stream_project_zip(project, images), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{project_zip_name(project)}"'
    return response


@login_required
@require_POST
def project_duplicate(request: AuthenticatedRequest, project_id) -> HttpResponse:
    project = get_project_for(request.user, project_id)
    require_workspace(request.user, project.workspace_id, "edit")
    form = DuplicateForm(request.POST)
    with_images = form.is_valid() and form.cleaned_data["with_images"]
    copy = services.duplicate_project(project, user=request.user, with_images=with_images)
    message = (
        gettext("Duplicated as “%(name)s” with its images.") if with_images else gettext("Duplicated as “%(name)s”.")
    )
    messages.success(request, message % {"name": copy.name})
    return _detail(copy)


@login_required
@require_POST
def project_archive(request: AuthenticatedRequest, project_id) -> HttpResponse:
    project = get_project_for(request.user, project_id, "edit")
    archived = request.POST.get("archived", "1") not in ("0", "false", "")
    services.set_archived(project, archived, by=request.user)
    if archived:
        messages.success(
            request,
            gettext("Archived “%(name)s”. It is listed under Archived on the projects page.") % {"name": project.name},
        )
    else:
        messages.success(request, gettext("“%(name)s” is back among your active projects.") % {"name": project.name})
    return _detail(project)


@login_required
@require_POST
def project_delete(request: AuthenticatedRequest, project_id) -> HttpResponse:
    project = get_project_for(request.user, project_id, "manage")
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose what happens to the images, then delete again. Nothing was deleted."))
        return _detail(project)
    images = form.cleaned_data["images"]
    name = project.name
    count = services.delete_project(project, images=images, by=request.user)
    if images == "trash":
        message = ngettext(
            "Deleted “%(name)s”; %(count)s image moved to the trash.",
            "Deleted “%(name)s”; %(count)s images moved to the trash.",
            count,
        )
    else:
        message = ngettext(
            "Deleted “%(name)s”; %(count)s image kept in My images.",
            "Deleted “%(name)s”; %(count)s images kept in My images.",
            count,
        )
    messages.success(request, message % {"name": name, "count": count})
    return redirect("project_list")


# -- images in the project ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_add_images(request: AuthenticatedRequest, project_id) -> HttpResponse:
    """Your images that are not in this project yet, as checkboxes; the POST moves the chosen ones in."""
    project = get_project_for(request.user, project_id, "edit")

    def add(images: list[Image]) -> HttpResponse:
        moved = services.move_images(images, project, by=request.user)
        message = ngettext("Added %(count)s image to “%(name)s”.", "Added %(count)s images to “%(name)s”.", moved.count)
        messages.success(request, message % {"count": moved.count, "name": project.name})
        return _detail(project)

    editable = images_visible_to(request.user, "edit")
    page = PickerPage(
        target_name=project.name,
        detail_url=reverse("project_detail", args=[project.pk]),
        action_url=reverse("project_add_images", args=[project.pk]),
        subtitle=gettext(
            "Your images that are not in this project yet, newest first. Images already in another project move here."
        ),
        submit_label=gettext("Add to project"),
        empty_description=gettext(
            "Every image you made is already in this project. Generate new ones, and they can go straight in."
        ),
    )
    candidates = editable.filter(user=request.user).exclude(project=project)
    return pick_images(request, candidates=candidates, allowed=editable, add=add, page=page)


def _project_image(request: AuthenticatedRequest, project_id, image_id) -> tuple[Project, Image, str | None]:
    project = get_project_for(request.user, project_id, "edit")
    image = get_image_for(request.user, image_id, "edit")
    return project, image, role_in(request.user, project.workspace_id)


def _refused(request: AuthenticatedRequest, project: Project, message: str) -> HttpResponse:
    if request.htmx:
        response = _toast(HttpResponse(""), message, "error")
        response["HX-Reswap"] = "none"
        return response
    messages.error(request, message)
    return _detail(project)


@login_required
@require_POST
def project_set_cover(request: AuthenticatedRequest, project_id, image_id) -> HttpResponse:
    project, image, role = _project_image(request, project_id, image_id)
    try:
        services.set_cover(project, image)
    except ProjectError as exc:
        return _refused(request, project, exc.message)
    if request.htmx:
        return _toast(_header(request, project, role), gettext("Cover image updated."))
    messages.success(request, gettext("Cover image updated."))
    return _detail(project)


@login_required
@require_POST
def project_remove_image(request: AuthenticatedRequest, project_id, image_id) -> HttpResponse:
    project, image, role = _project_image(request, project_id, image_id)
    if image.project_id != project.pk:
        return _refused(request, project, gettext("That image is not in this project."))
    services.move_images([image], None, by=request.user)
    message = gettext("Removed from the project; the image is still in My images.")
    if request.htmx:
        # The tile goes (empty body, swapped over it); the header follows out of band, in case it was the cover.
        project.refresh_from_db(fields=["cover_image", "updated_at"])
        return _toast(_header(request, project, role, oob=True), message)
    messages.success(request, message)
    return _detail(project)
