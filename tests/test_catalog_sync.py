"""Re-seeding the catalog (every `make run`) must not undo an admin's enable/disable."""

from __future__ import annotations

import pytest

from imagestudio.catalog import services
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.services import sync_catalog

pytestmark = pytest.mark.django_db


def _with_extra_endpoints(monkeypatch, *endpoints: dict) -> None:
    data = services.fal_catalog()
    extended = {**data, "endpoints": [*data["endpoints"], *endpoints]}
    monkeypatch.setattr(services, "fal_catalog", lambda: extended)


@pytest.mark.parametrize("endpoint_id", ["fal-ai/flux/dev", "offline/studio-v1"])
def test_a_disabled_model_stays_disabled_after_a_resync(catalog, endpoint_id):
    AIModel.objects.filter(endpoint_id=endpoint_id).update(is_active=False, display_name="renamed")
    sync_catalog()
    model = AIModel.objects.get(endpoint_id=endpoint_id)
    assert model.is_active is False
    assert model.display_name != "renamed"  # the rest of the row still follows the data


def test_a_model_the_admin_enabled_stays_enabled_after_a_resync(catalog):
    inactive = next(e for e in services.fal_catalog()["endpoints"] if e.get("status", "active") != "active")
    model = AIModel.objects.get(endpoint_id=inactive["endpoint_id"])
    assert model.is_active is False  # seeded from the data
    AIModel.objects.filter(pk=model.pk).update(is_active=True)
    sync_catalog()
    assert AIModel.objects.get(pk=model.pk).is_active is True


def test_a_model_new_to_the_data_arrives_active(catalog, monkeypatch):
    _with_extra_endpoints(
        monkeypatch,
        {"endpoint_id": "fal-ai/brand-new", "display_name": "Brand new", "status": "active"},
        {"endpoint_id": "fal-ai/brand-new-deprecated", "status": "deprecated"},
    )
    sync_catalog()
    assert AIModel.objects.get(endpoint_id="fal-ai/brand-new").is_active is True
    assert AIModel.objects.get(endpoint_id="fal-ai/brand-new-deprecated").is_active is False
