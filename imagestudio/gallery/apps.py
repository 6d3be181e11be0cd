from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GalleryConfig(AppConfig):
    name = "imagestudio.gallery"
    label = "gallery"

    def ready(self) -> None:
        # A later migration that rebuilds `images` on SQLite drops the search triggers: put them back.
        from imagestudio.gallery import search

        post_migrate.connect(search.ensure_index, sender=self)
