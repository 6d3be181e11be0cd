"""The emulator's answer to fal's platform pricing API (GET /v1/models/pricing?endpoint_id=...).

Prices are fixed and deliberately differ from the catalog's, so a sync is visible in tests.
"""

from __future__ import annotations

PRICES: dict[str, tuple[float, str]] = {
    "fal-ai/flux/dev": (0.02, "megapixel"),
    "fal-ai/flux/schnell": (0.004, "megapixel"),
    "fal-ai/flux-pro/v1.1-ultra": (0.07, "image"),
    "fal-ai/fast-sdxl": (0.01, "image"),
}


def prices_for(endpoint_ids: list[str]) -> dict:
    return {
        "prices": [
            {
                "endpoint_id": endpoint_id,
                "unit_price": PRICES[endpoint_id][0],
                "unit": PRICES[endpoint_id][1],
                "currency": "USD",
            }
            for endpoint_id in endpoint_ids
            if endpoint_id in PRICES
        ]
    }
