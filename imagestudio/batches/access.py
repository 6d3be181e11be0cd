"""Who may see or control a batch — answered by `workspaces.access`, the one place that decides roles.

A batch belongs to the workspace it was started in: its creator controls it; other members see it as
their role allows (viewers look, admins may also pause, resume or cancel it). Outsiders get 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from imagestudio.batches.models import Batch
from imagestudio.workspaces.access import Action, require_workspace, workspace_ids


def get_batch_for(user: Any, batch_id: Any, action: Action = "view") -> Batch:
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such batch.")
    try:
        batch = Batch.objects.select_related("model", "project", "user").get(pk=batch_id)
    except (Batch.DoesNotExist, ValueError):
        raise Http404("No such batch.") from None
    if batch.user_id != user.pk:
        require_workspace(user, batch.workspace_id, "manage" if action != "view" else "view")
    return batch


def batches_visible_to(user: Any) -> QuerySet[Batch]:
    return Batch.objects.filter(Q(user=user) | Q(workspace_id__in=workspace_ids(user, "view")))
