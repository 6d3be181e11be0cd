"""Reading the gallery: one page of filtered, sorted images by keyset cursor (never OFFSET).

The cursor carries the sort's name and the last row's values for every sort key (the id last), so a page
deep in a rating, name or model sort continues exactly after the previous one, ties included.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Func, IntegerField, Q, QuerySet, Value
from django.utils.translation import gettext, gettext_lazy

from imagestudio.gallery.filters import (
    SORT_KEYS,
    FilterError,
    ImageFilters,
    SortKey,
    apply_filters,
    day_start,
    order,
)
from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import BadCursor, Page, union_of
from imagestudio.workspaces import access

PAGE_SIZE = 40
MAX_PAGE = 100
BAD_CURSOR = gettext_lazy("That page link is invalid or expired; start from the first page.")
JUMP_SORTS = ("newest", "oldest")


# -- cursors ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(sort: str, values: list[Any]) -> str:
    raw = json.dumps({"s": sort, "k": [_plain(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _typed(key: SortKey, value: Any) -> Any:
    if value is None:
        if not key.nullable:
            raise ValueError("null in a key that has no nulls")
        return None
    if key.name == "id":
        return uuid.UUID(str(value))
    if key.name == "created_at":
        if not isinstance(value, str):
            raise ValueError("time is not text")
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("time without a zone")
        return parsed
    if key.name == "rating":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("rating is not a number")
        return value
    if not isinstance(value, str):
        raise ValueError("text key is not text")
    return value


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The sort-key values a cursor points after; BadCursor if it is tampered with or made for another sort."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        keys = SORT_KEYS[sort]
        if not isinstance(data, dict) or data.get("s") != sort:
            raise ValueError("cursor for another sort")
        values = data.get("k")
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong number of keys")
        return [_typed(key, value) for key, value in zip(keys, values, strict=True)]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor(BAD_CURSOR) from exc


def jump_cursor(day: date, sort: str) -> str:
    """A cursor that starts the newest-first list at the end of `day` (oldest-first: at its start)."""
    if sort not in JUMP_SORTS:
        raise FilterError("jump", gettext("Jump to a date works with newest or oldest first."))
    if sort == "newest":
        return encode_cursor(sort, [day_start(day + timedelta(days=1)), uuid.UUID(int=0)])
    return encode_cursor(sort, [day_start(day), uuid.UUID(int=0)])


def after(keys: tuple[SortKey, ...], values: list[Any], *, index_bound: bool = True) -> Q:
    """Rows that come after `values` in the order of `keys` (lexicographic, NULLs last)."""
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        if value is not None:
            beyond = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
            if key.nullable:
                beyond |= Q(**{f"{key.name}__isnull": True})
            condition |= equal & beyond
            equal &= Q(**{key.name: value})
        else:  # nothing sorts after NULL but other NULLs
            equal &= Q(**{f"{key.name}__isnull": True})
    first, value = keys[0], values[0]
    if index_bound and not first.nullable:
        # The same bound again, alone, so the database can start its index scan there.
        condition &= Q(**{f"{first.name}__{'lte' if first.descending else 'gte'}": value})
    return condition


def key_values(image: Image, sort: str) -> list[Any]:
    return [getattr(image, key.name) for key in SORT_KEYS[sort]]


def page_of(queryset: QuerySet[Image], sort: str, cursor: str | None, limit: int = PAGE_SIZE) -> Page:
    """`limit` rows of an ordered queryset (from `filtered_images`) after `cursor`: one query."""
    if cursor:
        queryset = queryset.filter(after(SORT_KEYS[sort], decode_cursor(cursor, sort)))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    return Page(items=rows[:limit], next_cursor=encode_cursor(sort, key_values(rows[limit - 1], sort)))


# Columns the gallery page never shows (the API needs `parameters`; tiles read renditions from `metadata`).
PAGE_DEFERRED = (
    "parameters",
    "negative_prompt",
    "notes",
    # The model's catalog entry: a tile shows its name; its schema and prices are big JSON to decode 40 times.
    "model__description",
    "model__capabilities",
    "model__input_schema",
    "model__default_parameters",
    "model__pricing",
)


def visible_parts(user, filters: ImageFilters, *, counting: bool = False) -> list[QuerySet[Image]]:
    """`filtered_images(user, filters)` as disjoint, ordered parts that each have an index to follow:

    - the user's own images (outside projects, or in projects they can still see): the user_id indexes;
    - other people's images in projects the user can see: (project_id, user_id), skipping the user's own.

    Together they are exactly `access.images_visible_to(user)`, narrowed and sorted; apart, the database
    needs no OR over a join, which at 100,000 images decides between milliseconds and a full scan. The first
    part searches only the user's own text; `counting` (see `apply_filters`) when the parts are counted."""
    if not getattr(user, "is_authenticated", False):
        return []
    projects = access.projects_visible_to(user).values("id")
    own = order(
        apply_filters(
            Image.objects.alive().filter(Q(project__isnull=True) | Q(project_id__in=projects), user=user),
            user,
            filters,
            owner=user.pk,
            counting=counting,
        ),
        filters.sort,
    )
    teams = access.team_workspace_ids(user)
    if not teams:  # nobody else's images can be in the user's projects: no need to look
        return [own]
    team_projects = projects.filter(workspace_id__in=teams)
    # Ids below and above the user's, as two parts: each is one range of the (project_id, user_id) index per
    # project, so the user's own rows in their projects are never read here (`<>` would read them all).
    below = Image.objects.alive().filter(user_id__lt=user.pk, project_id__in=team_projects)
    above = Image.objects.alive().filter(user_id__gt=user.pk, project_id__in=team_projects)
    return [
        own,
        *(
            _sorted_in_full(order(apply_filters(part, user, filters), filters.sort), filters.sort)
            for part in (below, above)
        ),
    ]


SHIFTED = "browse_first"  # the first sort key, through an expression no index serves (_sorted_in_full)


def _shifted_first(sort: str) -> Func | ExpressionWrapper | None:
    first = SORT_KEYS[sort][0]
    if first.name not in ("created_at", "rating"):
        return None  # name and model sorts order by expressions already
    field = DateTimeField() if first.name == "created_at" else IntegerField()
    if connection.vendor == "sqlite":  # SQLite's unary plus: the same value, but no index delivers it in order
        return Func(F(first.name), template="+%(expressions)s", output_field=field)
    if connection.vendor == "postgresql":
        zero = Value(timedelta(0)) if first.name == "created_at" else Value(0)
        return ExpressionWrapper(F(first.name) + zero, output_field=field)
    return None


def _sorted_in_full(queryset: QuerySet[Image], sort: str) -> QuerySet[Image]:
    """Order by the same keys, but through an expression no index serves (see `part_keys`).

    Other people's images in shared projects are few next to a user's own, yet the planner, not knowing
    that a project's images are mostly its owner's, would walk the whole time index hoping to meet them.
    An unindexable order (and cursor condition) makes it fetch the part through the (project_id, user_id)
    index and sort what it found, which is what that part needs."""
    shifted = _shifted_first(sort)
    if shifted is None:
        return queryset
    first = SORT_KEYS[sort][0]
    term = F(SHIFTED).desc(nulls_last=True) if first.descending else F(SHIFTED).asc(nulls_last=True)
    return queryset.alias(**{SHIFTED: shifted}).order_by(term, *queryset.query.order_by[1:])


def part_keys(sort: str, n: int) -> tuple[SortKey, ...]:
    """The keys the `n`th part of `visible_parts` is ordered (and its cursor compared) by."""
    keys = SORT_KEYS[sort]
    if n == 0 or _shifted_first(sort) is None:
        return keys
    return (SortKey(SHIFTED, keys[0].descending, keys[0].nullable), *keys[1:])


def browse_page(
    user,
    filters: ImageFilters,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    *,
    jump: date | None = None,
    for_page: bool = False,
) -> Page:
    """One page of the gallery: the user's visible images matching `filters`, in its sort, after `cursor`
    (or from the date `jump`). One query, whatever the depth: the first `limit + 1` of each part (each an
    index range scan), merged and cut by the database. `for_page`: leave out what only the API shows."""
    limit = max(1, min(limit, MAX_PAGE))
    if jump and not cursor:
        cursor = jump_cursor(jump, filters.sort)
    values = decode_cursor(cursor, filters.sort) if cursor else None
    heads = []
    for n, part in enumerate(visible_parts(user, filters)):
        # The first part walks its index from the cursor on; the others are fetched whole and sorted, so a
        # bare range on the sort key would only tempt the planner into the time index (see _sorted_in_full).
        beyond = after(part_keys(filters.sort, n), values, index_bound=n == 0) if values is not None else Q()
        heads.append(part.filter(beyond).values("id")[: limit + 1])
    # Each part evaluated once, along its index; the database merges at most 3 × (limit + 1) rows.
    chosen = union_of(heads)
    if chosen is None:
        return Page(items=[], next_cursor=None)
    queryset = order(Image.objects.filter(chosen), filters.sort).select_related("model")
    if for_page:
        queryset = queryset.defer(*PAGE_DEFERRED)
    return page_of(queryset, filters.sort, None, limit)


COUNT_CAP = 10_000


def browse_count(user, filters: ImageFilters, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many images match, counting at most `cap` (and whether there are more): the page asks for it
    after it has shown the images, so a big library never waits for a full count."""
    count = 0
    for part in visible_parts(user, filters, counting=True):  # disjoint, each counted along its own index
        count += part.order_by()[: cap + 1 - count].count()
        if count > cap:
            break
    return min(count, cap), count > cap
