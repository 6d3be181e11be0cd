from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "imagestudio.web"
    label = "web"
