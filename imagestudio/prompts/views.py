from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.lib.ratelimit import limit, user_or_ip
from imagestudio.prompts import services
from imagestudio.prompts.forms import RefineForm

PARTIAL = "prompts/partials/refinements.html"


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
        return render(request, PARTIAL, {"error": str(exc)}, status=422)
    context = {
        "rows": services.with_highlights(data["prompt"], result.suggestions),
        "source": result.source,
        "model": result.model,
    }
    return render(request, PARTIAL, context)
