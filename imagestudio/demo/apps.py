from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Try demo: throwaway accounts with sample content, restricted to free models, purged after a few hours."""

    name = "imagestudio.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
