from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from imagestudio.catalog.services import sync_prices_from_fal


class Command(BaseCommand):
    help = "Update fal model prices from fal's pricing API (needs FAL_KEY and network; otherwise catalog prices stand)."

    def handle(self, *args, **options) -> None:
        if not settings.FAL_KEY:
            self.stdout.write("No FAL_KEY set: the catalog's prices stand.")
            return
        outcomes = sync_prices_from_fal(key=settings.FAL_KEY, api_url=settings.FAL_API_URL)
        updated = sum(1 for text in outcomes.values() if text.startswith("$"))
        failed = sum(1 for text in outcomes.values() if text.startswith("failed"))
        for endpoint_id, text in sorted(outcomes.items()):
            self.stdout.write(f"{endpoint_id}: {text}")
        self.stdout.write(
            f"Prices updated for {updated} of {len(outcomes)} fal models ({failed} failed; the rest kept)."
        )
