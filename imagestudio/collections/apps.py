from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    name = "imagestudio.collections"
    label = "collections"
    verbose_name = "Collections"
