from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "imagestudio.prompts"
    label = "prompts"
    verbose_name = "Prompts"
