from __future__ import annotations

from django.core.management.base import BaseCommand

from imagestudio.demo.services import purge_expired


class Command(BaseCommand):
    help = "Purge demo accounts older than DEMO_LIFETIME_HOURS (the worker does this every few minutes)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{purge_expired()} demo accounts purged")
