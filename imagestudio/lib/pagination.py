"""Keyset (cursor) pagination: constant cost at any depth, stable while new rows arrive."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import DateTimeField, Q, QuerySet
from django.db.models.expressions import RawSQL


class BadCursor(ValueError):
    pass


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(created_at: datetime, pk) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) a cursor points after. A tampered cursor is a BadCursor, never a database error."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|", 1)
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:
            raise ValueError("cursor time without a zone")
        return created_at, str(uuid.UUID(pk))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("That page link is invalid or expired; start from the first page.") from exc


def paginate_newest_first(queryset: QuerySet, cursor: str | None, limit: int) -> Page:
    """Rows ordered by (-created_at, -id), `limit` at a time, after `cursor`."""
    queryset = queryset.order_by("-created_at", "-id")
    if cursor:
        created_at, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    rows = list(queryset[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].pk) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def paginate_keyset(queryset: QuerySet, cursor: str | None, limit: int, order: str) -> Page:
    """Rows ordered by one field (`"name"` ascending, `"-updated_at"` descending) then id, after `cursor`.

    Datetime and text fields only: the cursor carries the last row's value and id, so every page costs
    one index range scan whatever its depth.
    """
    rows = list(_ordered_after(queryset, cursor, order)[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    last = rows[limit - 1]
    value = getattr(last, order.lstrip("-"))
    raw = value.isoformat() if isinstance(value, datetime) else str(value)
    token = base64.urlsafe_b64encode(json.dumps([raw, str(last.pk)]).encode()).decode().rstrip("=")
    return Page(items=rows[:limit], next_cursor=token)


def paginate_keyset_parts(rows: QuerySet, parts: list[QuerySet], cursor: str | None, limit: int, order: str) -> Page:
    """`paginate_keyset` over disjoint parts of one table, each with an index of its own; `rows` says what
    to load (e.g. with `select_related`). One query: the first `limit + 1` of each part after `cursor`, merged
    and cut by the database, so no condition ORs across the parts (which an index cannot serve)."""
    heads = [_ordered_after(part, cursor, order).values("id")[: limit + 1] for part in parts]
    chosen = union_of(heads)
    if chosen is None:
        return Page(items=[], next_cursor=None)
    return paginate_keyset(rows.filter(chosen), None, limit, order)


def union_of(heads: list[QuerySet]) -> Q | None:
    """`id IN (head 1 UNION ALL head 2 …)` for querysets of ids (`.values("id")`, sliced): each is evaluated
    once, along its own index. None when no head can match (Django writes no SQL for those)."""
    sqls: list[str] = []
    params: list[Any] = []
    for n, head in enumerate(heads):
        try:
            sql, head_params = head.query.sql_with_params()
        except EmptyResultSet:  # e.g. `pk__in=[]`: this head has no rows
            continue
        # Each head in a derived table of its own: SQLite allows no LIMIT directly in a compound member.
        sqls.append(f"SELECT id FROM ({sql}) AS part{n}")  # noqa: S608 - Django's own compiled SQL
        params.extend(head_params)
    if not sqls:
        return None
    return Q(id__in=RawSQL(" UNION ALL ".join(sqls), params))  # noqa: S611


def _ordered_after(queryset: QuerySet, cursor: str | None, order: str) -> QuerySet:
    field = order.lstrip("-")
    descending = order.startswith("-")
    queryset = queryset.order_by(order, f"{'-' if descending else ''}id")
    if not cursor:
        return queryset
    raw, pk = _decode_value_cursor(cursor)
    beyond = "lt" if descending else "gt"
    value: str | datetime = raw
    if isinstance(queryset.model._meta.get_field(field), DateTimeField):
        value = _parse_time(raw)
    after = Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": pk})
    # The bound again, alone, so the database can start its index scan there.
    return queryset.filter(after, **{f"{field}__{beyond}e": value})


def _decode_value_cursor(cursor: str) -> tuple[str, str]:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not isinstance(value, str):
            raise ValueError("cursor value is not text")
        return value, str(uuid.UUID(str(pk)))  # str(): a number would reach UUID() and raise AttributeError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("That page link is invalid or expired; start from the first page.") from exc


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadCursor("That page link is invalid or expired; start from the first page.") from exc
    if parsed.tzinfo is None:
        raise BadCursor("That page link is invalid or expired; start from the first page.")
    return parsed
