from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from imagestudio.web import health


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.GET.get("stay") is None:
        return redirect("dashboard")
    featured = AIModel.objects.active().filter(is_featured=True)[:6]
    return render(request, "web/landing.html", {"featured_models": featured})


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    images = Image.objects.alive().owned_by(request.user)
    context = {
        "recent_images": images.order_by("-created_at", "-id")[:8],
        "image_count": images.count(),
        "favorite_count": images.filter(is_favorite=True).count(),
        "active_jobs": GenerationJob.objects.filter(user=request.user, status__in=["queued", "running"]).count(),
        "recent_jobs": GenerationJob.objects.filter(user=request.user).select_related("model")[:6],
        # Personal spend: jobs a team paid for are on the team's ledger.
        "credits_used": request.user.jobs.filter(workspace=None).aggregate(total=Sum("credits_charged"))["total"] or 0,
    }
    return render(request, "web/dashboard.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check_all(detailed=request.user.is_staff)
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
