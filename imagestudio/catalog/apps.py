from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "imagestudio.catalog"
    label = "catalog"
