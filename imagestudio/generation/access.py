"""Who may touch which job or preset, and how often anyone may queue work — for pages and the API alike.

Objects of others answer 404, never 403: we don't reveal that they exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest

from imagestudio.generation.models import GenerationJob, Preset
from imagestudio.lib.ratelimit import limit, user_or_ip


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_job_for(user: Any, job_id: Any) -> GenerationJob:
    """The job if `user` may see it; 404 otherwise (a malformed id is simply not found)."""
    pk = _uuid(job_id)
    if pk is None or not getattr(user, "is_authenticated", False):
        raise Http404("No such job.")
    try:
        return GenerationJob.objects.select_related("model").prefetch_related("images").get(pk=pk, user=user)
    except GenerationJob.DoesNotExist:
        raise Http404("No such job.") from None


def get_preset_for(user: Any, preset_id: Any) -> Preset:
    pk = _uuid(preset_id)
    if pk is None or not getattr(user, "is_authenticated", False):
        raise Http404("No such preset.")
    preset = Preset.objects.filter(user=user, pk=pk).first()
    if preset is None:
        raise Http404("No such preset.")
    return preset


def limit_generation(request: HttpRequest) -> None:
    """Every route that queues work counts against one per-user rate (raises RateLimited, answered 429)."""
    limit(request, action="generate", rate=settings.GENERATE_RATE_LIMIT, key=user_or_ip(request))
