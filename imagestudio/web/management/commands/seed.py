from __future__ import annotations

from django.core.management.base import BaseCommand

from imagestudio.catalog.services import sync_catalog


class Command(BaseCommand):
    help = "Load seed data (the model catalog). Safe to run again: it updates in place."

    def handle(self, *args, **options) -> None:
        count = sync_catalog()
        self.stdout.write(f"Catalog: {count} models ready.")
