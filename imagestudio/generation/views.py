from __future__ import annotations

import uuid
from typing import TypedDict

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog import services as catalog
from imagestudio.catalog import showcase
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.panel import Panel, build_panel
from imagestudio.catalog.params import ASPECT_RATIOS, ParameterError, resolve
from imagestudio.catalog.styles import STYLE_PRESETS
from imagestudio.events.jobs import mark_watched
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.models import Image
from imagestudio.gallery.public import get_public_image
from imagestudio.generation import selectors, services
from imagestudio.generation.access import get_job_for, get_preset_for, limit_generation
from imagestudio.generation.forms import GenerateForm, PresetForm
from imagestudio.generation.models import GenerationJob, Preset
from imagestudio.preferences import defaults as user_defaults
from imagestudio.preferences.middleware import settings_of
from imagestudio.projects.models import Project
from imagestudio.workspaces import credits as team_credits
from imagestudio.workspaces.access import get_project_for
from imagestudio.workspaces.models import Workspace

RECENT_JOBS = 8
HISTORY_JOBS = 20
FORM_FIELDS = {"model_id": "model", "image_size": "aspect_ratio"}  # service error field → form field
FORM_DEFAULTS = ("aspect_ratio", "resolution", "num_images", "seed", "style", "negative_prompt")


class Estimate(TypedDict):
    """What the cost estimate shows: credits needed (None when they can't be worked out) and why not."""

    model: AIModel | None
    credits: int | None
    balance: int
    problem: str


def _selected_model(request: HttpRequest, form: GenerateForm | None = None) -> AIModel | None:
    # The form's initial model first: it is the requested one only when the page offers it.
    ref = request.POST.get("model") or (form.initial.get("model") if form is not None else None)
    ref = ref or request.GET.get("model")
    return (catalog.get_model(ref) if ref else None) or catalog.default_model()


def _panel_values(request: HttpRequest, panel: Panel) -> dict[str, bool | str]:
    """The model-specific settings posted from the panel (checkboxes send a hidden "false" first)."""
    values: dict[str, bool | str] = {}
    for field in panel.fields:
        raw = request.POST.getlist(field.name)
        if not raw:
            continue
        if field.kind == "boolean":
            values[field.name] = raw[-1] in ("true", "on", "1")
        elif raw[-1].strip() != "":
            values[field.name] = raw[-1].strip()
    return values


def _page_context(
    request: AuthenticatedRequest, form: GenerateForm, model: AIModel | None, values: dict | None = None
) -> dict:
    panel = build_panel(model.input_schema) if model else None
    values = values if values is not None else (model.default_parameters if model else {})
    return {
        "form": form,
        "selected_model": model,
        "panel": panel,
        "panel_rows": panel.rows(values) if panel else [],
        "panel_errors": form.panel_errors,
        "jobs": selectors.jobs_for(request.user)[:RECENT_JOBS],
        "history": selectors.jobs_for(request.user)[:HISTORY_JOBS],
        "presets": Preset.objects.filter(user=request.user),
        "estimate": estimate_for(request),
        "style_presets": STYLE_PRESETS.values(),
        "style_fragment": _style_fragment(form),
        "preset_form": PresetForm(),
    }


def _style_fragment(form: GenerateForm) -> str:
    preset = STYLE_PRESETS.get(str(form["style"].value() or ""))
    return gettext("Adds: %(fragment)s") % {"fragment": preset.fragment} if preset else ""


def _initial_from_job(job: GenerationJob) -> tuple[dict, dict]:
    size = (job.width, job.height)
    ratio = next((name for name, dims in ASPECT_RATIOS.items() if dims == size), "custom")
    initial = {
        "model": job.model.endpoint_id,
        "prompt": job.user_prompt or job.prompt,
        "negative_prompt": job.negative_prompt,
        "style": job.style or "none",
        "aspect_ratio": ratio,
        "width": job.width,
        "height": job.height,
        "num_images": job.num_images,
        "seed": job.parameters.get("seed"),
    }
    panel_values = {k: v for k, v in job.parameters.items() if k not in initial and k not in ("image_size", "style")}
    return initial, panel_values


def _initial(request: AuthenticatedRequest) -> tuple[dict, dict | None]:
    project = get_project_for(request.user, pid, "edit") if (pid := request.GET.get("project")) else None
    chosen = {"project": project.pk} if project else {}
    if job_id := request.GET.get("from"):
        initial, values = _initial_from_job(get_job_for(request.user, job_id))
        return {**initial, **chosen}, values
    if image_id := request.GET.get("remix"):
        image = _remixable(request, image_id)
        return {**_initial_from_image(image), "remix_of": image.pk, **chosen}, None
    if preset_id := request.GET.get("preset"):
        preset = get_preset_for(request.user, preset_id)
        return {**preset.settings.get("form", {}), **chosen}, dict(preset.settings.get("panel", {}))
    if project is not None and project.settings:
        return _initial_from_project(project)
    return _initial_from_user_settings(request, chosen)


def _initial_from_user_settings(request: AuthenticatedRequest, chosen: dict) -> tuple[dict, dict | None]:
    """Nothing particular asked for: the settings of the user's last generation (when they chose to remember
    them), else their default model and parameters (Settings → Models). An explicit ?model= still wins."""
    if ref := request.GET.get("model"):
        # From a model's page: that model, with its recommended settings when the link asks for them.
        initial, values = showcase.generate_start(ref, recommended=request.GET.get("settings") == "recommended")
        return initial | chosen, values
    initial, values = user_defaults.generate_start(settings_of(request))
    return initial | chosen, values


def _remix_parent(request: AuthenticatedRequest, image_id) -> Image | None:
    """The remixed image, when it is the user's (or their team's): a public image of someone else's is a
    starting point, not a parent in their lineage."""
    if not image_id:
        return None
    try:
        return get_image_for(request.user, image_id)
    except Http404:
        return None


def _remixable(request: AuthenticatedRequest, image_id: str) -> Image:
    """An image of the user's own (or their team's), or one from the public gallery."""
    try:
        return get_image_for(request.user, image_id)
    except Http404:
        return get_public_image(image_id)


def _initial_from_image(image: Image) -> dict:
    """The recipe of an image (ours or a public one) in the form's terms: remix keeps the seed and size."""
    size = (image.width, image.height)
    ratio = next((name for name, dims in ASPECT_RATIOS.items() if dims == size), "custom")
    return {
        "model": image.model.endpoint_id if image.model else None,
        "prompt": image.prompt,
        "negative_prompt": image.negative_prompt,
        "aspect_ratio": ratio,
        "width": image.width,
        "height": image.height,
        "seed": image.seed,
    }


def _initial_from_project(project: Project) -> tuple[dict, dict | None]:
    """The project's defaults: its model, the shared fields the form has, the rest for the model's panel."""
    model = catalog.get_model(project.settings.get("model", "")) or catalog.default_model()
    parameters = dict(project.settings.get("parameters", {}))
    shared = {name: parameters.pop(name) for name in FORM_DEFAULTS if name in parameters}
    initial = {"model": model.endpoint_id if model else None, "project": project.pk, **shared}
    return initial, parameters or None


@login_required
def generate(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        limit_generation(request)
        form = GenerateForm(request.POST, user=request.user)
        model = _selected_model(request)
        values = _panel_values(request, build_panel(model.input_schema)) if model else {}
        job = _submit(request, form, values)
        if job is not None:
            negative = {"negative_prompt": form.cleaned_data.get("negative_prompt", "")}
            user_defaults.remember_generation(
                user=request.user, model=job.model, parameters=form.parameters(values) | negative
            )
            request.user.refresh_from_db(fields=["credits_balance"])  # the page shows the new balance
            if request.htmx:
                mark_watched(job.pk)  # a fast job may end before the card's first poll
                return render(request, "generation/partials/job_card.html", {"job": job, "fresh": True})
            return redirect(
                f"{reverse('generate')}?project={job.project_id}" if job.project_id else reverse("generate")
            )
        context = _page_context(request, form, model, values)
        if request.htmx:
            response = render(request, "generation/partials/generate_form.html", context)
            response["HX-Retarget"] = "#generate-form"
            response["HX-Reswap"] = "outerHTML"
            return response
        return render(request, "generation/generate.html", context, status=422)
    initial, saved_values = _initial(request)
    form = GenerateForm(initial=initial, user=request.user)
    failed = _failed_job_to_fix(request)
    if failed:
        # Restoring a job the provider rejected: show its error on the field it named.
        form = GenerateForm(data={**initial, "model": initial.get("model")}, user=request.user)
        form.is_valid()
        _submit_error(form, ParameterError(failed.error_field, failed.error_message))
    return render(
        request, "generation/generate.html", _page_context(request, form, _selected_model(request, form), saved_values)
    )


def _failed_job_to_fix(request: AuthenticatedRequest) -> GenerationJob | None:
    job_id = request.GET.get("from")
    if not job_id:
        return None
    job = get_job_for(request.user, job_id)
    return job if job.status == "failed" and job.error_field else None


def _submit_error(form: GenerateForm, exc: ParameterError) -> None:
    field = FORM_FIELDS.get(exc.field, exc.field)
    if field in form.fields:
        form.add_error(field, exc.message)
    else:
        form.add_error(None, exc.message)
        form.panel_errors = {exc.field: exc.message}


def _submit(request: AuthenticatedRequest, form: GenerateForm, values: dict) -> GenerationJob | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    parent = _remix_parent(request, data.get("remix_of"))
    try:
        return services.enqueue(
            services.GenerationRequest(
                user=request.user,
                model=data["model"],
                prompt=data["prompt"],
                negative_prompt=data.get("negative_prompt", ""),
                parameters=form.parameters(values),
                project=data.get("project"),
                action="remix" if parent else "generate",
                parent_image=parent,
            )
        )
    except ParameterError as exc:
        _submit_error(form, exc)
    except (InsufficientCredits, services.QueueFull) as exc:
        form.add_error(None, str(exc))
    return None


@login_required
def parameter_panel(request: AuthenticatedRequest) -> HttpResponse:
    """The settings panel for the chosen model (swapped in when the model changes)."""
    model = _selected_model(request)
    if model is None:
        raise Http404("No such model.")
    panel = build_panel(model.input_schema)
    context = {"panel": panel, "panel_rows": panel.rows(model.default_parameters), "selected_model": model}
    return render(request, "generation/partials/parameter_panel.html", context)


def estimate_for(request: AuthenticatedRequest) -> Estimate:
    """Credits the current form would reserve, checked against the balance."""
    data = request.POST if request.method == "POST" else request.GET
    model = _selected_model(request)
    team = _paying_team(request, data.get("project"))
    balance = team.credits_balance if team else request.user.credits_balance
    result = Estimate(model=model, credits=None, balance=balance, problem="")
    if model is None:
        result["problem"] = gettext("Pick a model.")
        return result
    if not model.available:
        result["problem"] = model.unavailable_reason
        return result
    raw: dict[str, str | int | None] = {"num_images": data.get("num_images") or 1}
    if data.get("aspect_ratio") == "custom":
        raw.update(width=data.get("width"), height=data.get("height"))
    else:
        raw.update(aspect_ratio=data.get("aspect_ratio") or "1:1", resolution=data.get("resolution") or "1")
    try:
        resolved = resolve(model.input_schema, raw)
    except ParameterError as exc:
        result["problem"] = exc.message
        return result
    credits = services.estimate_credits(model, resolved.width, resolved.height, resolved.num_images)
    if services.runs_on_own_key(request.user, model):
        credits = 0  # fal bills the user's own key; no studio credits are reserved
    result["credits"] = credits
    if credits > balance:
        who = gettext("the team “%(team_name)s” has") % {"team_name": team.name} if team else gettext("you have")
        result["problem"] = gettext("Not enough credits: this needs %(credits)s and %(who)s %(balance)s.") % {
            "credits": credits,
            "who": who,
            "balance": balance,
        }
    return result


def _paying_team(request: AuthenticatedRequest, project_id: str | None) -> Workspace | None:
    """The team whose credits pay for results saved into the chosen project (None: the user pays)."""
    if not project_id:
        return None
    try:
        return team_credits.paying_workspace(get_project_for(request.user, project_id, "edit"))
    except (Http404, PermissionDenied):
        return None  # the form reports a project the user can't use when it is submitted


@login_required
def cost_estimate(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "generation/partials/cost_estimate.html", {"estimate": estimate_for(request)})


@login_required
def job_card(request: AuthenticatedRequest, job_id) -> HttpResponse:
    job = get_job_for(request.user, job_id)
    if job.is_active:  # the page is polling it: its owner sees the outcome there, no notification needed
        mark_watched(job.pk)
    return render(request, "generation/partials/job_card.html", {"job": job})


def _job_response(request: AuthenticatedRequest, job: GenerationJob) -> HttpResponse:
    if request.htmx:
        mark_watched(job.pk)
        return render(request, "generation/partials/job_card.html", {"job": job, "fresh": True})
    return redirect("generate")


def _queue_again(request: AuthenticatedRequest, make_job) -> HttpResponse:
    limit_generation(request)
    try:
        job = make_job()
    except (ParameterError, InsufficientCredits, services.QueueFull, services.JobNotRetryable) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("generate")
    return _job_response(request, job)


@login_required
@require_POST
def cancel_job(request: AuthenticatedRequest, job_id) -> HttpResponse:
    job = get_job_for(request.user, job_id)
    services.cancel(job)
    if request.htmx:
        return render(request, "generation/partials/job_card.html", {"job": get_job_for(request.user, job_id)})
    return redirect(_safe_next(request) or "generate")


def _safe_next(request: HttpRequest) -> str | None:
    """The `next` the form asked for, if it stays on this site (no open redirects)."""
    target = request.POST.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else None


@login_required
@require_POST
def regenerate_job(request: AuthenticatedRequest, job_id) -> HttpResponse:
    job = get_job_for(request.user, job_id)
    return _queue_again(request, lambda: services.regenerate(job))


@login_required
@require_POST
def retry_job(request: AuthenticatedRequest, job_id) -> HttpResponse:
    job = get_job_for(request.user, job_id)
    return _queue_again(request, lambda: services.retry(job))


@login_required
@require_POST
def vary_image(request: AuthenticatedRequest, image_id) -> HttpResponse:
    image = get_image_for(request.user, image_id)
    return _queue_again(request, lambda: services.vary(image, user=request.user))


@login_required
@require_POST
def save_preset(request: AuthenticatedRequest) -> HttpResponse:
    form = GenerateForm(request.POST, user=request.user)
    name_form = PresetForm(request.POST)
    model = _selected_model(request)
    if not (form.is_valid() and name_form.is_valid() and model):
        messages.error(request, gettext("Fill in the prompt and a preset name to save a preset."))
        return redirect("generate")
    settings = {
        "form": {
            **{k: v for k, v in form.cleaned_data.items() if k not in ("model", "project", "remix_of")},
            "model": model.endpoint_id,
        },
        "panel": _panel_values(request, build_panel(model.input_schema)),
    }
    name = name_form.cleaned_data["name"]
    presets = Preset.objects.filter(user=request.user)
    if not presets.filter(name=name).exists() and presets.count() >= django_settings.USER_MAX_PRESETS:
        messages.error(
            request,
            gettext("You have %(count)s presets, the most one account keeps; delete one first.")
            % {"count": django_settings.USER_MAX_PRESETS},
        )
        return redirect("generate")
    try:
        Preset.objects.update_or_create(
            user=request.user, name=name_form.cleaned_data["name"], defaults={"settings": settings}
        )
    except IntegrityError:
        messages.error(request, gettext("Could not save that preset; try another name."))
        return redirect("generate")
    messages.success(request, gettext("Saved preset “%(name)s”.") % {"name": name_form.cleaned_data["name"]})
    return redirect("generate")


@login_required
@require_POST
def delete_preset(request: AuthenticatedRequest, preset_id) -> HttpResponse:
    get_preset_for(request.user, preset_id).delete()
    messages.success(request, gettext("Preset deleted."))
    return redirect("generate")


@login_required
def queue_page(request: AuthenticatedRequest) -> HttpResponse:
    active = selectors.queue_rows(selectors.with_timings(selectors.active_jobs(request.user)))
    # The page shows (and polls) these jobs: they end before the user's eyes, no notification needed.
    mark_watched(*(row.job.pk for row in active))
    context = {
        "active": active,
        "finished": selectors.with_timings(selectors.finished_jobs(request.user)[:30]),
        "paused": services.queue_paused(request.user),
    }
    template = "generation/partials/queue_lists.html" if request.htmx else "generation/queue.html"
    return render(request, template, context)


@login_required
@require_POST
def queue_order(request: AuthenticatedRequest) -> HttpResponse:
    """The queue page's drag and drop: "job:<id>" and "batch:<id>" entries in their new order."""
    entries = []
    for value in request.POST.getlist("order"):
        kind, _, raw = value.partition(":")
        if kind in ("job", "batch") and (pk := _uuid_or_none(raw)):
            entries.append((kind, pk))
    services.reorder_queue(request.user, entries)
    return HttpResponse(status=204) if request.htmx or request.headers.get("X-Requested-With") else redirect("queue")


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@login_required
@require_POST
def queue_hold(request: AuthenticatedRequest) -> HttpResponse:
    """Pause or resume everything the user has queued."""
    if request.POST.get("paused") == "1":
        services.pause_queue(request.user)
        messages.success(
            request, gettext("Queue paused: nothing of yours starts until you resume. Running jobs finish.")
        )
    else:
        services.resume_queue(request.user)
        messages.success(request, gettext("Queue resumed."))
    return redirect("queue")
