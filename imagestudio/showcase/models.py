from __future__ import annotations

from django.db import models
from django.urls import reverse


class ShowcaseImage(models.Model):
    """One rendered entry of the curated showcase (showcase.curated): its recipe and its files in storage.

    Files live under `showcase/` in the default storage (local disk or S3 alike): the PNG original (copied
    into demo accounts) and WebP renditions by width. Their names carry the recipe hash, so the bytes behind
    a name never change and browsers may cache them for a year.
    """

    key = models.SlugField(max_length=60, unique=True)
    group = models.CharField(max_length=16)  # hero | gallery
    sort_order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=120)
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True)
    style = models.CharField(max_length=40, blank=True)
    model_endpoint = models.CharField(max_length=200)
    model = models.ForeignKey("catalog.AIModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seed = models.BigIntegerField()
    parameters = models.JSONField(default=dict)  # what the job would carry: steps, guidance, style
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    recipe_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=16, default="offline")
    original = models.CharField(max_length=300)  # storage name of the PNG
    variants = models.JSONField(default=dict)  # {"256": "showcase/…-256.webp", …}
    placeholder = models.TextField(blank=True)  # tiny blur-up data: URI
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "showcase_images"
        ordering = ["sort_order", "key"]

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def url_for(name: str) -> str:
        return reverse("showcase_file", kwargs={"name": name.rsplit("/", 1)[-1]})

    def _widths(self) -> list[int]:
        return sorted(int(width) for width in self.variants)

    @property
    def src(self) -> str:
        """The largest rendition (browsers without srcset support, and the Open Graph-style fallbacks)."""
        return self.url_for(self.variants[str(self._widths()[-1])])

    @property
    def srcset(self) -> str:
        return ", ".join(f"{self.url_for(self.variants[str(w)])} {w}w" for w in self._widths())

    @property
    def alt_text(self) -> str:
        return self.prompt
