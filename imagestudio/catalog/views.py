"""The model showcase (/models/): the comparison matrix and a page per model, both open to visitors; the
dashboard's model status and the "new model" announcement for signed-in people."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.catalog import announcements, performance, showcase
from imagestudio.catalog.forms import MatrixFilters
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.samples import own_images, public_images_of
from imagestudio.preferences.middleware import settings_of

SAMPLES = 8
# The direction each sort key reads naturally: cheapest, fastest and A-Z first; best, largest and newest first.
NATURAL_ORDER = {"name": "ascending", "cost": "ascending", "speed": "ascending", "featured": "ascending"}


def _layout(request: HttpRequest) -> str:
    return "layouts/app.html" if request.user.is_authenticated else "layouts/public.html"


def _sort_links(query: QueryDict, current: str) -> dict[str, dict]:
    """Per sortable column: the URL that sorts by it (again: reversed) and its aria-sort state."""
    links = {}
    for key in showcase.SORTS:
        params = query.copy()
        params["sort"] = f"-{key}" if current == key else key
        natural = NATURAL_ORDER.get(key, "descending")
        flipped = "ascending" if natural == "descending" else "descending"
        state = (flipped if current.startswith("-") else natural) if current.removeprefix("-") == key else "none"
        links[key] = {"url": f"?{params.urlencode()}", "state": state}
    return links


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    form = MatrixFilters(request.GET)
    filters = form.filters()
    context = {
        "base_layout": _layout(request),
        "form": form,
        "filters": filters,
        "rows": showcase.matrix(**filters),
        "sort_links": _sort_links(request.GET, filters["sort"] or "featured"),
        "filtered": any(filters[name] not in ("", None) for name in ("capability", "provider", "max_cost")),
    }
    template = "catalog/models.html#matrix" if getattr(request, "htmx", False) else "catalog/models.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def model_detail(request: HttpRequest, name: str) -> HttpResponse:
    model = get_object_or_404(AIModel.objects.active(), name=name)
    now = timezone.now()
    day = performance.model_stats(window=performance.DAY, now=now, model_ids=[model.pk]).get(model.pk)
    month = performance.model_stats(window=performance.MONTH, now=now, model_ids=[model.pk]).get(model.pk)
    speed = performance.speed_of(model, month)
    user = request.user if request.user.is_authenticated else None
    context = {
        "base_layout": _layout(request),
        "model": model,
        "stats_day": day,
        "stats_month": month,
        "speed": speed,
        "speed_label": showcase.SPEED_LABELS.get(speed.kind, speed.kind),
        "price": showcase.price_text(model.pricing),
        "price_note": showcase.price_note(model.pricing),
        "resolution": showcase.max_resolution(model),
        "is_new": showcase.is_new(model, first=showcase.first_catalog_load(), now=now),
        "capabilities": [(c, showcase.CAPABILITIES.get(c, c)) for c in model.capabilities],
        "quality_label": showcase.QUALITY_LABELS.get(model.quality_class, model.quality_class),
        "best_uses": showcase.best_uses(model),
        "recommendation": showcase.recommendation(model),
        "on_generate_page": showcase.generates_from_text(model),
        "apply_url": showcase.apply_url(model),
        "own_images": own_images(user, model, SAMPLES) if user else [],
        "public_images": public_images_of(model, exclude_user=user, limit=SAMPLES),
        "engine_samples": list(enumerate(showcase.SAMPLE_PROMPTS)) if showcase.has_engine_samples(model) else [],
    }
    return render(request, "catalog/model_detail.html", context)


@require_GET
@cache_control(public=True, max_age=24 * 60 * 60)
def model_sample(request: HttpRequest, name: str, index: int) -> HttpResponse:
    """A picture the offline engine draws for one of its own models: fixed prompt and seed, so it is cached."""
    model = get_object_or_404(AIModel.objects.active(), name=name)
    if not showcase.has_engine_samples(model) or index >= len(showcase.SAMPLE_PROMPTS):
        raise Http404("This model has no engine samples.")
    key = f"catalog:sample:{model.endpoint_id}:{index}:{model.updated_at.timestamp()}"
    data = cache.get(key)
    if data is None:
        data = showcase.render_sample(model, index)
        cache.set(key, data, 7 * 24 * 60 * 60)
    return HttpResponse(data, content_type="image/webp")


@login_required
@require_GET
def model_status(request: AuthenticatedRequest) -> HttpResponse:
    """The dashboard's model status card, loaded after the page (it may wait on a fal probe)."""
    return render(request, "catalog/partials/model_status.html", {"status": performance.model_status(request.user)})


@login_required
@require_GET
def announcement(request: AuthenticatedRequest) -> HttpResponse:
    """The banner for models the catalog gained since the user last dismissed it (empty when there are none)."""
    unseen = announcements.unseen_models(request.user, settings_of(request))
    return render(request, "catalog/partials/announcement.html", {"unseen": unseen})


@login_required
@require_POST
def announcement_dismiss(request: AuthenticatedRequest) -> HttpResponse:
    """Mark the new models seen; with `open=<model name>`, go to that model's page."""
    announcements.mark_seen(request.user)
    if name := request.POST.get("open"):
        model = get_object_or_404(AIModel.objects.active(), name=name)
        return redirect("model_detail", name=model.name)
    if request.htmx:
        return HttpResponse("")
    return redirect("models")
