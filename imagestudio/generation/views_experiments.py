"""A/B and X/Y comparison pages: set one up, watch its labelled grid fill in, pick the winner."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog import services as catalog
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError
from imagestudio.events.jobs import mark_watched
from imagestudio.gallery.access import get_image_for
from imagestudio.generation import experiments, services
from imagestudio.generation.access import limit_generation
from imagestudio.generation.models import Experiment


def _models() -> list[AIModel]:
    return list(AIModel.objects.active().with_capability("text-to-image"))


def _chosen_model(data: QueryDict) -> AIModel | None:
    model = catalog.get_model(data.get("model_id") or "") if data.get("model_id") else catalog.default_model()
    return model if model is not None and "text-to-image" in model.capabilities else None


@login_required
def compare_new(request: AuthenticatedRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    model = _chosen_model(data)
    error: ParameterError | None = None
    if request.method == "POST":
        limit_generation(request)
        try:
            experiment = _start(request, data, model)
        except ParameterError as exc:
            error = exc
        except (InsufficientCredits, services.QueueFull) as exc:
            error = ParameterError("", str(exc))
        else:
            return redirect("compare_detail", experiment_id=experiment.pk)
    context = {
        "models": _models(),
        "model": model,
        "sweepable": experiments.sweepable(model) if model else [],
        "values": defaultdict(str, data.dict()),
        "error": error,
        "field_error": defaultdict(str, {error.field: error.message} if error and error.field else {}),
        "recent": Experiment.objects.filter(user=request.user).select_related("model")[:8],
        "max_jobs": experiments.MAX_JOBS,
    }
    return render(request, "generation/compare/new.html", context, status=422 if error else 200)


def _start(request: AuthenticatedRequest, data: QueryDict, model: AIModel | None) -> Experiment:
    if model is None:
        raise ParameterError("model_id", gettext("Choose a model that makes images from text."))
    x = experiments.parse_axis(model, data.get("x", ""), data.get("x_values", ""), "x") if data.get("x") else None
    y = experiments.parse_axis(model, data.get("y", ""), data.get("y_values", ""), "y") if data.get("y") else None
    by_prompts = data.get("mode") == "prompts"
    return experiments.start(
        request.user,
        model=model,
        prompt=data.get("prompt", ""),
        negative_prompt=data.get("negative_prompt", ""),
        prompts=data.get("prompts", "").splitlines() if by_prompts else None,
        x=x,
        y=None if by_prompts else y,
        seeds=_seeds(data.get("seeds", "")),
        seed_count=_int(data.get("seed_count"), "seed_count", 2),
    )


def _int(text: str | None, field: str, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        raise ParameterError(field, gettext("Give a whole number.")) from None


def _seeds(text: str) -> list[int] | None:
    parts = [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]
    if not parts:
        return None
    try:
        return [int(part) for part in parts]
    except ValueError:
        raise ParameterError("seeds", gettext("Seeds are whole numbers, separated by commas.")) from None


def _experiment_for(request: AuthenticatedRequest, experiment_id) -> Experiment:
    experiment = (
        Experiment.objects.filter(pk=experiment_id, user=request.user).select_related("model", "winner").first()
    )
    if experiment is None:
        raise Http404("No such comparison.")
    return experiment


@login_required
def compare_detail(request: AuthenticatedRequest, experiment_id) -> HttpResponse:
    grid = experiments.grid_of(_experiment_for(request, experiment_id))
    if grid.active:  # the page shows (and polls) the grid: its jobs end in view, no notification for them
        mark_watched(*(cell["job"] for cell in grid.experiment.cells))
    template = "generation/compare/partials/grid.html" if request.htmx else "generation/compare/detail.html"
    return render(request, template, {"grid": grid, "experiment": grid.experiment})


@login_required
@require_POST
def compare_winner(request: AuthenticatedRequest, experiment_id) -> HttpResponse:
    experiment = _experiment_for(request, experiment_id)
    image = get_image_for(request.user, request.POST.get("image_id"))
    try:
        experiments.pick_winner(experiment, image)
    except ParameterError as exc:
        messages.error(request, exc.message)
        return redirect("compare_detail", experiment_id=experiment.pk)
    messages.success(request, gettext("Winner picked: iterate on it, upscale it, or remix its recipe from here."))
    return redirect(reverse("image_detail", args=[image.pk]))
