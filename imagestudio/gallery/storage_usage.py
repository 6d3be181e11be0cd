"""Storage a user's images take: originals (`file_size`) plus renditions (`renditions_size`), with a
breakdown by format, by project and for the trash.

Summing a library row by row took 200–300 ms at 100,000 images, so the database keeps running totals in
`image_storage_totals` (`StorageTotal`): triggers on `images` add each inserted row to its (user, format,
project, trashed) total, subtract each deleted one, and move an updated one, whichever code path wrote it
(services, bulk updates, cascades, raw SQL). `usage_for` reads those few rows (plus one query for project
names). Migration gallery/0011 installs the triggers and fills the totals; `ensure_triggers` puts them back
after a later migration rebuilt `images` on SQLite (which drops a table's triggers with it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Case, Count, Sum, Value, When
from django.utils.translation import gettext

from imagestudio.gallery.models import Image, StorageTotal
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
    return usage_from_rows(total_rows(user))


def usage_from_rows(rows: list[dict[str, Any]]) -> StorageUsage:
    """The breakdown of rows shaped like `total_rows` (or `counted_rows`): one per (format, project, trashed)."""
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


def total_rows(user) -> list[dict[str, Any]]:
    """The user's running totals: one row per (format, project, trashed)."""
    return [
        {
            "format": row.format,
            "project_id": uuid.UUID(row.project_key) if row.project_key else None,  # hex on SQLite, dashed on PG
            "trashed": row.trashed,
            "n": row.images,
            "originals": row.originals,
            "renditions": row.renditions,
        }
        for row in StorageTotal.objects.filter(user_id=user.pk)
    ]


def counted_rows(user) -> list[dict[str, Any]]:
    """The same rows summed from the images themselves (what the totals must always equal)."""
    trashed = Case(When(deleted_at__isnull=False, then=Value(True)), default=Value(False), output_field=BooleanField())
    rows = (
        Image.objects.filter(user=user)
        .annotate(trashed=trashed)
        .values("format", "project_id", "trashed")
        .annotate(n=Count("id"), originals=Sum("file_size"), renditions=Sum("renditions_size"))
        .order_by()
    )
    return [dict(row) for row in rows]


# -- the triggers that keep the totals ----------------------------------------------------------------

TOTALS = "image_storage_totals"
_COLUMNS = "user_id, format, project_key, trashed, images, originals, renditions"
_KEY = "user_id, format, project_key, trashed"
# Columns whose change moves an image between totals or changes its size (any other update is free).
_WATCHED = ("user_id", "format", "project_id", "deleted_at", "file_size", "renditions_size")


def _add(row: str, sign: str, project_text: str, table_alias: str) -> str:
    """Add (sign "") or subtract (sign "-") one image row (`new`/`old`) to its total: an upsert."""
    project = project_text.format(row=row)
    prefix = f"{table_alias}." if table_alias else ""
    alias = f" AS {table_alias}" if table_alias else ""
    return (
        f"INSERT INTO {TOTALS}{alias} ({_COLUMNS}) VALUES ({row}.user_id, COALESCE({row}.format, ''), "  # noqa: S608
        f"{project}, {row}.deleted_at IS NOT NULL, {sign}1, {sign}{row}.file_size, {sign}{row}.renditions_size) "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET images = {prefix}images + excluded.images, "
        f"originals = {prefix}originals + excluded.originals, renditions = {prefix}renditions + excluded.renditions;"
    )


def _drop_empty(row: str) -> str:
    return f"DELETE FROM {TOTALS} WHERE user_id = {row}.user_id AND images = 0;"  # noqa: S608


def _changed(old: str, new: str, distinct: str) -> str:
    """The WHEN condition of the update trigger: a watched column changed (trash state, not the time)."""
    terms = [f"{old}.{c} {distinct} {new}.{c}" for c in _WATCHED if c != "deleted_at"]
    terms.append(f"({old}.deleted_at IS NULL) <> ({new}.deleted_at IS NULL)")
    return " OR ".join(terms)


_SQLITE_PROJECT = "COALESCE({row}.project_id, '')"  # SQLite keeps UUIDs as 32 hex characters
SQLITE_TRIGGERS = {
    "images_storage_insert": f"CREATE TRIGGER IF NOT EXISTS images_storage_insert AFTER INSERT ON images BEGIN "
    f"{_add('new', '', _SQLITE_PROJECT, '')} END",
    "images_storage_delete": f"CREATE TRIGGER IF NOT EXISTS images_storage_delete AFTER DELETE ON images BEGIN "
    f"{_add('old', '-', _SQLITE_PROJECT, '')} {_drop_empty('old')} END",
    "images_storage_update": f"CREATE TRIGGER IF NOT EXISTS images_storage_update AFTER UPDATE OF {', '.join(_WATCHED)} "
    f"ON images WHEN {_changed('old', 'new', 'IS NOT')} BEGIN "
    f"{_add('old', '-', _SQLITE_PROJECT, '')} {_drop_empty('old')} {_add('new', '', _SQLITE_PROJECT, '')} END",
}
_PG_PROJECT = "COALESCE({row}.project_id::text, '')"
PG_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION images_storage_totals() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {_add("OLD", "-", _PG_PROJECT, "t")}
    {_drop_empty("OLD")}
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {_add("NEW", "", _PG_PROJECT, "t")}
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS images_storage_rows ON images",
    "CREATE TRIGGER images_storage_rows AFTER INSERT OR DELETE ON images "
    "FOR EACH ROW EXECUTE FUNCTION images_storage_totals()",
    "DROP TRIGGER IF EXISTS images_storage_changes ON images",
    f"CREATE TRIGGER images_storage_changes AFTER UPDATE OF {', '.join(_WATCHED)} ON images FOR EACH ROW "
    f"WHEN ({_changed('OLD', 'NEW', 'IS DISTINCT FROM')}) EXECUTE FUNCTION images_storage_totals()",
]
PG_UNINSTALL = [
    "DROP TRIGGER IF EXISTS images_storage_rows ON images",
    "DROP TRIGGER IF EXISTS images_storage_changes ON images",
    "DROP FUNCTION IF EXISTS images_storage_totals()",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _refill(project_text: str) -> list[str]:
    project = project_text.format(row="images")
    return [
        f"DELETE FROM {TOTALS}",  # noqa: S608
        f"INSERT INTO {TOTALS} ({_COLUMNS}) SELECT user_id, COALESCE(format, ''), {project}, "  # noqa: S608
        "deleted_at IS NOT NULL, COUNT(*), COALESCE(SUM(file_size), 0), COALESCE(SUM(renditions_size), 0) "
        f"FROM images GROUP BY user_id, COALESCE(format, ''), {project}, deleted_at IS NOT NULL",
    ]


def install(schema_editor) -> None:
    """Create the triggers and fill the totals from the images there are (migration gallery/0011)."""
    vendor = schema_editor.connection.vendor
    statements = {
        "postgresql": [*PG_TRIGGERS, *_refill(_PG_PROJECT)],
        "sqlite": [*SQLITE_UNINSTALL, *SQLITE_TRIGGERS.values(), *_refill(_SQLITE_PROJECT)],
    }.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": PG_UNINSTALL, "sqlite": SQLITE_UNINSTALL}.get(vendor, []):
        schema_editor.execute(statement)


def ensure_triggers(using=None, **kwargs) -> bool:
    """After migrations on SQLite: if rebuilding `images` dropped the triggers, recreate them and recount.
    True if it did. Connected to `post_migrate` (a no-op on PostgreSQL, whose triggers survive ALTER TABLE)."""
    conn = connections[using or "default"]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('images', %s)", [TOTALS])
        if len(cursor.fetchall()) < 2:
            return False
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'images_storage_%'")
        if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
            return False
        for statement in [*SQLITE_UNINSTALL, *SQLITE_TRIGGERS.values(), *_refill(_SQLITE_PROJECT)]:
            cursor.execute(statement)
    return True


def human_bytes(value: int) -> str:
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"
