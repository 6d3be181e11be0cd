"""The seed's `user_settings` table: one row per user, created on first read."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSettings(models.Model):
    class Theme(models.TextChoices):
        AUTO = "auto", _("Auto (follow the system)")
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")
        CUSTOM = "custom", _("Custom accent")

    class GalleryView(models.TextChoices):
        GRID = "grid", _("Grid")
        MASONRY = "masonry", _("Masonry")
        LIST = "list", _("List")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_settings")
    # The catalog's model id (e.g. "fal-ai/flux/schnell"); not a foreign key so a retired model leaves
    # the setting readable (the generate page falls back to the first available model).
    default_model_id = models.CharField(max_length=200, blank=True)
    default_parameters = models.JSONField(default=dict, blank=True)
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.AUTO)
    gallery_view_mode = models.CharField(max_length=10, choices=GalleryView.choices, default=GalleryView.GRID)
    notifications_enabled = models.BooleanField(default=True)
    # Everything else (accent colour, language, timezone, shortcuts, privacy, retention, notification
    # types, auto-save): validated by imagestudio.preferences.services before it is stored.
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user_settings"
        verbose_name = _("user settings")
        verbose_name_plural = _("user settings")

    def __str__(self) -> str:
        return f"settings of {self.user_id}"
