"""What the dashboard shows: overview numbers, recent work, the getting-started checklist, the quick generate box.

Plain reads with a fixed number of queries whatever the amount of data: counts are aggregated in the database,
lists are capped and their related rows joined or prefetched. Everything another person made reaches the page
only through `workspaces.access` (projects, favourites, the activity of the user's own workspaces).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django import forms
from django.db.models import Count, Exists, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from imagestudio.accounts.models import User
from imagestudio.billing.selectors import month_summary
from imagestudio.billing.usage import dashboard_chart, local_month_start
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ASPECT_RATIOS
from imagestudio.collections.models import SharedCollection
from imagestudio.demo.access import is_demo
from imagestudio.events.activity import FEED_VERBS, feed_items
from imagestudio.events.models import Event
from imagestudio.gallery.filters import ImageFilters
from imagestudio.gallery.models import Image
from imagestudio.gallery.selectors import browse_page
from imagestudio.generation.models import ACTIVE_STATUSES, GenerationJob
from imagestudio.preferences import defaults as user_defaults
from imagestudio.preferences import services as preferences
from imagestudio.preferences.models import UserSettings
from imagestudio.projects.models import Project
from imagestudio.projects.selectors import with_image_count
from imagestudio.sharing.models import SharedImage, SharedProject
from imagestudio.workspaces.access import projects_visible_to, workspace_ids

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RECENT_JOBS = 6
FAVORITES = 8
PROJECTS = 4
EVENTS = 8
# The quick actions menu: key, URL name, icon, label.
QUICK_ACTIONS = (
    ("generate", "generate", "sparkles", _("Generate")),
    ("import", "image_import", "upload", _("Import")),
    ("project", "project_new", "folder", _("New project")),
    ("collection", "collection_new", "bookmark-plus", _("New collection")),
    ("prompts", "prompt_library", "book", _("Prompt library")),
    ("batch", "batch_new", "layers", _("Batch")),
)
# The shapes the quick box offers (the generate page has them all, and custom sizes).
QUICK_RATIOS = tuple(ratio for ratio in ("1:1", "16:9", "9:16", "4:3", "3:4") if ratio in ASPECT_RATIOS)


# -- overview cards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    images: int  # live images the user made or imported
    images_this_week: int
    favorites: int  # of those, marked as favourite
    credits_used_month: int  # personal spending this calendar month, net of refunds
    credits_left: int
    month_start: datetime
    projects: int  # open projects (not archived, not templates) in the user's workspaces


def overview(user: User, *, now: datetime | None = None) -> Overview:
    """The four cards' numbers (six small queries)."""
    now = now or timezone.now()
    mine = Image.objects.filter(user=user)
    # All of the user's rows less the trashed ones: both read from indexes alone (images_user_trashed is small),
    # where counting "live" directly would visit each of 100,000 rows.
    trashed = mine.filter(deleted_at__isnull=False).aggregate(
        images=Count("pk"), favorites=Count("pk", filter=Q(is_favorite=True))
    )
    return Overview(
        images=mine.count() - trashed["images"],
        images_this_week=mine.alive().filter(created_at__gte=now - timedelta(days=7)).count(),
        favorites=mine.filter(is_favorite=True).count() - trashed["favorites"],
        credits_used_month=month_summary(user, now=now).spent,
        credits_left=user.credits_balance,
        month_start=local_month_start(now),
        projects=_open_projects(user).count(),
    )


def _open_projects(user: User) -> QuerySet[Project]:
    return projects_visible_to(user).filter(is_archived=False, is_template=False)


# -- recent work ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecentJobs:
    jobs: list[GenerationJob]  # newest first; each has `live_images` (its outputs not in the trash)
    active: int  # the user's queued and running jobs, shown or not

    @property
    def polling(self) -> bool:
        return self.active > 0 or any(job.is_active for job in self.jobs)


def recent_jobs(user: User, limit: int = RECENT_JOBS) -> RecentJobs:
    """The user's latest generations with their images (three queries)."""
    outputs = Prefetch("images", queryset=Image.objects.alive().order_by("output_index"), to_attr="live_images")
    jobs = (
        GenerationJob.objects.filter(user=user)
        .select_related("model")
        .prefetch_related(outputs)
        .order_by("-created_at", "-id")[:limit]
    )
    active = GenerationJob.objects.filter(user=user, status__in=ACTIVE_STATUSES).count()
    return RecentJobs(jobs=list(jobs), active=active)


def favorites(user: User, limit: int = FAVORITES) -> list[Image]:
    """The newest favourites among the images the user may see (theirs, and their teams' projects'), read the
    way the gallery reads them (`browse_page`: along indexes, no OR over a join)."""
    return browse_page(user, ImageFilters(favourite=True), limit=limit, for_page=True).items


def recent_projects(user: User, limit: int = PROJECTS) -> list[Project]:
    """Open projects of the user's workspaces, last changed first, with cover and image count (one query)."""
    projects = _open_projects(user).select_related("cover_image", "workspace").order_by("-updated_at", "-id")
    return list(with_image_count(projects)[:limit])


def activity(user: User, limit: int = EVENTS) -> list[dict]:
    """What happened lately in the user's workspaces, as the activity pages word it (one query)."""
    events = (
        Event.objects.filter(workspace_id__in=workspace_ids(user), verb__in=FEED_VERBS)
        .select_related("actor")
        .order_by("-created_at")[:limit]
    )
    return feed_items(events)


# -- the getting-started checklist ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str  # a milestone of `milestones()`
    title: StrOrPromise  # translated when shown
    hint: StrOrPromise
    action: StrOrPromise
    url_name: str
    icon: str


@dataclass(frozen=True)
class Checklist:
    steps: list[tuple[Step, bool]]  # each step, and whether it is done
    dismissed: bool

    @property
    def done(self) -> int:
        return sum(done for _step, done in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def progress(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def next_key(self) -> str:
        """The first step not done yet (highlighted)."""
        return next((step.key for step, done in self.steps if not done), "")


STEPS = (
    Step(
        "image",
        _("Create your first image"),
        _("Describe a scene, pick a model and a shape; results appear in seconds."),
        _("Generate"),
        "generate",
        "sparkles",
    ),
    Step(
        "favorite",
        _("Favourite an image"),
        _("Tap the heart on an image you love to find it again in a click."),
        _("Browse images"),
        "image_list",
        "heart",
    ),
    Step(
        "project",
        _("Start a project"),
        _("Group related images, with their own defaults and notes."),
        _("New project"),
        "project_new",
        "folder",
    ),
    Step(
        "share",
        _("Share your work"),
        _("Send a read-only link to a project, an image or a collection."),
        _("Share a link"),
        "share_list",
        "share",
    ),
    Step(
        "two_factor",
        _("Turn on two-factor sign-in"),
        _("Protect your account with an authenticator app or a passkey."),
        _("Security settings"),
        "settings_security",
        "shield-check",
    ),
)
DEMO_SKIPS = {"share", "two_factor"}  # steps a demo account cannot take (demo.access refuses them)


def milestones(user: User) -> dict[str, bool]:
    """Which firsts the user has reached, read from what exists (one query). Trashed images still count: the
    user did make them. A revoked share link still counts: they did share."""
    mine = {"created_by": user}
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            image=Exists(Image.objects.filter(user=user)),
            favorite=Exists(Image.objects.alive().filter(user=user, is_favorite=True)),
            project=Exists(Project.objects.filter(user=user)),
            shared_project=Exists(SharedProject.objects.filter(**mine)),
            shared_image=Exists(SharedImage.objects.filter(**mine)),
            shared_collection=Exists(SharedCollection.objects.filter(**mine)),
            two_factor=Exists(Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES)),
        )
        .values("image", "favorite", "project", "shared_project", "shared_image", "shared_collection", "two_factor")
        .get()
    )
    return {
        "image": flags["image"],
        "favorite": flags["favorite"],
        "project": flags["project"],
        "share": flags["shared_project"] or flags["shared_image"] or flags["shared_collection"],
        "two_factor": flags["two_factor"],
    }


def checklist(user: User, row: UserSettings) -> Checklist:
    """The steps and which are done; nothing is read once the user has hidden it."""
    if preferences.value(row, "onboarding_dismissed"):
        return Checklist(steps=[], dismissed=True)
    reached = milestones(user)
    steps = [step for step in STEPS if not (step.key in DEMO_SKIPS and is_demo(user))]
    return Checklist(steps=[(step, reached[step.key]) for step in steps], dismissed=False)


class ChecklistForm(forms.Form):
    """The checklist's button: hide it for good (it can be shown again through the settings API)."""

    checklist = forms.ChoiceField(choices=[("dismiss", _("Dismiss"))])


def dismiss_checklist(user: User) -> None:
    preferences.update_settings(user=user, changes={"onboarding_dismissed": True})


# -- quick generate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuickGenerate:
    models: list[AIModel]  # usable now, as the generate page offers them
    model: AIModel | None  # preselected: the user's default model (Settings › Models), else the studio's
    ratios: tuple[str, ...]
    ratio: str


def quick_generate(row: UserSettings, user: User) -> QuickGenerate:
    """The quick box's choices (two queries). It posts to the generate page, which validates and enqueues."""
    demo = is_demo(user)  # the demo may only use the free offline models
    models = [model for model in user_defaults.usable_models() if model.available and (model.is_offline or not demo)]
    model, parameters = user_defaults.effective_defaults(row)
    ratio = parameters.get("aspect_ratio")
    return QuickGenerate(
        models=models,
        model=model,
        ratios=QUICK_RATIOS,
        ratio=ratio if ratio in QUICK_RATIOS else QUICK_RATIOS[0],
    )


def credits_reach(balance: int, model: AIModel | None) -> int | None:
    """About how many images the balance buys with `model` (None when it is free)."""
    cost = model.cost_per_generation if model else 0
    return balance // cost if cost > 0 else None


# -- the page ---------------------------------------------------------------------------------------


def part_of_day(now: datetime | None = None) -> str:
    """morning, afternoon or evening, in the active (the user's) time zone: the greeting's word."""
    hour = timezone.localtime(now or timezone.now()).hour
    return "morning" if 5 <= hour < 12 else "afternoon" if 12 <= hour < 18 else "evening"


def page_context(user: User, row: UserSettings) -> dict:
    stats = overview(user)
    quick = quick_generate(row, user)
    return {
        "overview": stats,
        "recent": recent_jobs(user),
        "favorites": favorites(user),
        "projects": recent_projects(user),
        "feed": activity(user),
        "checklist": checklist(user, row),
        "quick": quick,
        "credits_reach": credits_reach(stats.credits_left, quick.model),
        "quick_actions": QUICK_ACTIONS,
        "part_of_day": part_of_day(),
        "usage_chart": dashboard_chart(user),
    }
