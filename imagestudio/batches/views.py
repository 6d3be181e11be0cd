"""Batch pages: set one up (review first: count, cost and every bad line before anything is queued), watch
it run, control it, see and export its results."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.batches import services, sources
from imagestudio.batches.access import batches_visible_to, get_batch_for
from imagestudio.batches.models import ItemStatus
from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog import services as catalog
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ASPECT_RATIOS, ParameterError
from imagestudio.gallery import export
from imagestudio.gallery.models import Image
from imagestudio.generation.access import get_preset_for, limit_generation
from imagestudio.generation.models import Preset
from imagestudio.projects.models import Project
from imagestudio.workspaces.access import get_project_for, projects_visible_to, workspace_ids
from imagestudio.workspaces.current import current_workspace

SOURCES = [
    ("prompts", gettext_lazy("List")),
    ("csv", "CSV"),
    ("template", gettext_lazy("Template")),
    ("seeds", gettext_lazy("Seed grid")),
]
PREVIEW_ROWS = 12
MAX_CSV_BYTES = 2 * 1024 * 1024


@login_required
def batch_list(request: AuthenticatedRequest) -> HttpResponse:
    """The newest batches, each with how far it got (one query: the counts are annotated, not asked per row)."""
    ended = Q(items__status__in=(ItemStatus.SUCCEEDED, ItemStatus.FAILED, ItemStatus.CANCELED))
    batches = batches_visible_to(request.user).select_related("model").annotate(done=Count("items", filter=ended))
    rows = [(batch, batch.done / batch.total if batch.total else 1.0) for batch in batches[:50]]
    return render(request, "batches/list.html", {"rows": rows})


def _models() -> list[AIModel]:
    return list(AIModel.objects.active().with_capability("text-to-image"))


def _projects(request: AuthenticatedRequest) -> list[Project]:
    visible = projects_visible_to(request.user).filter(
        workspace_id__in=workspace_ids(request.user, "edit"), is_archived=False, is_template=False
    )
    return list(visible.order_by("name"))


@login_required
def batch_new(request: AuthenticatedRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else QueryDict()
    context: dict = {
        "sources": SOURCES,
        "models": _models(),
        "projects": _projects(request),
        "aspect_ratios": list(ASPECT_RATIOS),
        "presets": list(Preset.objects.filter(user=request.user)),
        "values": defaultdict(str, data.dict()),
        "source": data.get("source") or "prompts",
    }
    if request.method != "POST":
        default = catalog.default_model()
        context["values"]["model_id"] = default.endpoint_id if default else ""
        return render(request, "batches/new.html", context)
    limit_generation(request)
    try:
        settings = _settings(request, data)
        rows = _rows(request, data, context)
        dynamic = data.get("dynamic") if data.get("dynamic") in ("random", "all", "none") else "random"
        rows = sources.expand_dynamic(rows, dynamic)  # type: ignore[arg-type]
        if data.get("confirm"):
            batch = services.create(
                request.user, settings.project.workspace if settings.project else current_workspace(request),
                context["source"], rows, settings,
            )  # fmt: skip
            messages.success(request, gettext("Batch started: %(total)s items.") % {"total": batch.total})
            return redirect("batch_detail", batch_id=batch.pk)
        _, estimates = services.check_rows(request.user, rows, settings)
        context["review"] = {"count": len(rows), "credits": sum(estimates), "rows": rows[:PREVIEW_ROWS]}
    except sources.SourceError as exc:
        context["line_errors"] = exc.errors[:100]
        context["error_count"] = len(exc.errors)
    except ParameterError as exc:
        context["error"] = exc.message
    except InsufficientCredits as exc:
        context["error"] = str(exc)
    status = 422 if context.get("line_errors") or context.get("error") else 200
    return render(request, "batches/new.html", context, status=status)


def _settings(request: AuthenticatedRequest, data: QueryDict) -> services.Settings:
    model = catalog.get_model(data.get("model_id") or "")
    parameters: dict = {"aspect_ratio": data.get("aspect_ratio") or "1:1", "num_images": 1}
    if data.get("preset"):
        preset_model, parameters = services.preset_parameters(get_preset_for(request.user, data["preset"]))
        model = preset_model or model
    if model is None or "text-to-image" not in model.capabilities:
        raise ParameterError("model_id", gettext("Choose a model that makes images from text."))
    project = get_project_for(request.user, data["project"], "edit") if data.get("project") else None
    return services.Settings(
        model=model,
        parameters=parameters,
        project=project,
        priority=_int(data.get("priority"), "priority") or 0,
        run_after=_when(data.get("run_after")),
        budget_credits=_int(data.get("budget_credits"), "budget_credits"),
        name=data.get("name", ""),
    )


def _int(text: str | None, field: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ParameterError(field, f"{field.replace('_', ' ').capitalize()} must be a whole number.") from None


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ParameterError("run_after", gettext("The start time is not a date and time.")) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _rows(request: AuthenticatedRequest, data: QueryDict, context: dict) -> list[sources.Row]:
    source = context["source"]
    if source == "csv":
        text = data.get("csv_text", "")
        upload = request.FILES.get("csv_file")
        if upload is not None:
            if upload.size and upload.size > MAX_CSV_BYTES:
                raise ParameterError("csv_file", gettext("The CSV is over 2 MB."))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ParameterError(
                    "csv_file", gettext("The CSV is not UTF-8 text: save it as “CSV UTF-8” and upload it again.")
                ) from None
        context["values"]["csv_text"] = text  # kept for the confirm step
        return sources.from_csv(text)
    if source == "template":
        return sources.from_template(data.get("template", ""), _variables(data.get("variables", "")))
    if source == "seeds":
        seeds = [int(part) for part in data.get("seeds", "").replace(" ", ",").split(",") if part.strip().isdigit()]
        count = _int(data.get("seed_count"), "seed_count") or 0
        seeds = seeds or [secrets.randbelow(2**31) for _ in range(min(count, sources.MAX_ROWS))]
        return sources.seed_grid(data.get("prompt", ""), seeds)
    return sources.from_lines(data.get("prompts", ""))


def _variables(text: str) -> dict[str, list[str]]:
    """`animal: fox, owl` one per line."""
    variables: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, _, values = line.partition(":")
        if name.strip():
            variables[name.strip().strip("{} ")] = [value.strip() for value in values.split(",") if value.strip()]
    return variables


@login_required
def batch_detail(request: AuthenticatedRequest, batch_id) -> HttpResponse:
    batch = get_batch_for(request.user, batch_id)
    context = {
        "batch": batch,
        "progress": services.progress(batch),
        "results": _results(batch),
        "failed": list(batch.items.filter(status="failed")[:20]),
        "can_control": batch.user_id == request.user.pk or _is_admin(request, batch),
    }
    template = "batches/partials/live.html" if request.htmx else "batches/detail.html"
    return render(request, template, context)


def _is_admin(request: AuthenticatedRequest, batch) -> bool:
    return batch.workspace_id in set(workspace_ids(request.user, "manage").values_list("workspace_id", flat=True))


def _results(batch) -> list[Image]:
    """The newest results (the grid shows the prompt on each)."""
    return list(Image.objects.alive().filter(job__batch_id=batch.pk).order_by("-created_at")[:60])


COMMANDS = {
    "pause": services.pause,
    "resume": services.resume,
    "cancel": services.cancel,
    "retry": services.retry_failed,
}


@login_required
@require_POST
def batch_control(request: AuthenticatedRequest, batch_id, command: str) -> HttpResponse:
    if command not in COMMANDS:
        raise Http404("No such command.")
    batch = get_batch_for(request.user, batch_id, "manage")
    try:
        COMMANDS[command](batch)
    except services.BatchError as exc:
        messages.error(request, str(exc))
    return redirect("batch_detail", batch_id=batch.pk)


@login_required
def batch_export(request: AuthenticatedRequest, batch_id) -> StreamingHttpResponse:
    """The batch's images and their metadata as one streamed ZIP."""
    batch = get_batch_for(request.user, batch_id)
    images = Image.objects.alive().filter(job__batch_id=batch.pk).select_related("model").order_by("created_at")
    description = {"batch": str(batch.pk), "name": batch.name}
    response = StreamingHttpResponse(
        export.stream_zip(images.iterator(chunk_size=200), description), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"batch-{str(batch.pk)[:8]}.zip")
    return response
