"""Staff commands."""

from __future__ import annotations

from typing import Any

from imagestudio.catalog.models import AIModel


def toggle_model(*, model_id: Any, enabled: bool | None = None) -> AIModel:
    """Switch a catalog model on or off (flip it when `enabled` is None). A switched-off model is refused by
    generation (`AIModel.available`) and hidden from the public catalog; sync_catalog keeps the switch.

    Raises AIModel.DoesNotExist for an unknown id."""
    model = AIModel.objects.get(pk=model_id)
    model.is_active = (not model.is_active) if enabled is None else enabled
    model.save(update_fields=["is_active", "updated_at"])
    return model
