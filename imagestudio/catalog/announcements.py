"""The "new model" announcement: shown to each person once for the models the catalog gained since they last
looked (or since they joined: a model older than the account is not news to them)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.showcase import new_models
from imagestudio.preferences import services
from imagestudio.preferences.models import UserSettings

SEEN_KEY = "seen_models_at"


def seen_at(row: UserSettings | None) -> datetime | None:
    raw = services.value(row, SEEN_KEY) if row is not None else ""
    return parse_datetime(raw) if raw else None


def unseen_models(user, row: UserSettings | None, *, now: datetime | None = None) -> list[AIModel]:
    """New models added after the user last dismissed the announcement (and after they joined); newest first."""
    baseline = max(filter(None, [seen_at(row), user.created_at]))
    return [model for model in new_models(now=now) if model.created_at > baseline]


def mark_seen(user, *, now: datetime | None = None) -> None:
    services.update_settings(user=user, changes={SEEN_KEY: (now or timezone.now()).isoformat()})
