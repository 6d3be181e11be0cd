from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "imagestudio.generation"
    label = "generation"
