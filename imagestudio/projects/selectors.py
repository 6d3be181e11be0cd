"""Reads for projects: lists (keyset-paginated, constant queries per page), images and statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.lib.pagination import Page, paginate_keyset, paginate_newest_first
from imagestudio.projects.models import Project
from imagestudio.workspaces.access import projects_visible_to, workspace_ids

Sort = Literal["updated", "name", "created"]
ORDER = {"updated": "-updated_at", "name": "name", "created": "-created_at"}
PAGE_SIZE = 24


def with_image_count(projects: QuerySet[Project]) -> QuerySet[Project]:
    live = (
        Image.objects.alive()
        .filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("*"))  # not COUNT(id): the partial index images_project_alive answers COUNT(*) alone
        .values("n")
    )
    return projects.annotate(image_count=Coalesce(Subquery(live, output_field=IntegerField()), 0))


def projects_of(
    user, *, workspace_id=None, q: str = "", archived: bool = False, templates: bool | None = False
) -> QuerySet[Project]:
    """Projects the user may see (in one workspace, or all of theirs), matching every word of `q` in the name,
    description or category. Archived ones only when asked; templates only when asked (None: both)."""
    projects = projects_visible_to(user).filter(is_archived=archived)
    if workspace_id is not None:
        projects = projects.filter(workspace_id=workspace_id)
    if templates is not None:
        projects = projects.filter(is_template=templates)
    for word in q.split()[:8]:
        projects = projects.filter(
            Q(name__icontains=word) | Q(description__icontains=word) | Q(category__icontains=word)
        )
    return projects


def projects_page(
    user,
    *,
    workspace_id=None,
    q: str = "",
    archived: bool = False,
    sort: Sort = "updated",
    cursor=None,
    limit=PAGE_SIZE,
) -> Page:
    projects = projects_of(user, workspace_id=workspace_id, q=q, archived=archived)
    projects = with_image_count(projects.select_related("cover_image", "workspace"))
    return paginate_keyset(projects, cursor, limit, ORDER[sort])


MOVE_TARGETS = 100


def move_targets(user, workspace_id) -> list[Project]:
    """Projects of one workspace that `user` may put images into, most recently used first (one query):
    the sidebar's drop targets and the selection bar's "Move to" choices."""
    return list(
        Project.objects.filter(
            workspace_id=workspace_id,
            workspace_id__in=workspace_ids(user, "edit"),
            is_archived=False,
            is_template=False,
        )
        .only("id", "name", "workspace_id")
        .order_by("-updated_at", "-id")[:MOVE_TARGETS]
    )


def project_images_page(project: Project, cursor: str | None = None, limit: int = 40) -> Page:
    return paginate_newest_first(Image.objects.alive().filter(project=project).select_related("model"), cursor, limit)


@dataclass
class ProjectStats:
    images: int
    favourites: int
    generations: int
    succeeded: int
    credits_spent: int
    models: list[tuple[str, int]]  # (display name, images), most used first
    per_day: list[tuple[str, int]]  # (ISO date, images) for the last 30 days with images


def project_stats(project: Project) -> ProjectStats:
    images = Image.objects.alive().filter(project=project)
    counts = images.aggregate(n=Count("pk"), fav=Count("pk", filter=Q(is_favorite=True)))
    jobs = GenerationJob.objects.filter(project=project).aggregate(
        n=Count("pk"),
        ok=Count("pk", filter=Q(status=JobStatus.SUCCEEDED)),
        spent=Coalesce(Sum("credits_charged"), 0),
    )
    models = list(
        images.exclude(model=None)
        .values_list("model__display_name")
        .annotate(n=Count("*"))  # not COUNT(id): the partial index images_project_alive answers COUNT(*) alone
        .order_by("-n", "model__display_name")[:8]
    )
    since = timezone.now() - timedelta(days=30)
    per_day = [
        (day.isoformat(), n)
        for day, n in images.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("*"))  # not COUNT(id): the partial index images_project_alive answers COUNT(*) alone
        .order_by("day")
    ]
    return ProjectStats(
        images=counts["n"],
        favourites=counts["fav"],
        generations=jobs["n"],
        succeeded=jobs["ok"],
        credits_spent=jobs["spent"],
        models=[(name, n) for name, n in models],
        per_day=per_day,
    )
