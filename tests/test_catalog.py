from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.services import fal_catalog, sync_catalog

pytestmark = pytest.mark.django_db


def test_it_seeds_every_fal_endpoint_and_the_offline_models(catalog):
    fal_ids = {e["endpoint_id"] for e in fal_catalog()["endpoints"]}
    assert set(AIModel.objects.filter(provider="fal").values_list("endpoint_id", flat=True)) == fal_ids
    offline = set(AIModel.objects.filter(provider="offline").values_list("endpoint_id", flat=True))
    assert offline == {
        "offline/studio-v1",
        "offline/studio-turbo",
        "offline/studio-img2img",
        "offline/studio-fill",
        "offline/studio-upscale",
        "offline/studio-cutout",
        "offline/studio-style",
        "offline/studio-edit",
    }


def test_seeding_twice_updates_in_place(catalog):
    count = AIModel.objects.count()
    AIModel.objects.filter(endpoint_id="fal-ai/flux/dev").update(display_name="renamed")
    sync_catalog()
    assert AIModel.objects.count() == count
    assert AIModel.objects.get(endpoint_id="fal-ai/flux/dev").display_name == "FLUX.1 [dev]"


def test_fal_models_are_unavailable_without_a_key(catalog, settings):
    flux = AIModel.objects.get(endpoint_id="fal-ai/flux/dev")
    offline = AIModel.objects.get(endpoint_id="offline/studio-v1")
    assert offline.available and not flux.available
    assert "FAL_KEY" in flux.unavailable_reason
    settings.FAL_KEY = "test-key"
    assert flux.available


def test_costs_follow_fal_prices(catalog):
    # $0.025 per megapixel at 1 credit = $0.01 → 3 credits for a 1 MP image (rounded up).
    assert AIModel.objects.get(endpoint_id="fal-ai/flux/dev").cost_per_generation == 3
    assert AIModel.objects.get(endpoint_id="fal-ai/flux-pro/v1.1-ultra").cost_per_generation == 6
    assert AIModel.objects.get(endpoint_id="offline/studio-v1").cost_per_generation == 0


def test_the_models_api_lists_models_with_availability(catalog):
    rows = Client().get("/api/models").json()
    by_id = {row["endpoint_id"]: row for row in rows}
    assert by_id["offline/studio-v1"]["available"] is True
    assert by_id["fal-ai/flux/schnell"]["available"] is False
    assert {"id", "name", "category", "capabilities", "cost_per_generation"} <= set(by_id["fal-ai/flux/dev"])


def test_the_models_api_filters_and_details(catalog):
    client = Client()
    upscalers = client.get("/api/models", {"category": "upscale"}).json()
    assert upscalers and all(row["category"] == "upscale" for row in upscalers)
    detail = client.get("/api/models/fal-ai/flux/dev")
    assert detail.status_code == 200
    assert detail.json()["input_schema"]["num_inference_steps"]["max"] == 50
    assert client.get(f"/api/models/{detail.json()['id']}").json()["endpoint_id"] == "fal-ai/flux/dev"
    assert client.get("/api/models/fal-ai/nope").status_code == 404
    categories = {row["category"]: row["count"] for row in client.get("/api/models/categories").json()}
    assert categories == Counter(AIModel.objects.active().values_list("category", flat=True))
    featured = client.get("/api/models/featured").json()
    assert any(row["endpoint_id"] == "offline/studio-v1" for row in featured)


def test_prices_sync_from_fals_pricing_api(catalog, fal_emulator, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.FAL_KEY = "test-key"
    settings.FAL_API_URL = fal_emulator.url
    out = StringIO()
    call_command("sync_fal_prices", stdout=out)
    assert "Prices updated for 4 of" in out.getvalue()
    flux = AIModel.objects.get(endpoint_id="fal-ai/flux/dev")
    assert flux.pricing["amount_usd"] == 0.02 and flux.pricing["source"] == "fal pricing API"
    assert flux.cost_per_generation == 2
    aura = AIModel.objects.get(endpoint_id="fal-ai/aura-flow")
    assert aura.pricing.get("estimated")  # no price published: the catalog's estimate stands


def test_price_sync_without_a_key_changes_nothing(catalog, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.FAL_KEY = ""
    out = StringIO()
    call_command("sync_fal_prices", stdout=out)
    assert "catalog's prices stand" in out.getvalue()
    assert AIModel.objects.get(endpoint_id="fal-ai/flux/dev").pricing["amount_usd"] == 0.025
