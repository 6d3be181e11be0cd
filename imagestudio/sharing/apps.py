from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "imagestudio.sharing"
    label = "sharing"
