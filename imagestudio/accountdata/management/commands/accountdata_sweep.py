from __future__ import annotations

from django.core.management.base import BaseCommand

from imagestudio.accountdata.sweeping import sweep


class Command(BaseCommand):
    help = "Delete expired account exports and purge accounts whose deletion grace period has ended."

    def handle(self, *args, **options) -> None:
        done = sweep()
        self.stdout.write(f"{done['exports_expired']} exports expired, {done['accounts_purged']} accounts purged")
