from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from imagestudio.catalog.services import sync_catalog
from imagestudio.prompts.library import load_starters
from imagestudio.showcase.services import sync_showcase


class Command(BaseCommand):
    help = (
        "Load seed data (the model catalog, the starter prompts, the landing page's showcase pictures). "
        "Safe to run again: it updates in place and renders only showcase entries that changed."
    )

    def handle(self, *args, **options) -> None:
        count = sync_catalog()
        self.stdout.write(f"Catalog: {count} models ready.")
        created, updated = load_starters()
        self.stdout.write(f"Starter prompts: {created} added, {updated} updated.")
        # The showcase is always drawn by the offline engine, with or without a FAL_KEY: seeding stays free,
        # fast and reproducible, and the pictures say which (offline) model made them.
        started = time.monotonic()
        report = sync_showcase()
        self.stdout.write(
            f"Showcase: {report.rendered} rendered, {report.kept} unchanged, {report.removed} removed "
            f"({time.monotonic() - started:.1f} s)."
        )
