from __future__ import annotations

from django.core.management.base import BaseCommand

from imagestudio.catalog.services import sync_catalog
from imagestudio.prompts.library import load_starters


class Command(BaseCommand):
    help = "Load seed data (the model catalog, the starter prompts). Safe to run again: it updates in place."

    def handle(self, *args, **options) -> None:
        count = sync_catalog()
        self.stdout.write(f"Catalog: {count} models ready.")
        created, updated = load_starters()
        self.stdout.write(f"Starter prompts: {created} added, {updated} updated.")
