"""Settings → Your data (export, import) and Settings → Danger zone (delete the account)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from imagestudio.accountdata import deletion, exports, imports
from imagestudio.accountdata.forms import DeleteAccountForm, ImportForm
from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.gallery.files import serve
from imagestudio.preferences.rendering import render_tab

# -- Your data --------------------------------------------------------------------------------------


def _exports_context(request: AuthenticatedRequest) -> dict:
    past = list(exports.exports_of(request.user)[: exports.PAST_EXPORTS])
    return {"exports": past, "export_running": any(e.is_open for e in past), "now": timezone.now()}


def _imports_context(request: AuthenticatedRequest) -> dict:
    latest = imports.imports_of(request.user).first()
    return {"latest_import": latest}


def _data_page(request: AuthenticatedRequest, form: ImportForm | None = None, status: int = 200) -> HttpResponse:
    context = {
        **_exports_context(request),
        **_imports_context(request),
        "form": form or ImportForm(),
        "max_upload": imports.max_upload_bytes(),
        "retention_hours": int(exports.retention().total_seconds() // 3600),
    }
    return render_tab(request, "data", "settings/data.html", context, status=status)


@login_required
@require_GET
def data_tab(request: AuthenticatedRequest) -> HttpResponse:
    return _data_page(request)


@login_required
@require_GET
def exports_live(request: AuthenticatedRequest) -> HttpResponse:
    """The exports panel alone: what the page polls while an export is being built."""
    return render(request, "settings/partials/exports.html", _exports_context(request))


@login_required
@require_POST
def export_start(request: AuthenticatedRequest) -> HttpResponse:
    try:
        exports.request_export(user=request.user)
    except exports.ExportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your export has started. We will email you a link when it is ready."))
    if request.htmx:
        return render(request, "settings/partials/exports.html", _exports_context(request))
    return redirect("settings_data")


@login_required
@require_GET
def export_download(request: AuthenticatedRequest, export_id) -> HttpResponseBase:
    export = exports.get_export_for(request.user, export_id)
    if not exports.usable(export):
        raise Http404(_("This export has expired or is not ready; start a new one under Settings → Your data."))
    stamp = timezone.localtime(export.created_at).strftime("%Y-%m-%d")
    return serve(export.file, download_name=f"imagestudio-export-{stamp}.zip")


@login_required
@require_POST
def import_start(request: AuthenticatedRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _data_page(request, form, status=400)
    try:
        imports.start_import(user=request.user, uploaded=form.cleaned_data["archive"])
    except imports.ArchiveError as exc:
        form.add_error("archive", exc.message)
        return _data_page(request, form, status=400)
    messages.success(request, _("Your archive was accepted; its contents are being imported."))
    return redirect("settings_data")


@login_required
@require_GET
def imports_live(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "settings/partials/import_status.html", _imports_context(request))


# -- Danger zone ------------------------------------------------------------------------------------


@login_required
def danger_tab(request: AuthenticatedRequest) -> HttpResponse:
    pending = deletion.pending_deletion(request.user)
    if pending is not None:
        return render(request, "settings/deletion_pending.html", {"pending": pending})
    request.session.pop(deletion.SESSION_FLAG, None)  # kept from another session meanwhile
    form = DeleteAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                scheduled = deletion.schedule_deletion(user=request.user, **form.cleaned_data)
            except deletion.DeletionError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return _signed_out_after_scheduling(request, scheduled)
        status = 400
    context = {"form": form, "teams": deletion.blocking_teams(request.user), "grace_days": deletion.grace().days}
    return render_tab(request, "danger", "settings/danger.html", context, status=status)


def _signed_out_after_scheduling(request: AuthenticatedRequest, scheduled) -> HttpResponse:
    when = timezone.localtime(scheduled.purge_after).strftime("%Y-%m-%d %H:%M")
    logout(request)
    messages.warning(
        request,
        _(
            "Your account is locked and will be deleted on %(when)s. We emailed you the details. To keep it, "
            "sign in before then and press “Keep my account”."
        )
        % {"when": when},
    )
    return redirect("account_login")


@login_required
@require_POST
def danger_keep(request: AuthenticatedRequest) -> HttpResponse:
    kept = deletion.keep_account(user=request.user)
    request.session.pop(deletion.SESSION_FLAG, None)
    if kept:
        messages.success(request, _("Your account will not be deleted. Welcome back."))
    return redirect("dashboard")
