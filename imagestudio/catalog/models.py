from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext


class AIModelQuerySet(models.QuerySet["AIModel"]):
    def active(self) -> AIModelQuerySet:
        return self.filter(is_active=True)

    def with_capability(self, capability: str) -> AIModelQuerySet:
        # JSON containment is not portable to SQLite; the catalog is small, so filter by the denormalised column.
        return self.filter(capability_tags__contains=f"|{capability}|")


class AIModel(models.Model):
    """The seed's `models` table: one generation endpoint (fal or the offline engine)."""

    class Provider(models.TextChoices):
        FAL = "fal", "fal.ai"
        OFFLINE = "offline", "Offline engine"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint_id = models.CharField(max_length=200, unique=True)  # the seed's fal_model_id
    provider = models.CharField(max_length=16, choices=Provider.choices)
    name = models.SlugField(max_length=200, unique=True)
    display_name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=40)  # text-to-image, image-to-image, upscale, ...
    family = models.CharField(max_length=40)  # flux, stable-diffusion, offline, ...
    version = models.CharField(max_length=40, blank=True)
    capabilities = models.JSONField(default=list)
    capability_tags = models.CharField(max_length=400, blank=True, editable=False)  # "|a|b|" for filtering
    input_schema = models.JSONField(default=dict)
    default_parameters = models.JSONField(default=dict)
    pricing = models.JSONField(default=dict)  # {amount_usd, unit, unconfirmed}
    cost_per_generation = models.PositiveIntegerField(default=0)  # credits for one ~1 MP image
    speed_class = models.CharField(max_length=16, default="standard")  # fast, standard, slow
    quality_class = models.CharField(max_length=16, default="standard")  # draft, standard, high
    docs_url = models.URLField(blank=True)
    status = models.CharField(max_length=20, default="active")
    is_active = models.BooleanField(default=True)
    is_featured = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AIModelQuerySet.as_manager()

    class Meta:
        db_table = "models"
        ordering = ["sort_order", "display_name"]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.capability_tags = "|" + "|".join(self.capabilities) + "|" if self.capabilities else ""
        super().save(*args, **kwargs)

    @property
    def is_offline(self) -> bool:
        return self.provider == self.Provider.OFFLINE

    @property
    def available(self) -> bool:
        """Usable right now: offline models always, fal models only with a key."""
        if not self.is_active:
            return False
        return self.is_offline or bool(settings.FAL_KEY)

    @property
    def unavailable_reason(self) -> str:
        if not self.is_active:
            return gettext("This model is switched off.")
        if not self.available:
            return gettext("Needs a fal.ai key (FAL_KEY).")
        return ""
