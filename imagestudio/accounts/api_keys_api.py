"""API keys over the API: GET/POST /api/settings/api-keys, DELETE /api/settings/api-keys/{id} (scope `manage`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import Field

from imagestudio.accounts import api_keys
from imagestudio.accounts.api import ErrorOut
from imagestudio.accounts.models import ApiToken
from imagestudio.lib.api_errors import InvalidRequestOut

router = Router(tags=["api keys"])

ScopeName = Literal["read", "generate", "manage"]


class ApiKeyIn(Schema):
    name: str = Field(max_length=api_keys.NAME_MAX_LENGTH, description="What uses the key, e.g. 'render farm'")
    scopes: list[ScopeName] = Field(
        min_length=1,
        description="read: GET calls (and exports); generate: start and steer generations; "
        "manage: every other change (images, projects, collections, sharing, teams, keys)",
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=api_keys.MAX_EXPIRY_DAYS, description="Days until it stops working; null: never"
    )


class ApiKeyOut(Schema):
    id: UUID
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    scopes: list[str]
    status: str = Field(description="active, expired or revoked")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class NewApiKeyOut(ApiKeyOut):
    key: str = Field(
        description="The key itself: shown this once, never again. Send it as `Authorization: Bearer <key>`"
    )


def _out(key: ApiToken) -> dict:
    return {
        "id": key.pk,
        "name": key.name,
        "prefix": key.hint,
        "scopes": key.scopes,
        "status": api_keys.key_status(key),
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
    }


@router.get(
    "/api-keys",
    response={200: list[ApiKeyOut], 401: ErrorOut, 403: ErrorOut},
    summary="Your API keys",
    description="Active keys first, then expired and revoked ones; newest first within each. Never the keys themselves.",
)
def list_api_keys(request):
    return [_out(key) for key in api_keys.user_keys(request.user)]


@router.post(
    "/api-keys",
    response={201: NewApiKeyOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut | InvalidRequestOut},
    summary="Create an API key",
    description=f"The answer holds `key` this once. At most {settings.API_MAX_KEYS} active keys per account (400 beyond).",
)
def create_api_key(request, payload: ApiKeyIn):
    key, raw = api_keys.create_key(
        user=request.user,
        name=payload.name,
        scopes=payload.scopes,
        expires_in_days=payload.expires_in_days,
        request=request,
    )
    return Status(201, {**_out(key), "key": raw})


@router.delete(
    "/api-keys/{key_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Revoke an API key",
    description="It stops working at once. Revoking a revoked key changes nothing (204).",
)
def revoke_api_key(request, key_id: UUID):
    if api_keys.revoke_key(user=request.user, key_id=key_id, request=request) is None:
        return Status(404, {"detail": "You have no API key with this id."})
    return Status(204, None)
