"""Fill in what images stored before issue 8 lack: perceptual hashes, and (with --renditions) the srcset
WebP/AVIF renditions. Safe to re-run; only images missing them are touched."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from imagestudio.gallery import renditions, similarity
from imagestudio.gallery.models import Image


class Command(BaseCommand):
    help = "Backfill perceptual hashes (and optionally srcset renditions) for existing images."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--renditions", action="store_true", help="Also build missing WebP/AVIF renditions.")
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, **options) -> None:
        report = similarity.backfill_phashes(batch_size=options["batch_size"])
        self.stdout.write(
            f"Perceptual hashes: {report['hashed']} computed, {report['failed']} unreadable, "
            f"{report['remaining']} still without one."
        )
        if options["renditions"]:
            built = failed = 0
            last = None
            while True:
                page = Image.objects.filter(renditions_size=0).order_by("pk")
                if last is not None:
                    page = page.filter(pk__gt=last)
                batch = list(page[: options["batch_size"]])
                if not batch:
                    break
                for row in batch:
                    last = row.pk
                    if renditions.regenerate(row):
                        built += 1
                    else:
                        failed += 1
            self.stdout.write(f"Renditions: {built} images rebuilt, {failed} unreadable.")
