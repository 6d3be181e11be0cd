"""Staff pages under /staff/: the overview, and the model switch it posts to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.catalog.models import AIModel
from imagestudio.generation.models import JobStatus
from imagestudio.staff import selectors, services


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page; signed-in people who are not staff get the 403 page."""

    @login_required
    @wraps(view)
    def guarded(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


@staff_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    stats = selectors.stats()
    statuses = [(status, label, stats.jobs_by_status[status]) for status, label in JobStatus.choices]
    context = {
        "stats": stats,
        "job_statuses": statuses,
        "jobs_total": sum(stats.jobs_by_status.values()),
        "failures_total": sum(row.failures for row in stats.failures_by_model),
        "newest_users": selectors.newest_users(limit=8),
        "models": selectors.catalog_models(),
        "spend_days": selectors.SPEND_DAYS,
        "new_user_days": selectors.NEW_USER_DAYS,
    }
    return render(request, "staff/overview.html", context)


@staff_required
@require_POST
def toggle_model(request: AuthenticatedRequest, model_id: UUID) -> HttpResponse:
    enabled = {"on": True, "off": False}.get(request.POST.get("enabled", ""))
    try:
        model = services.toggle_model(model_id=model_id, enabled=enabled)
    except AIModel.DoesNotExist as exc:
        raise Http404 from exc
    if model.is_active:
        messages.success(request, gettext("%(model)s is switched on.") % {"model": model.display_name})
    else:
        messages.success(
            request, gettext("%(model)s is switched off: nobody can generate with it.") % {"model": model.display_name}
        )
    return redirect("staff_overview")
