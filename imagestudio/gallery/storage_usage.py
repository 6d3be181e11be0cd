"""Storage a user's images take: originals (`file_size`) plus renditions (`renditions_size`), with a
breakdown by format, by project and for the trash — from one aggregate query (plus one for project names).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Sum, Value, When
from django.utils.translation import gettext

from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project


@dataclass
class Part:
    key: str
    label: str
    images: int = 0
    originals: int = 0
    renditions: int = 0

    @property
    def total(self) -> int:
        return self.originals + self.renditions

    def add(self, images: int, originals: int, renditions: int) -> None:
        self.images += images
        self.originals += originals
        self.renditions += renditions

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "images": self.images,
            "originals_bytes": self.originals,
            "renditions_bytes": self.renditions,
            "total_bytes": self.total,
        }


@dataclass
class StorageUsage:
    total: Part = field(default_factory=lambda: Part("total", "All images"))
    live: Part = field(default_factory=lambda: Part("live", "In the gallery"))
    trash: Part = field(default_factory=lambda: Part("trash", "In the trash"))
    by_format: list[Part] = field(default_factory=list)
    by_project: list[Part] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "total_bytes": self.total.total,
            "originals_bytes": self.total.originals,
            "renditions_bytes": self.total.renditions,
            "images": self.total.images,
            "live": self.live.as_dict(),
            "trash": self.trash.as_dict(),
            "by_format": [p.as_dict() for p in self.by_format],
            "by_project": [p.as_dict() for p in self.by_project],
        }

    def share(self, part: Part) -> float:
        """Percent of the total (for bars), 0 when nothing is stored."""
        return round(100 * part.total / self.total.total, 1) if self.total.total else 0.0


NO_PROJECT = "none"


def usage_for(user) -> StorageUsage:
    """Everything `user` owns, trashed images included (they still take space until purged)."""
    rows = (
        Image.objects.filter(user=user)
        .annotate(
            trashed=Case(
                When(deleted_at__isnull=False, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .values("format", "project_id", "trashed")
        .annotate(n=Count("id"), originals=Sum("file_size"), renditions=Sum("renditions_size"))
        .order_by()
    )
    usage = StorageUsage()
    formats: dict[str, Part] = {}
    projects: dict[str, Part] = {}
    for row in rows:
        n, originals, renditions = row["n"], row["originals"] or 0, row["renditions"] or 0
        usage.total.add(n, originals, renditions)
        (usage.trash if row["trashed"] else usage.live).add(n, originals, renditions)
        fmt = (row["format"] or "other").lower()
        formats.setdefault(fmt, Part(fmt, fmt.upper())).add(n, originals, renditions)
        key = str(row["project_id"]) if row["project_id"] else NO_PROJECT
        projects.setdefault(key, Part(key, gettext("No project"))).add(n, originals, renditions)
    names = (
        dict(Project.objects.filter(pk__in=[k for k in projects if k != NO_PROJECT]).values_list("id", "name"))
        if len(projects) > (1 if NO_PROJECT in projects else 0)
        else {}
    )
    for key, part in projects.items():
        if key != NO_PROJECT:
            part.label = next((name for pk, name in names.items() if str(pk) == key), "Project")
    usage.by_format = sorted(formats.values(), key=lambda p: (-p.total, p.key))
    usage.by_project = sorted(projects.values(), key=lambda p: (-p.total, p.label.lower()))
    return usage


def human_bytes(value: int) -> str:
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"
