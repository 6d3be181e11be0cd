"""Full-text search over prompt, negative prompt, tags, title and notes.

PostgreSQL: `images.search_vector` (tsvector; GIN index over user and text), SQLite: the FTS5 table
`images_fts` (the text columns, plus an `owner` token so one person's matches are found without everyone's).
Both are kept in step by triggers (migrations gallery/0006 and 0013), so code that writes images needs no call.
`matching(q)` is the one condition callers use; `ensure_index()` recreates SQLite's table and triggers
when a later migration rebuilt `images` (SQLite drops a table's triggers with the table), and
`repair_index()` (daily, in the worker) when a VACUUM renumbered the rowids the FTS rows are keyed by.
"""

from __future__ import annotations

import logging
import re
import uuid

from django.db import DatabaseError, connection, connections, transaction
from django.db.models import BooleanField, Expression, F, Lookup, Q

PG_CONFIG = "english"
FTS_COLUMNS = ("title", "prompt", "tags", "notes", "negative_prompt")
_WORD = re.compile(r"\w+", re.UNICODE)
logger = logging.getLogger(__name__)

PG_VECTOR = (
    f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.title, '')), 'A') || "
    f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.prompt, '')), 'B') || "
    f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.tags::text, '')), 'B') || "
    f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.notes, '')), 'C') || "
    f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.negative_prompt, '')), 'D')"
)

PG_INSTALL = [
    "ALTER TABLE images ADD COLUMN IF NOT EXISTS search_vector tsvector",
    f"""CREATE OR REPLACE FUNCTION images_search_vector_update() RETURNS trigger AS $$
BEGIN
  NEW.search_vector := {PG_VECTOR.format(t="NEW")};
  RETURN NEW;
END
$$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS images_search_vector ON images",
    """CREATE TRIGGER images_search_vector BEFORE INSERT OR UPDATE OF title, prompt, negative_prompt, tags, notes
ON images FOR EACH ROW EXECUTE FUNCTION images_search_vector_update()""",
    f"UPDATE images SET search_vector = {PG_VECTOR.format(t='images')}",  # noqa: S608 - constants only
    "CREATE INDEX IF NOT EXISTS images_search_gin ON images USING gin (search_vector)",
]
# One person's matches without reading everyone's: GIN over (user_id, search_vector) through the btree_gin
# extension (trusted since PostgreSQL 13, so a database owner may create it). A gallery search has
# `user_id = …` and the text condition, and the index answers both at once: at 1,000,000 rows, 100,000 of them
# one user's, "lighthouse fog" took 24 ms as the bitmap AND of the text index with the user's 100,000 rows,
# 6 ms this way. Queries without a user (counts across accounts) use the same index by its second column.
PG_OWNER_EXTENSION = "CREATE EXTENSION IF NOT EXISTS btree_gin"
PG_OWNER_INDEX = [
    "CREATE INDEX IF NOT EXISTS images_user_search_gin ON images USING gin (user_id, search_vector)",
    "DROP INDEX IF EXISTS images_search_gin",
]
PG_OWNER_UNINSTALL = [
    "CREATE INDEX IF NOT EXISTS images_search_gin ON images USING gin (search_vector)",
    "DROP INDEX IF EXISTS images_user_search_gin",
]
# Browsing other people's images in shared projects without reading one's own (gallery/selectors.py).
BROWSE_INDEX = "CREATE INDEX IF NOT EXISTS images_project_user ON images (project_id, user_id)"
DROP_BROWSE_INDEX = "DROP INDEX IF EXISTS images_project_user"

PG_UNINSTALL = [
    "DROP TRIGGER IF EXISTS images_search_vector ON images",
    "DROP FUNCTION IF EXISTS images_search_vector_update()",
    "DROP INDEX IF EXISTS images_search_gin",
    "ALTER TABLE images DROP COLUMN IF EXISTS search_vector",
]

_cols = ", ".join(FTS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
# The owner as one token ("u" + the id's hex + "x", the way SQLite stores a UUID): `owner : "u…x" AND …` finds
# one person's matches through the index, so a search costs what that person's library holds, not what the
# whole service holds. The closing "x" is there because no stemming rule touches it.
OWNER_TOKEN_SQL = "'u' || {t}.user_id || 'x'"  # noqa: S105 - SQL, not a password
SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS images_fts USING fts5(image_id UNINDEXED, owner, {_cols}, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
# The FTS row's rowid is the image row's rowid, so updates and deletes find it through the rowid index.
_insert_new = (
    f"INSERT INTO images_fts(rowid, image_id, owner, {_cols}) "  # noqa: S608 - constants only
    f"VALUES (new.rowid, new.id, {OWNER_TOKEN_SQL.format(t='new')}, {_new});"
)
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS images_fts_insert AFTER INSERT ON images BEGIN
  {_insert_new}
END""",
    """CREATE TRIGGER IF NOT EXISTS images_fts_delete AFTER DELETE ON images BEGIN
  DELETE FROM images_fts WHERE rowid = old.rowid;
END""",
    f"CREATE TRIGGER IF NOT EXISTS images_fts_update AFTER UPDATE OF user_id, {_cols} ON images BEGIN\n"  # noqa: S608
    f"  DELETE FROM images_fts WHERE rowid = old.rowid;\n  {_insert_new}\nEND",
]
SQLITE_FILL = (
    f"INSERT INTO images_fts(rowid, image_id, owner, {_cols}) "  # noqa: S608 - constants only
    f"SELECT rowid, id, {OWNER_TOKEN_SQL.format(t='images')}, {_cols} FROM images"
)
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS images_fts_insert",
    "DROP TRIGGER IF EXISTS images_fts_delete",
    "DROP TRIGGER IF EXISTS images_fts_update",
    "DROP TABLE IF EXISTS images_fts",
]


def install(schema_editor) -> None:
    """Create the search index for this database and fill it from the existing images."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in [*PG_INSTALL, BROWSE_INDEX]:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for statement in [*SQLITE_UNINSTALL, SQLITE_TABLE, SQLITE_FILL, *SQLITE_TRIGGERS, BROWSE_INDEX]:
            schema_editor.execute(statement)


def rebuild_sqlite_index(schema_editor) -> None:
    """SQLite: recreate the FTS table and its triggers from the current definitions (migration 0013 adds the
    owner column this way; an FTS5 table's columns cannot be altered)."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            _rebuild_sqlite(cursor)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = PG_UNINSTALL if vendor == "postgresql" else SQLITE_UNINSTALL if vendor == "sqlite" else []
    for statement in [*statements, DROP_BROWSE_INDEX] if statements else []:
        schema_editor.execute(statement)


def install_owner_index(schema_editor) -> bool:
    """PostgreSQL: index the search text per user (see PG_OWNER_INDEX). False, with the plain text index kept,
    where the btree_gin extension cannot be created (not installed, or no right to create it)."""
    connection_ = schema_editor.connection
    if connection_.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(using=connection_.alias):  # a savepoint: a refusal must not end the migration
            schema_editor.execute(PG_OWNER_EXTENSION)
    except DatabaseError as exc:
        logger.warning("btree_gin is not available (%s): search keeps the index on the text alone", exc)
        return False
    for statement in PG_OWNER_INDEX:
        schema_editor.execute(statement)
    return True


def uninstall_owner_index(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_OWNER_UNINSTALL:
            schema_editor.execute(statement)


def _rebuild_sqlite(cursor) -> None:
    for statement in [*SQLITE_UNINSTALL, SQLITE_TABLE, SQLITE_FILL, *SQLITE_TRIGGERS]:
        cursor.execute(statement)


def ensure_index(using=None, **kwargs) -> bool:
    """After migrations on SQLite: if a table rebuild dropped the triggers, rebuild the index. True if it did.

    Connect it to `post_migrate` (a no-op on PostgreSQL, whose triggers survive ALTER TABLE)."""
    conn = connections[using or "default"]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'images'")
        if cursor.fetchone() is None:
            return False
        cursor.execute(BROWSE_INDEX)  # a rebuilt table loses indexes Django does not know about, too
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'images_fts_%'")
        if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
            return False
        _rebuild_sqlite(cursor)
    return True


# An FTS row whose rowid no longer points at the image it was made for (or at no image at all).
SQLITE_DRIFT = (
    "SELECT 1 FROM images_fts AS f LEFT JOIN images AS i ON i.rowid = f.rowid "
    "WHERE i.id IS NULL OR i.id != f.image_id LIMIT 1"
)


def repair_index(using=None) -> bool:
    """SQLite: rebuild the search index when its rowids have drifted from the images'. True if it did.

    Matches are looked up by rowid (fast), and `images` has no integer primary key, so a `VACUUM` may
    renumber its rowids. The worker runs this daily: one scan of the index, a rebuild only after such a
    renumbering. A no-op on PostgreSQL."""
    conn = connections[using or "default"]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute(SQLITE_DRIFT)
        if cursor.fetchone() is None:
            return False
        _rebuild_sqlite(cursor)
    return True


def words(q: str) -> list[str]:
    return _WORD.findall(q.lower())[:16]


def owner_token(user_id: uuid.UUID) -> str:
    return f"u{user_id.hex}x"


def fts5_query(q: str, owner: uuid.UUID | None = None) -> str:
    """Every word must appear in the text columns; the last word may be a prefix, as people type. With
    `owner`: only that person's images."""
    terms = ['"' + word.replace('"', '""') + '"' for word in words(q)]
    if not terms:
        return ""
    terms[-1] += "*"
    text = "{" + " ".join(FTS_COLUMNS) + "} : (" + " ".join(terms) + ")"
    return f'owner : "{owner_token(owner)}" AND {text}' if owner else text


class SearchMatch(Expression):
    """`<images alias>.search_vector @@ websearch_to_tsquery(…)` on PostgreSQL: a condition on the row itself,
    under whatever alias the images table has in the query being compiled (subqueries relabel it)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, q: str) -> None:
        super().__init__()
        self.q = q

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name(compiler.query.get_initial_alias())
        return f"{alias}.search_vector @@ websearch_to_tsquery('{PG_CONFIG}', %s)", [self.q]


class FtsMatch(Lookup):
    """`+<images alias>.rowid IN (rowids of images_fts matching …)` on SQLite, as `FtsMatch(F("id"), query)`.

    The FTS row shares the image row's rowid, so the matches are looked up by rowid. The unary `+` keeps the
    database walking the time-ordered index and checking each row against the matches: a page of 40 needs
    only as many rows as it takes to meet 40 matches (7–12 ms at 100,000 images, however common the words),
    where fetching every match by rowid and sorting them costs ~1.3 µs a match (70 ms for a word in one prompt
    of twenty at 1,000,000 rows). A Lookup, not a plain expression: Django writes any other condition as
    `(…) = 1` on SQLite, which hides the IN from the planner in the `FtsLead` case."""

    lookup_name = "fts_match"
    prepare_rhs = False
    lead = "+"

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name(self.lhs.alias)
        return f"{self.lead}{alias}.rowid IN (SELECT rowid FROM images_fts WHERE images_fts MATCH %s)", [self.rhs]  # noqa: S608


class FtsLead(FtsMatch):
    """`FtsMatch` that lets the matches lead: the database fetches each match by rowid. For counting one
    person's matches (with `owner`), which costs what they have rather than a walk over their whole library:
    "lighthouse fog" (400 of 100,000) 34 → 8 ms, a word in every twentieth prompt 55 → 13 ms."""

    lead = ""


def matching(q: str, *, owner: uuid.UUID | None = None, lead: bool = False) -> Q:
    """A condition on `images` rows: the text matches `q` (websearch syntax on PostgreSQL: "phrases", -not).

    SQLite only (PostgreSQL's planner weighs its index by itself): `owner` when every row the query can see is
    that person's, so only their matches are read; with it, `lead` lets those matches drive the query (counts).
    Never without an owner: everyone's matches would then be the driver."""
    if connection.vendor == "postgresql":
        # A self-contained subquery (not a bare column reference), so it stays right inside other queries.
        return Q(SearchMatch(q))
    if connection.vendor == "sqlite":
        query = fts5_query(q, owner)
        if not query:
            return Q()
        return Q((FtsLead if lead and owner else FtsMatch)(F("id"), query))
    condition = Q()
    for word in words(q)[:8]:
        condition &= Q(prompt__icontains=word)
    return condition
