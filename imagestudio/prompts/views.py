from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.lib.ratelimit import limit, user_or_ip
from imagestudio.prompts import refine, services
from imagestudio.prompts.forms import RefineForm
from imagestudio.prompts.variations import variations

PARTIAL = "prompts/partials/refinements.html"


def _message(exc: ValueError) -> str:
    """The rules' own messages (plain Python, so English) in the reader's language; any other as it is."""
    text = str(exc)
    if text == refine.EMPTY_PROMPT:
        return gettext("Write a prompt first: there is nothing to refine.")
    if text == refine.TOO_LONG:
        return gettext("The prompt is over %(max)s characters: shorten it before refining it.") % {
            "max": refine.MAX_PROMPT
        }
    return text


@login_required
@require_POST
def refine_prompt(request: AuthenticatedRequest) -> HttpResponse:
    """The suggestions panel under the generate form's prompt (an htmx partial); 422 with a message on bad input."""
    limit(request, action="refine", rate=settings.PROMPT_REFINE_RATE_LIMIT, key=user_or_ip(request))
    form = RefineForm(request.POST)
    if not form.is_valid():
        return render(request, PARTIAL, {"error": form.first_error()}, status=422)
    data = form.cleaned_data
    try:
        result = services.refine_prompt(
            prompt=data["prompt"], negative_prompt=data["negative_prompt"], model=services.find_model(data["model"])
        )
    except ValueError as exc:
        return render(request, PARTIAL, {"error": _message(exc)}, status=422)
    context = {
        "rows": services.with_highlights(data["prompt"], result.suggestions),
        "source": result.source,
        "model": result.model,
    }
    return render(request, PARTIAL, context)


MAX_SEED = 1_000_000


@login_required
@require_POST
def prompt_variations(request: AuthenticatedRequest) -> HttpResponse:
    """Variations of the generate form's prompt (synonyms, an added detail, a new emphasis, a mix) in the same
    panel as Refine's rewrites; its More button asks again with the next seed. 422 with a message on bad input."""
    limit(request, action="variations", rate=settings.PROMPT_REFINE_RATE_LIMIT, key=user_or_ip(request))
    base = {"title": gettext("Variations"), "mode": "variations"}
    form = RefineForm(request.POST)
    if not form.is_valid():
        return render(request, PARTIAL, {**base, "error": form.first_error()}, status=422)
    data = form.cleaned_data
    seed = _seed(request.POST.get("seed"))
    model = services.find_model(data["model"])
    try:
        found = variations(data["prompt"], services.family_of(model), seed=seed)
    except ValueError as exc:
        return render(request, PARTIAL, {**base, "error": _message(exc)}, status=422)
    context = {
        **base,
        "rows": services.with_highlights(data["prompt"], found),
        "source": "offline",
        "model": model,
        "next_seed": seed + 1 if seed < MAX_SEED else 0,
    }
    return render(request, PARTIAL, context)


def _seed(value: str | None) -> int:
    """The seed a More button sends (a small whole number); anything else starts again at 0."""
    try:
        seed = int(value or 0)
    except ValueError:
        return 0
    return seed if 0 <= seed <= MAX_SEED else 0
