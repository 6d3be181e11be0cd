"""Keyset (cursor) pagination: constant cost at any depth, stable while new rows arrive."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import DateTimeField, Q, QuerySet


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
    field = order.lstrip("-")
    descending = order.startswith("-")
    queryset = queryset.order_by(order, f"{'-' if descending else ''}id")
    if cursor:
        raw, pk = _decode_value_cursor(cursor)
        beyond = "lt" if descending else "gt"
        value: str | datetime = raw
        if isinstance(queryset.model._meta.get_field(field), DateTimeField):
            value = _parse_time(raw)
        queryset = queryset.filter(Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": pk}))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    last = rows[limit - 1]
    value = getattr(last, field)
    raw = value.isoformat() if isinstance(value, datetime) else str(value)
    token = base64.urlsafe_b64encode(json.dumps([raw, str(last.pk)]).encode()).decode().rstrip("=")
    return Page(items=rows[:limit], next_cursor=token)


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
