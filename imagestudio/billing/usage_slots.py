"""Personal usage per user and quarter hour (UTC) in `usage_slots` (model `UsageSlot`), kept by database triggers.

The usage charts (days and months in the user's time zone) used to read every job and ledger entry of their
range: at 100,000 jobs a year the 12-month chart took 0.5 s for the jobs and 0.17 s for the ledger on SQLite.
Quarter hours, because every time zone in use is a whole number of quarter hours from UTC (India +5:30, Nepal
+5:45, Newfoundland −3:30), so every local midnight starts a slot and a day or month is a set of whole slots.

Triggers on `usage_logs` and `credit_ledger` add each row to its slot, subtract deleted ones and move updated
ones (a retried job's log changes `success`), whichever code wrote them. What counts, as in `billing.usage`:
a log not charged to a team counts one job and, if it succeeded, its images; a personal ledger entry counts
when it is spending (reserve, settle, refund). The triggers read only the row itself: a trigger that named
another table would stop SQLite from rebuilding that table in a later migration (a migration that rebuilds
`usage_slots` itself must uninstall them first).
Migration billing/0006 installs the triggers and fills the slots; `ensure_triggers` puts them back after a
later migration rebuilt one of the tables on SQLite (which drops a table's triggers with it).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections

from imagestudio.billing.models import SPENDING

SLOTS = "usage_slots"
_SPENDING = "(" + ", ".join(f"'{kind.value}'" for kind in SPENDING) + ")"
# The quarter hour a row's time falls in. SQLite: Django stores UTC times as text ("2026-12-08 18:47:12.5").
SQLITE_SLOT = (
    "(strftime('%Y-%m-%d %H:', {row}.created_at) "
    "|| printf('%02d', CAST(strftime('%M', {row}.created_at) AS INTEGER) / 15 * 15) || ':00')"
)
PG_SLOT = (
    "((date_trunc('hour', {row}.created_at AT TIME ZONE 'UTC') + interval '15 minutes' "
    "* floor(extract(minute FROM {row}.created_at AT TIME ZONE 'UTC') / 15)) AT TIME ZONE 'UTC')"
)


Figures = Callable[[str], tuple[str, str, str, str]]  # a row's SQL: (jobs, images, spent, counts-when)


def _log_figures(row: str) -> tuple[str, str, str, str]:
    """(jobs, images, spent, counts-when) of one usage log row."""
    return "1", f"CASE WHEN {row}.success THEN {row}.num_images ELSE 0 END", "0", f"NOT {row}.charged_to_team"


def _entry_figures(row: str) -> tuple[str, str, str, str]:
    """(jobs, images, spent, counts-when) of one ledger entry."""
    return "0", "0", f"{row}.amount", f"({row}.workspace_id IS NULL AND {row}.kind IN {_SPENDING})"


def _add(row: str, sign: str, figures: Figures, slot: str, alias: str) -> str:
    """Add (sign "") or subtract (sign "-") one row to its slot, if it counts: an upsert."""
    jobs, images, spent, counts = figures(row)
    prefix = f"{alias}." if alias else ""
    return (
        f"INSERT INTO {SLOTS}{f' AS {alias}' if alias else ''} (user_id, starts_at, jobs, images, spent) "
        f"SELECT {row}.user_id, {slot.format(row=row)}, {sign}{jobs}, {sign}({images}), {sign}({spent}) "
        f"WHERE {counts} ON CONFLICT (user_id, starts_at) DO UPDATE SET jobs = {prefix}jobs + excluded.jobs, "
        f"images = {prefix}images + excluded.images, spent = {prefix}spent + excluded.spent;"
    )


def _drop_empty(row: str, slot: str) -> str:
    return (
        f"DELETE FROM {SLOTS} WHERE user_id = {row}.user_id AND starts_at = {slot.format(row=row)} "  # noqa: S608
        "AND jobs = 0 AND images = 0 AND spent = 0;"
    )


# (table, trigger name stem, the row's figures, the columns whose change moves a row)
SOURCES = (
    (
        "usage_logs",
        "usage_slots_log",
        _log_figures,
        ("user_id", "success", "num_images", "charged_to_team", "created_at"),
    ),
    ("credit_ledger", "usage_slots_entry", _entry_figures, ("user_id", "workspace_id", "kind", "amount", "created_at")),
)


def _changed(old: str, new: str, watched: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"{old}.{column} {distinct} {new}.{column}" for column in watched)


def _sqlite_triggers() -> dict[str, str]:
    triggers = {}
    for table, stem, figures, watched in SOURCES:
        add_new, add_old = _add("new", "", figures, SQLITE_SLOT, ""), _add("old", "-", figures, SQLITE_SLOT, "")
        drop_old = _drop_empty("old", SQLITE_SLOT)
        triggers[f"{stem}_insert"] = (
            f"CREATE TRIGGER IF NOT EXISTS {stem}_insert AFTER INSERT ON {table} BEGIN {add_new} END"
        )
        triggers[f"{stem}_delete"] = (
            f"CREATE TRIGGER IF NOT EXISTS {stem}_delete AFTER DELETE ON {table} BEGIN {add_old} {drop_old} END"
        )
        triggers[f"{stem}_update"] = (
            f"CREATE TRIGGER IF NOT EXISTS {stem}_update AFTER UPDATE OF {', '.join(watched)} ON {table} "
            f"WHEN {_changed('old', 'new', watched, 'IS NOT')} BEGIN {add_old} {drop_old} {add_new} END"
        )
    return triggers


def _pg_triggers() -> list[str]:
    statements = []
    for table, stem, figures, watched in SOURCES:
        statements += [
            f"""CREATE OR REPLACE FUNCTION {stem}() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {_add("OLD", "-", figures, PG_SLOT, "t")}
    {_drop_empty("OLD", PG_SLOT)}
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {_add("NEW", "", figures, PG_SLOT, "t")}
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {stem}_rows ON {table}",
            f"CREATE TRIGGER {stem}_rows AFTER INSERT OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {stem}()",
            f"DROP TRIGGER IF EXISTS {stem}_changes ON {table}",
            f"CREATE TRIGGER {stem}_changes AFTER UPDATE OF {', '.join(watched)} ON {table} FOR EACH ROW "
            f"WHEN ({_changed('OLD', 'NEW', watched, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {stem}()",
        ]
    return statements


SQLITE_TRIGGERS = _sqlite_triggers()
PG_TRIGGERS = _pg_triggers()
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
PG_UNINSTALL = [
    statement
    for table, stem, _, _ in SOURCES
    for statement in (
        f"DROP TRIGGER IF EXISTS {stem}_rows ON {table}",
        f"DROP TRIGGER IF EXISTS {stem}_changes ON {table}",
        f"DROP FUNCTION IF EXISTS {stem}()",
    )
]


def _refill(slot: str, alias: str) -> list[str]:
    """Recount every slot from the logs and the ledger (the same rules as the triggers)."""
    log_slot, entry_slot = slot.format(row="l"), slot.format(row="e")
    prefix = f"{alias}." if alias else ""
    return [
        f"DELETE FROM {SLOTS}",  # noqa: S608
        f"INSERT INTO {SLOTS} (user_id, starts_at, jobs, images, spent) "  # noqa: S608
        f"SELECT l.user_id, {log_slot}, COUNT(*), SUM(CASE WHEN l.success THEN l.num_images ELSE 0 END), 0 "
        f"FROM usage_logs l WHERE NOT l.charged_to_team GROUP BY l.user_id, {log_slot}",
        f"INSERT INTO {SLOTS}{f' AS {alias}' if alias else ''} (user_id, starts_at, jobs, images, spent) "  # noqa: S608
        f"SELECT e.user_id, {entry_slot}, 0, 0, SUM(e.amount) FROM credit_ledger e "
        f"WHERE e.workspace_id IS NULL AND e.kind IN {_SPENDING} GROUP BY e.user_id, {entry_slot} "
        f"ON CONFLICT (user_id, starts_at) DO UPDATE SET spent = {prefix}spent + excluded.spent",
    ]


def install(schema_editor) -> None:
    """Create the triggers and count the slots from the rows there are (migration billing/0006)."""
    statements = {
        "postgresql": [*PG_TRIGGERS, *_refill(PG_SLOT, "t")],
        "sqlite": [*SQLITE_UNINSTALL, *SQLITE_TRIGGERS.values(), *_refill(SQLITE_SLOT, "")],
    }.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(schema_editor) -> None:
    statements = {"postgresql": PG_UNINSTALL, "sqlite": SQLITE_UNINSTALL}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def ensure_triggers(using=None, **kwargs) -> bool:
    """After migrations on SQLite: if a rebuilt table lost its triggers, recreate them and recount. True if it
    did. Connected to `post_migrate` (a no-op on PostgreSQL, whose triggers survive ALTER TABLE)."""
    conn = connections[using or "default"]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('usage_logs', 'credit_ledger', %s)",
            [SLOTS],
        )
        if len(cursor.fetchall()) < 3:
            return False
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'usage_slots_%'")
        if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
            return False
        for statement in [*SQLITE_UNINSTALL, *SQLITE_TRIGGERS.values(), *_refill(SQLITE_SLOT, "")]:
            cursor.execute(statement)
    return True
