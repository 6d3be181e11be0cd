"""How the models perform for us: counts, success rates, median times and average credits, read from the usage
log (one row per finished job), plus the live health the dashboard shows (`model_status`).

Stats cover every user's jobs: they describe the model and the providers, not one person. Canceled jobs are
left out (the person stopped them; the model did not fail). Two queries answer all models at once:
one aggregate, and one that ranks each model's times to pick its middle row or rows — an exact median
on SQLite and PostgreSQL alike (window functions), without reading every time into Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from imagestudio.billing.models import UsageLog
from imagestudio.catalog import probes
from imagestudio.catalog.models import AIModel
from imagestudio.generation.models import JobStatus

DAY = timedelta(hours=24)
MONTH = timedelta(days=30)
STATUS_MODELS = 6  # models on the dashboard's status card
STATS_CACHE_SECONDS = 300
# Below this many timed jobs a measured median says little; labels fall back to the catalog's class.
MIN_TIMED_JOBS = 3
# Median seconds that count as fast or standard; slower is slow.
FAST_SECONDS, STANDARD_SECONDS = 5.0, 20.0


@dataclass(frozen=True)
class ModelStats:
    model_id: UUID
    jobs: int  # finished jobs in the window: succeeded and failed
    succeeded: int
    timed: int  # succeeded jobs with a generation time
    median_seconds: float | None
    average_credits: float | None  # per succeeded job

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.jobs if self.jobs else None

    @property
    def success_percent(self) -> int | None:
        rate = self.success_rate
        return None if rate is None else round(rate * 100)


def _window(since: datetime, until: datetime) -> QuerySet[UsageLog]:
    """Outcomes logged in [since, until]; a job that no longer exists still counts."""
    logs = UsageLog.objects.filter(created_at__gte=since, created_at__lte=until, model__isnull=False)
    return logs.exclude(job__status=JobStatus.CANCELED)


def _medians(logs: QuerySet[UsageLog]) -> dict[Any, float]:
    """Each model's exact median time: rank its timed rows, keep the middle one (odd count) or two (even)."""
    ranked = (
        logs.filter(success=True, generation_time__isnull=False)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("model_id")], order_by=[F("generation_time").asc()]),
            total=Window(Count("id"), partition_by=[F("model_id")]),
        )
        # Integer division on both databases: count 5 → rows 3..3, count 4 → rows 2..3.
        .filter(position__gte=(F("total") + 1) / 2, position__lte=(F("total") + 2) / 2)
        .values_list("model_id", "generation_time")
    )
    middles: dict[Any, list[float]] = {}
    for model_id, seconds in ranked:
        if seconds is not None:  # filtered out above; the column itself is nullable
            middles.setdefault(model_id, []).append(seconds)
    return {model_id: sum(values) / len(values) for model_id, values in middles.items()}


def model_stats(
    *, window: timedelta = DAY, now: datetime | None = None, model_ids: list[Any] | None = None
) -> dict[Any, ModelStats]:
    """Stats per model id over the `window` before `now` (boundaries included); models without jobs are absent."""
    until = now or timezone.now()
    logs = _window(until - window, until)
    if model_ids is not None:
        logs = logs.filter(model_id__in=model_ids)
    rows = (
        logs.values("model_id")
        .annotate(
            jobs=Count("id"),
            succeeded=Count("id", filter=Q(success=True)),
            timed=Count("id", filter=Q(success=True, generation_time__isnull=False)),
            credits=Avg("credits_used", filter=Q(success=True)),
        )
        .order_by()
    )
    medians = _medians(logs) if rows else {}
    return {
        row["model_id"]: ModelStats(
            model_id=row["model_id"],
            jobs=row["jobs"],
            succeeded=row["succeeded"],
            timed=row["timed"],
            median_seconds=medians.get(row["model_id"]),
            average_credits=row["credits"],
        )
        for row in rows
    }


def cached_model_stats(window: timedelta) -> dict[Any, ModelStats]:
    """All models' stats over the window up to now, remembered for a few minutes: the models page reads them on
    every visit, and the usage log only grows."""
    key = f"catalog:model-stats:{int(window.total_seconds())}"
    stats = cache.get(key)
    if stats is None:
        stats = model_stats(window=window)
        cache.set(key, stats, STATS_CACHE_SECONDS)
    return stats


@dataclass(frozen=True)
class Speed:
    """A speed label and where it comes from: our measured median when there are enough jobs, else the catalog."""

    kind: str  # fast, standard, slow
    measured: bool
    median_seconds: float | None = None

    @property
    def rank(self) -> int:
        return {"fast": 0, "standard": 1, "slow": 2}.get(self.kind, 1)


def speed_of(model: AIModel, stats: ModelStats | None) -> Speed:
    if stats is not None and stats.median_seconds is not None and stats.timed >= MIN_TIMED_JOBS:
        median = stats.median_seconds
        kind = "fast" if median <= FAST_SECONDS else "standard" if median <= STANDARD_SECONDS else "slow"
        return Speed(kind=kind, measured=True, median_seconds=median)
    return Speed(
        kind=model.speed_class if model.speed_class in ("fast", "standard", "slow") else "standard", measured=False
    )


# -- the dashboard's model status -----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelHealth:
    model: AIModel
    stats: ModelStats | None  # None: no finished job in the last day
    used_by_you: bool


@dataclass(frozen=True)
class ModelStatus:
    services: list[probes.ServiceStatus]
    models: list[ModelHealth] = field(default_factory=list)


def _models_for(user) -> tuple[list[AIModel], set[Any]]:
    """The models the user ran in the last 30 days (most recent first), topped up with featured ones."""
    since = timezone.now() - MONTH
    recent = (
        UsageLog.objects.filter(user=user, created_at__gte=since, model__isnull=False)
        .values("model_id")
        .annotate(last=Max("created_at"))
        .order_by("-last")[:STATUS_MODELS]
    )
    used = [row["model_id"] for row in recent]
    candidates = AIModel.objects.active().filter(Q(pk__in=used) | Q(is_featured=True))
    by_id = {model.pk: model for model in candidates}
    ordered = [by_id[pk] for pk in used if pk in by_id]
    ordered += [model for model in by_id.values() if model.pk not in used]
    return ordered[:STATUS_MODELS], set(used)


def model_status(user) -> ModelStatus:
    """Real health for the dashboard: the offline engine, the worker, fal (reachable, key accepted), and the
    last day's success rate and median time of the models this user uses (or featured ones)."""
    models, used = _models_for(user)
    stats = model_stats(window=DAY, model_ids=[model.pk for model in models])
    return ModelStatus(
        services=probes.services(),
        models=[ModelHealth(model=m, stats=stats.get(m.pk), used_by_you=m.pk in used) for m in models],
    )
