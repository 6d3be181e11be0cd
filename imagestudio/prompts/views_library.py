"""Prompt library pages: my prompts, new/edit, public and starter prompts, my prompt history, import/export.

Every view that acts on one prompt fetches it through `workspaces.access.get_prompt_for(user, id, action)`
first (404 for prompts the user may not see, 403 when their role is too weak), then calls the same functions
as the JSON API (`prompts.library`, `prompts.transfer`). Forms post without JavaScript and redirect with a
message; the favourite button swaps itself over HTMX.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.lib.pagination import BadCursor
from imagestudio.prompts import library, transfer
from imagestudio.prompts.forms_library import (
    PUBLIC_SORT_CHOICES,
    SORT_CHOICES,
    SOURCE_CHOICES,
    HistoryFilterForm,
    ImportForm,
    LibraryFilterForm,
    PromptForm,
    PublicFilterForm,
)
from imagestudio.prompts.library import PromptError
from imagestudio.workspaces.access import allows, get_prompt_for, require_workspace, role_in
from imagestudio.workspaces.current import current_workspace
from imagestudio.workspaces.models import Workspace


def _query(values: dict, defaults: dict) -> str:
    """A query string of the values that differ from their defaults (URLs stay short)."""
    kept = {key: value for key, value in values.items() if value and value != defaults.get(key)}
    return "?" + urlencode(kept) if kept else "?"


def _back(request: AuthenticatedRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on (its `next` field), when that is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _permissions(request: AuthenticatedRequest, workspace: Workspace) -> dict:
    role = role_in(request.user, workspace.pk)
    return {"workspace": workspace, "can_edit": allows(role, "edit"), "can_manage": allows(role, "manage")}


def _chips(counts: list[library.CategoryCount], url_for, chosen: str) -> list[dict]:
    """Category filter chips: "All", then every category that has prompts, with counts."""
    total = sum(row.count for row in counts)
    chips = [{"label": "All", "count": total, "url": url_for(""), "active": not chosen}]
    for row in counts:
        if row.count and row.name:
            chips.append(
                {"label": row.name, "count": row.count, "url": url_for(row.name), "active": chosen == row.name}
            )
    return chips


def _render_list(request: AuthenticatedRequest, template: str, context: dict, *, cursor) -> HttpResponse:
    """The whole page; its results (a live search); or the next page of cards (infinite scroll)."""
    page = context.get("page")
    for prompt in page.items if page is not None else []:
        prompt.mine = prompt.workspace_id == context["workspace"].pk  # its edit and delete act here
    context.setdefault("copied", set())
    if request.htmx and cursor and context.get("page") is not None:
        response = render(request, "prompts/library/partials/cards.html", context)
    elif request.htmx and request.htmx.target == "prompt-results":
        context["live"] = True
        response = render(request, "prompts/library/partials/results.html", context)
    else:
        response = render(request, template, context, status=400 if context.get("page") is None else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


# -- my prompts ---------------------------------------------------------------------------------------

LIBRARY_DEFAULTS = {"sort": "updated"}


@login_required
@require_GET
def prompt_library(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    filters = LibraryFilterForm(request.GET).filters()
    context: dict = {**_permissions(request, workspace), "filters": filters, "mode": "library"}
    try:
        page = library.library_page(
            request.user,
            workspace_id=workspace.pk,
            q=filters["q"],
            category=filters["category"],
            favorite=filters["favorite"],
            sort=filters["sort"],
            cursor=filters["cursor"],
        )
    except BadCursor as exc:
        page, context["error"] = None, str(exc)
    context["page"] = page

    def url(**changes) -> str:
        merged = {**filters, "cursor": None, **changes}
        merged["favorite"] = "1" if merged["favorite"] else ""
        return _query(merged, LIBRARY_DEFAULTS)

    context["next_url"] = url(cursor=page.next_cursor) if page and page.next_cursor else ""
    scope = library.library(request.user, workspace_id=workspace.pk, favorite=filters["favorite"])
    context.update(
        chips=_chips(library.category_counts(scope), lambda name: url(category=name), filters["category"]),
        favorite_url=url(favorite=not filters["favorite"], category=""),
        sort_urls=[(key, label, url(sort=key)) for key, label in SORT_CHOICES],
        sort_label=dict(SORT_CHOICES)[filters["sort"]],
        here=request.get_full_path(),
        hidden_filters=[
            ("category", filters["category"]),
            ("favorite", "1" if filters["favorite"] else ""),
            ("sort", filters["sort"] if filters["sort"] != "updated" else ""),
        ],
        import_form=ImportForm(),
    )
    return _render_list(request, "prompts/library/library.html", context, cursor=filters["cursor"])


# -- public and starter prompts -----------------------------------------------------------------------

PUBLIC_DEFAULTS = {"sort": "newest", "source": "all"}


@login_required
@require_GET
def prompt_public(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    filters = PublicFilterForm(request.GET).filters()
    context: dict = {**_permissions(request, workspace), "filters": filters, "mode": "public"}
    try:
        page = library.public_page(
            request.user,
            q=filters["q"],
            category=filters["category"],
            source=filters["source"],
            sort=filters["sort"],
            cursor=filters["cursor"],
        )
    except BadCursor as exc:
        page, context["error"] = None, str(exc)
    context["page"] = page
    if page is not None:
        context["copied"] = library.copied_here(workspace.pk, [p.pk for p in page.items])

    def url(**changes) -> str:
        return _query({**filters, "cursor": None, **changes}, PUBLIC_DEFAULTS)

    context["next_url"] = url(cursor=page.next_cursor) if page and page.next_cursor else ""
    scope = library.public_prompts(source=filters["source"])
    context.update(
        chips=_chips(library.category_counts(scope), lambda name: url(category=name), filters["category"]),
        source_urls=[(key, label, url(source=key)) for key, label in SOURCE_CHOICES],
        sort_urls=[(key, label, url(sort=key)) for key, label in PUBLIC_SORT_CHOICES],
        sort_label=dict(PUBLIC_SORT_CHOICES)[filters["sort"]],
        here=request.get_full_path(),
        hidden_filters=[
            ("category", filters["category"]),
            ("source", filters["source"] if filters["source"] != "all" else ""),
            ("sort", filters["sort"] if filters["sort"] != "newest" else ""),
        ],
    )
    return _render_list(request, "prompts/library/public.html", context, cursor=filters["cursor"])


# -- history ------------------------------------------------------------------------------------------


@login_required
@require_GET
def prompt_history(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    filters = HistoryFilterForm(request.GET).filters()
    context: dict = {**_permissions(request, workspace), "filters": filters, "mode": "history"}
    try:
        page = library.history_page(request.user, q=filters["q"], cursor=filters["cursor"], workspace_id=workspace.pk)
    except BadCursor as exc:
        page, context["error"] = None, str(exc)
    context["page"] = page
    if page is not None:
        for entry in page.items:
            entry.use_url = library.generate_url(entry.prompt)
            entry.save_url = f"{reverse('prompt_new')}?{urlencode({'prompt': entry.prompt})}"
    context["next_url"] = (
        _query({"q": filters["q"], "cursor": page.next_cursor}, {}) if page and page.next_cursor else ""
    )
    if request.htmx and filters["cursor"] and page is not None:
        response = render(request, "prompts/library/partials/history_rows.html", context)
    elif request.htmx and request.htmx.target == "prompt-results":
        response = render(request, "prompts/library/partials/history_results.html", context)
    else:
        response = render(request, "prompts/library/history.html", context, status=400 if page is None else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


# -- one prompt ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def prompt_new(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    role = require_workspace(request.user, workspace.pk, "edit")
    can_publish = allows(role, "manage")
    if request.method == "POST":
        form = PromptForm(request.POST, can_publish=can_publish)
        if form.is_valid():
            try:
                prompt = library.create_prompt(workspace=workspace, user=request.user, fields=form.fields_to_save())
            except PromptError as exc:
                form.show_error(exc)
            else:
                messages.success(request, gettext("Saved “%(title)s” to the library.") % {"title": prompt.title})
                return redirect("prompt_library")
    else:
        # "Save to library" from the history (or anywhere) links here with ?prompt=…&negative_prompt=…
        initial = {name: request.GET.get(name, "")[:4000] for name in ("prompt_text", "negative_prompt", "category")}
        initial["prompt_text"] = initial["prompt_text"] or request.GET.get("prompt", "")[:4000]
        form = PromptForm(initial=initial, can_publish=can_publish)
    context = {"form": form, "workspace": workspace, "categories": library.CATEGORIES, "editing": None}
    return render(request, "prompts/library/form.html", context, status=422 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def prompt_edit(request: AuthenticatedRequest, prompt_id) -> HttpResponse:
    prompt = get_prompt_for(request.user, prompt_id, "edit")
    can_publish = allows(role_in(request.user, prompt.workspace_id), "manage")
    if request.method == "POST":
        form = PromptForm(request.POST, can_publish=can_publish)
        if form.is_valid():
            try:
                library.update_prompt(prompt, form.fields_to_save(), by=request.user)
            except PromptError as exc:
                form.show_error(exc)
                prompt.refresh_from_db()
            else:
                messages.success(request, gettext("Saved “%(title)s”.") % {"title": prompt.title})
                return redirect("prompt_library")
    else:
        initial = {
            "title": prompt.title,
            "prompt_text": prompt.prompt_text,
            "negative_prompt": prompt.negative_prompt,
            "category": prompt.category,
            "tags": ", ".join(prompt.tags),
            "is_public": prompt.is_public,
        }
        form = PromptForm(initial=initial, can_publish=can_publish)
    context = {"form": form, "workspace": prompt.workspace, "categories": library.CATEGORIES, "editing": prompt}
    return render(request, "prompts/library/form.html", context, status=422 if form.is_bound else 200)


@login_required
@require_POST
def prompt_delete(request: AuthenticatedRequest, prompt_id) -> HttpResponse:
    prompt = get_prompt_for(request.user, prompt_id, "manage")
    title = prompt.title
    library.delete_prompt(prompt, by=request.user)
    messages.success(request, gettext("Deleted “%(title)s”.") % {"title": title})
    return _back(request, reverse("prompt_library"))


@login_required
@require_POST
def prompt_favorite(request: AuthenticatedRequest, prompt_id) -> HttpResponse:
    prompt = get_prompt_for(request.user, prompt_id)
    wanted = request.POST.get("favorite")  # "1" or "0" sets it; no value toggles
    favorite = library.set_favorite(prompt, request.user, None if wanted is None else wanted == "1")
    message = gettext("Added to your favourites.") if favorite else gettext("Removed from your favourites.")
    if request.htmx:
        prompt.is_favorite = favorite  # type: ignore[attr-defined]
        response = render(request, "prompts/library/partials/favorite_button.html", {"prompt": prompt})
        response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": "success"}})
        return response
    messages.success(request, message)
    return _back(request, reverse("prompt_library"))


@login_required
@require_POST
def prompt_copy(request: AuthenticatedRequest, prompt_id) -> HttpResponse:
    """Copy a prompt one can see into the current workspace (its editors only)."""
    prompt = get_prompt_for(request.user, prompt_id)
    workspace = current_workspace(request)
    require_workspace(request.user, workspace.pk, "edit")
    copy = library.copy_prompt(prompt, workspace=workspace, user=request.user)
    messages.success(
        request,
        gettext("Copied “%(title)s” to %(workspace)s’s library.")
        % {"title": copy.title, "workspace": workspace.display_name},
    )
    return _back(request, reverse("prompt_library"))


@login_required
@require_POST
def prompt_use(request: AuthenticatedRequest, prompt_id) -> HttpResponse:
    """Count a use, then open the generate page with the prompt filled in."""
    prompt = get_prompt_for(request.user, prompt_id)
    library.use_prompt(prompt)
    return redirect(library.generate_url(prompt.prompt_text))


# -- import and export --------------------------------------------------------------------------------


@login_required
@require_GET
def prompt_export(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    require_workspace(request.user, workspace.pk)
    fmt = "csv" if request.GET.get("format") == "csv" else "json"
    body, content_type, name = transfer.export_library(workspace, request.user, fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def prompt_import(request: AuthenticatedRequest) -> HttpResponse:
    workspace = current_workspace(request)
    require_workspace(request.user, workspace.pk, "edit")
    failure: transfer.ImportFailed | None = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = transfer.import_library(
                    workspace=workspace, user=request.user, data=upload.read(), name=upload.name or ""
                )
            except transfer.ImportFailed as exc:
                failure = exc
            else:
                created = len(result.created)
                if result.skipped:
                    message = ngettext(
                        "Imported %(count)s prompt (%(skipped)s already in the library).",
                        "Imported %(count)s prompts (%(skipped)s already in the library).",
                        created,
                    )
                else:
                    message = ngettext("Imported %(count)s prompt.", "Imported %(count)s prompts.", created)
                messages.success(request, message % {"count": created, "skipped": result.skipped})
                return redirect("prompt_library")
    else:
        form = ImportForm()
    context = {"form": form, "workspace": workspace, "failure": failure}
    status = 422 if request.method == "POST" else 200
    return render(request, "prompts/library/import.html", context, status=status)
