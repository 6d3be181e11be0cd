"""Team credits: which balance pays for a job, what a member may spend from it, and per-member usage.

The money itself moves only through `billing.services` (one ledger code for users and teams); this module
holds the team's rules around it, asked by `generation.services` when a job is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils.translation import gettext

from imagestudio.billing import services as billing
from imagestudio.catalog.params import ParameterError
from imagestudio.generation.models import GenerationJob
from imagestudio.workspaces.models import Membership, Workspace

if TYPE_CHECKING:
    from imagestudio.catalog.models import AIModel
    from imagestudio.projects.models import Project


def paying_workspace(project: Project | None) -> Workspace | None:
    """The team whose balance pays for a job in `project`; None (the user pays) outside team projects."""
    if project is None:
        return None
    workspace = project.workspace
    return None if workspace.is_personal else workspace


def check_model_allowed(workspace: Workspace, user, model: AIModel) -> Membership:
    """The member's membership, if they may charge `model` to the team. Raises ParameterError otherwise."""
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None:  # e.g. retrying an old job after leaving the team
        raise ParameterError(
            "project_id",
            gettext("You are not a member of “%(name)s”, so its credits can't pay.") % {"name": workspace.name},
        )
    if not membership.may_use(model.name):
        raise ParameterError(
            "model_id", gettext("Your team admin has not enabled %(model)s for you.") % {"model": model.display_name}
        )
    return membership


def spent_this_month(membership: Membership) -> int:
    spent = billing.team_spend(membership.workspace_id, since=billing.month_start(), user_id=membership.user_id)
    return spent.get(membership.user_id, 0)


def check_monthly_limit(workspace_id, user, adding: int) -> None:
    """Refuse `adding` credits that would take the member past their monthly team limit.

    Call inside the enqueue transaction, after its per-user lock: two enqueues by one member then cannot
    both see the same room left.
    """
    membership = Membership.objects.filter(workspace_id=workspace_id, user=user).first()
    limit = membership.monthly_credit_limit if membership else None
    if membership is None or limit is None or adding <= 0:
        return
    left = max(0, limit - spent_this_month(membership))
    if adding > left:
        raise billing.MonthlyLimitReached(adding, left)


@dataclass
class MemberUsage:
    membership: Membership
    spent: int  # credits this calendar month (queued and running jobs count what they hold)
    jobs: int  # jobs charged to the team this calendar month

    @property
    def limit(self) -> int | None:
        return self.membership.monthly_credit_limit

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.spent)

    @property
    def limit_text(self) -> str:
        return "" if self.limit is None else str(self.limit)

    @property
    def fraction(self) -> float:
        """How much of the limit is spent, 0..1 (0 without a limit; a zero limit is all spent)."""
        if self.limit is None:
            return 0.0
        return min(1.0, self.spent / self.limit) if self.limit else 1.0


def member_usage(workspace: Workspace) -> list[MemberUsage]:
    """Each member's spend and job count this calendar month, in joining order (three queries)."""
    since = billing.month_start()
    spent = billing.team_spend(workspace.pk, since=since)
    jobs = dict(
        GenerationJob.objects.filter(workspace=workspace, created_at__gte=since)
        .values("user_id")
        .annotate(count=Count("id"))
        .values_list("user_id", "count")
        .order_by()
    )
    members = Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at")
    return [MemberUsage(m, spent.get(m.user_id, 0), jobs.get(m.user_id, 0)) for m in members]
