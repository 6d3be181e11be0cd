from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GalleryConfig(AppConfig):
    name = "imagestudio.gallery"
    label = "gallery"

    def ready(self) -> None:
        # A later migration that rebuilds `images` on SQLite drops its triggers: put them back.
        from imagestudio.gallery import search, storage_usage

        post_migrate.connect(search.ensure_index, sender=self)
        post_migrate.connect(storage_usage.ensure_triggers, sender=self)
