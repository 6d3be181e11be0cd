"""`manage.py purge_trash`: delete for good, with their files, images trashed more than TRASH_RETENTION_DAYS ago.

The worker runs `gallery.trash.purge_expired` daily; this command is the same thing for cron or by hand.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from imagestudio.gallery import trash


class Command(BaseCommand):
    help = "Purge images that have been in the trash longer than TRASH_RETENTION_DAYS (files included)."

    def handle(self, *args, **options):
        purged = trash.purge_expired()
        self.stdout.write(
            f"Purged {purged} image{'s' if purged != 1 else ''} (retention {trash.retention_days()} days)."
        )
