"""The staff API, mounted at /api/admin (Django's HTML admin is /admin/, a different thing):

GET /api/admin/users                  every account, newest first, cursor-paginated, `?q=` email or name
GET /api/admin/stats                  users, jobs per status, images, 30-day spend, failures by model (24 h)
PUT /api/admin/models/{id}/toggle     switch a catalog model off or on
GET /api/admin/usage-overview         jobs, outcomes and credits per day and per model, `?days=1..365`

Anonymous callers get 401, signed-in people who are not staff 403 — decided in authentication, before any
input is read, so a non-staff caller learns nothing from validation errors either.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from imagestudio.accounts.api import ErrorOut
from imagestudio.catalog.models import AIModel
from imagestudio.staff import selectors, services


def _staff_only(user: Any) -> Any:
    if user is not None and not user.is_staff:
        raise HttpError(403, gettext("This is for staff only."))
    return user


def _authenticate_staff(self: Any, request: HttpRequest, *args: Any) -> Any:
    return _staff_only(super(type(self), self).authenticate(request, *args))


def staff_only(auths: Sequence[Any]) -> list[Any]:
    """The API's own authentications (bearer token with its scope checks, browser session with its CSRF
    check), each answering 403 for a signed-in caller who is not staff. `imagestudio.api` hands them over
    when it mounts this router, so this module never imports it (no loop). Each copy keeps its class's
    name, so OpenAPI shows the same security schemes as everywhere else."""
    guarded = []
    for auth in auths:
        base = type(auth)
        clone = copy.copy(auth)
        clone.__class__ = type(base.__name__, (base,), {"authenticate": _authenticate_staff})
        guarded.append(clone)
    return guarded


router = Router(tags=["staff"])
DENIED = {401: ErrorOut, 403: ErrorOut}


class AdminUserOut(Schema):
    id: UUID
    email: str
    name: str
    is_staff: bool
    is_active: bool
    credits_balance: int
    subscription_tier: str
    created_at: datetime
    last_login: datetime | None
    image_count: int = Field(description="Images not in the trash")
    job_count: int = Field(description="Generation jobs in any state")


class AdminUserPageOut(Schema):
    items: list[AdminUserOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class ModelFailuresOut(Schema):
    model_id: UUID
    name: str
    display_name: str
    failures: int


class StatsOut(Schema):
    users_total: int
    users_new_7d: int = Field(description="Accounts created in the last 7 days")
    jobs_by_status: dict[str, int] = Field(description="queued, running, succeeded, failed, canceled (zeros included)")
    images_total: int = Field(description="Images not in the trash")
    credits_spent_30d: int = Field(description="Net credits charged for jobs over the last 30 days, every ledger")
    failures_by_model_24h: list[ModelFailuresOut] = Field(description="Failed jobs per model, last 24 hours")


class ToggleIn(Schema):
    enabled: bool | None = Field(default=None, description="The state to set; leave out to flip the current one")


class ToggleOut(Schema):
    id: UUID
    name: str
    display_name: str
    endpoint_id: str
    enabled: bool


class DayUsageOut(Schema):
    day: date
    jobs: int
    succeeded: int
    failed: int
    credits: int = Field(description="Credits the day's jobs were charged")


class ModelUsageOut(Schema):
    model_id: UUID
    name: str
    display_name: str
    jobs: int
    succeeded: int
    failed: int
    credits: int


class UsageOverviewOut(Schema):
    days: int
    since: date = Field(description="The first day counted (the project's time zone)")
    daily: list[DayUsageOut] = Field(description="One entry per day, oldest first, empty days included")
    by_model: list[ModelUsageOut] = Field(description="Models with jobs in the window, most jobs first")


@router.get(
    "/users",
    response={200: AdminUserPageOut, 400: ErrorOut, **DENIED},
    summary="Every account (staff)",
    description="Newest first, up to `limit` per page. `q` matches email or name (case-insensitive). "
    "A bad `cursor` answers 400.",
    url_name="admin_users",
)
def list_users(request, q: str = "", cursor: str | None = None, limit: int = Query(50, ge=1, le=200)):
    page = selectors.users_page(q=q.strip()[:200], cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/stats",
    response={200: StatsOut, **DENIED},
    summary="Studio totals (staff)",
    url_name="admin_stats",
)
def get_stats(request):
    found = selectors.stats()
    return {
        "users_total": found.users_total,
        "users_new_7d": found.users_new,
        "jobs_by_status": found.jobs_by_status,
        "images_total": found.images_total,
        "credits_spent_30d": found.credits_spent,
        "failures_by_model_24h": found.failures_by_model,
    }


@router.put(
    "/models/{model_id}/toggle",
    response={200: ToggleOut, 404: ErrorOut, **DENIED},
    summary="Switch a model off or on (staff)",
    description="A switched-off model is refused by every generation path and left out of GET /api/models. "
    'Body optional: `{"enabled": false}` sets the state; without it the state flips.',
    url_name="admin_model_toggle",
)
def toggle_model(request, model_id: UUID, payload: ToggleIn | None = Body(None)):
    try:
        model = services.toggle_model(model_id=model_id, enabled=payload.enabled if payload else None)
    except AIModel.DoesNotExist:
        return Status(404, {"detail": gettext("There is no model with this id."), "field": "model_id"})
    return Status(
        200,
        {
            "id": model.pk,
            "name": model.name,
            "display_name": model.display_name,
            "endpoint_id": model.endpoint_id,
            "enabled": model.is_active,
        },
    )


@router.get(
    "/usage-overview",
    response={200: UsageOverviewOut, 422: ErrorOut, **DENIED},
    summary="Usage per day and per model (staff)",
    description="The last `days` days (1–365, default 30), today included.",
    url_name="admin_usage_overview",
)
def usage_overview(request, days: int = 30):
    if not 1 <= days <= selectors.MAX_OVERVIEW_DAYS:
        detail = gettext("Choose between 1 and %(max)s days.") % {"max": selectors.MAX_OVERVIEW_DAYS}
        return Status(422, {"detail": detail, "field": "days"})
    return Status(200, selectors.usage_overview(days=days))
