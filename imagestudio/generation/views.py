from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog import services as catalog
from imagestudio.catalog.params import ParameterError
from imagestudio.generation import services
from imagestudio.generation.forms import GenerateForm
from imagestudio.generation.models import GenerationJob

RECENT_JOBS = 8
# Map service error fields to form fields.
FORM_FIELDS = {"model_id": "model", "image_size": "aspect_ratio", "aspect_ratio": "aspect_ratio"}


def get_job_for(user, job_id) -> GenerationJob:
    try:
        return GenerationJob.objects.select_related("model").prefetch_related("images").get(pk=job_id, user=user)
    except (GenerationJob.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such job.") from None


def _recent_jobs(user):
    return GenerationJob.objects.filter(user=user).select_related("model").prefetch_related("images")[:RECENT_JOBS]


@login_required
def generate(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = GenerateForm(request.POST)
        job = _submit(request, form)
        if job is not None:
            if request.htmx:
                return render(request, "generation/partials/job_card.html", {"job": job, "fresh": True})
            return redirect("generate")
        if request.htmx:
            response = render(request, "generation/partials/generate_form.html", {"form": form}, status=200)
            response["HX-Retarget"] = "#generate-form"
            response["HX-Reswap"] = "outerHTML"
            return response
    else:
        initial = {}
        model = catalog.default_model()
        if model:
            initial["model"] = model.endpoint_id
        form = GenerateForm(initial=initial)
    return render(request, "generation/generate.html", {"form": form, "jobs": _recent_jobs(request.user)})


def _submit(request: HttpRequest, form: GenerateForm) -> GenerationJob | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.enqueue(services.GenerationRequest(
            user=request.user, model=data["model"], prompt=data["prompt"],
            negative_prompt=data.get("negative_prompt", ""), parameters=form.parameters(),
        ))
    except ParameterError as exc:
        field = FORM_FIELDS.get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
    except InsufficientCredits as exc:
        form.add_error(None, str(exc))
    return None


@login_required
def job_card(request: HttpRequest, job_id) -> HttpResponse:
    job = get_job_for(request.user, job_id)
    return render(request, "generation/partials/job_card.html", {"job": job})


@login_required
@require_POST
def cancel_job(request: HttpRequest, job_id) -> HttpResponse:
    job = get_job_for(request.user, job_id)
    services.cancel(job)
    if request.htmx:
        return render(request, "generation/partials/job_card.html", {"job": job})
    return redirect("generate")
