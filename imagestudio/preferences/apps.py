from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "imagestudio.preferences"
    label = "preferences"
    default_auto_field = "django.db.models.BigAutoField"
