from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "imagestudio.gallery"
    label = "gallery"
