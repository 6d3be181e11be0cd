"""Answer schemas shared by API routers.

A route that documents its own 422 (e.g. `{"detail": "...", "field": "..."}`) still answers ninja's shape
when the body or query does not match its schema at all; document both:
`response={..., 422: MyErrorOut | InvalidRequestOut}`.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class InvalidRequestOut(Schema):
    """ninja's answer to a body or query that does not match the schema (wrong types, missing fields)."""

    detail: list[dict] = Field(description="One entry per problem: `loc` (where), `msg`, `type`")
