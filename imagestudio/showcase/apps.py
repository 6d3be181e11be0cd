from __future__ import annotations

from django.apps import AppConfig


class ShowcaseConfig(AppConfig):
    """The landing page's sample pictures: curated prompts rendered by the offline engine at seed time."""

    name = "imagestudio.showcase"
    label = "showcase"
    default_auto_field = "django.db.models.BigAutoField"
