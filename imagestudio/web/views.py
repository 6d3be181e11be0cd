from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.preferences.middleware import settings_of
from imagestudio.web import dashboard as home
from imagestudio.web import health
from imagestudio.web.landing import landing_context


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.GET.get("stay") is None:
        return redirect("dashboard")
    return render(request, "web/landing.html", landing_context())


@login_required
@require_http_methods(["GET", "POST"])
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in home. POST hides the getting-started checklist; `?part=jobs` is the recent generations,
    which htmx polls while any of them runs."""
    if request.method == "POST":
        if not home.ChecklistForm(request.POST).is_valid():
            return HttpResponseBadRequest(gettext("Unknown dashboard action."))
        home.dismiss_checklist(request.user)
        hidden = gettext("Checklist hidden.")
        if request.htmx:
            response = HttpResponse("")
            response["HX-Trigger"] = json.dumps({"toast": {"message": hidden, "level": "success"}})
            return response
        messages.success(request, hidden)
        return redirect("dashboard")
    if request.htmx and request.GET.get("part") == "jobs":
        return render(request, "web/partials/dashboard_jobs.html", {"recent": home.recent_jobs(request.user)})
    row = settings_of(request)
    assert row is not None  # signed in
    return render(request, "web/dashboard.html", home.page_context(request.user, row))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check_all(detailed=request.user.is_staff)
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
