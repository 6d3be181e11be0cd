"""Seeding and reading the model catalog."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from imagestudio.catalog import params
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.offline import OFFLINE_MODELS

DATA_FILE = Path(__file__).parent / "data" / "fal_models.json"
# fal publishes no price for some endpoints; charge a cautious estimate rather than nothing.
FALLBACK_PRICING = {"amount_usd": 0.03, "unit": "per image (estimate)", "unconfirmed": True, "estimated": True}
FAST_HINTS = ("schnell", "lightning", "lcm", "turbo", "fast-sdxl")
HIGH_QUALITY_HINTS = ("pro", "ultra", "clarity", "creative")
FEATURED = {"fal-ai/flux/dev", "fal-ai/flux/schnell", "fal-ai/flux-pro/v1.1-ultra", "fal-ai/fast-sdxl"}


@cache
def fal_catalog() -> dict:
    return json.loads(DATA_FILE.read_text())


def _family(endpoint_id: str) -> str:
    for needle, family in (
        ("flux", "flux"),
        ("sdxl", "stable-diffusion"),
        ("stable", "stable-diffusion"),
        ("lcm", "stable-diffusion"),
        ("aura", "aura"),
        ("bria", "bria"),
        ("kling", "kling"),
        ("minimax", "minimax"),
        ("birefnet", "birefnet"),
        ("esrgan", "esrgan"),
    ):
        if needle in endpoint_id:
            return family
    return endpoint_id.split("/")[1] if "/" in endpoint_id else "other"


def _classes(endpoint_id: str) -> tuple[str, str]:
    speed = "fast" if any(h in endpoint_id for h in FAST_HINTS) else "standard"
    quality = "high" if any(h in endpoint_id for h in HIGH_QUALITY_HINTS) else "standard"
    if speed == "fast" and quality == "standard":
        quality = "draft"
    return speed, quality


def _defaults(schema: dict) -> dict:
    return {name: spec["default"] for name, spec in schema.items() if isinstance(spec, dict) and "default" in spec}


def cost_per_image(pricing: dict) -> int:
    usd = params.estimate_cost_usd(pricing, 1024, 1024, 1)
    return params.credits_for(usd, settings.CREDIT_USD)


def sync_catalog() -> int:
    """Create or update every catalog row from the data files. Returns how many rows were written.

    `is_active` comes from the data only when a row is created: on existing rows it is the admin's
    switch (enable/disable), and re-seeding (every `make run`) must not undo it.
    """
    rows = [_offline_row(spec) for spec in OFFLINE_MODELS]
    rows += [_fal_row(spec, i) for i, spec in enumerate(fal_catalog()["endpoints"])]
    for row in rows:
        endpoint_id = row.pop("endpoint_id")
        model = AIModel.objects.filter(endpoint_id=endpoint_id).first()
        if model is None:
            model = AIModel(endpoint_id=endpoint_id)
        else:
            row.pop("is_active", None)
        for field, value in row.items():
            setattr(model, field, value)
        model.save()
    return len(rows)


def _offline_row(spec: dict) -> dict:
    return {
        "endpoint_id": spec["endpoint_id"],
        "provider": AIModel.Provider.OFFLINE,
        "name": slugify(spec["endpoint_id"].replace("/", "-")),
        "display_name": spec["display_name"],
        "description": spec["description"],
        "category": spec["category"],
        "family": "offline",
        "version": "1",
        "capabilities": spec["capabilities"],
        "input_schema": spec["input"],
        "default_parameters": _defaults(spec["input"]),
        "pricing": {"amount_usd": 0, "unit": "free (runs on this machine)"},
        "cost_per_generation": 0,
        "speed_class": spec["speed_class"],
        "quality_class": spec["quality_class"],
        "docs_url": "",
        "status": "active",
        "is_featured": spec["is_featured"],
        "sort_order": spec["sort_order"],
    }


def _fal_row(spec: dict, index: int) -> dict:
    endpoint_id = spec["endpoint_id"]
    pricing = spec.get("pricing") or {}
    if pricing.get("amount_usd") is None:
        pricing = {**FALLBACK_PRICING, "source": pricing.get("source", "")}
    speed, quality = _classes(endpoint_id)
    return {
        "endpoint_id": endpoint_id,
        "provider": AIModel.Provider.FAL,
        "name": slugify(endpoint_id.replace("/", "-")),
        "display_name": spec.get("display_name") or endpoint_id,
        "description": spec.get("description", ""),
        "category": spec.get("category", "text-to-image"),
        "family": _family(endpoint_id),
        "version": spec.get("version", ""),
        "capabilities": spec.get("capabilities", []),
        "input_schema": spec.get("input", {}),
        "default_parameters": _defaults(spec.get("input", {})),
        "pricing": pricing,
        "cost_per_generation": cost_per_image(pricing),
        "speed_class": speed,
        "quality_class": quality,
        "docs_url": f"https://fal.ai/models/{endpoint_id}",
        "status": spec.get("status", "active"),
        "is_active": spec.get("status", "active") == "active",
        "is_featured": endpoint_id in FEATURED,
        "sort_order": 10 + index,
    }


def get_model(model_ref: str) -> AIModel | None:
    """Find a model by UUID, endpoint id (fal-ai/flux/dev) or slug."""
    try:
        return AIModel.objects.filter(pk=uuid.UUID(str(model_ref))).first()
    except ValueError:
        return AIModel.objects.filter(endpoint_id=model_ref).first() or AIModel.objects.filter(name=model_ref).first()


def default_model() -> AIModel | None:
    """The best available text-to-image model: a featured fal model with a key, else the offline one."""
    models = AIModel.objects.active().with_capability("text-to-image")
    if settings.FAL_KEY:
        fal = models.filter(provider=AIModel.Provider.FAL, endpoint_id="fal-ai/flux/dev").first()
        if fal:
            return fal
    return models.filter(provider=AIModel.Provider.OFFLINE).order_by("sort_order").first()


def sync_prices_from_fal(*, key: str, api_url: str, timeout: float = 10) -> dict[str, str]:
    """Update fal models' prices from fal's pricing API. Returns endpoint id → what happened."""
    import httpx

    outcomes: dict[str, str] = {}
    models = list(AIModel.objects.filter(provider=AIModel.Provider.FAL))
    with httpx.Client(timeout=timeout, headers={"Authorization": f"Key {key}"}) as client:
        for model in models:
            try:
                response = client.get(f"{api_url}/v1/models/pricing", params={"endpoint_id": model.endpoint_id})
                response.raise_for_status()
                prices = [p for p in response.json().get("prices", []) if p.get("endpoint_id") == model.endpoint_id]
            except (httpx.HTTPError, ValueError, AttributeError) as exc:
                outcomes[model.endpoint_id] = f"failed: {exc.__class__.__name__}"
                continue
            if not prices:
                outcomes[model.endpoint_id] = "no price published; catalog value kept"
                continue
            price = prices[0]
            model.pricing = {
                "amount_usd": float(price["unit_price"]),
                "unit": f"per {price.get('unit', 'image')}",
                "source": "fal pricing API",
                "unconfirmed": False,
            }
            model.cost_per_generation = cost_per_image(model.pricing)
            model.save(update_fields=["pricing", "cost_per_generation", "updated_at"])
            outcomes[model.endpoint_id] = f"${price['unit_price']} per {price.get('unit', 'image')}"
    return outcomes
