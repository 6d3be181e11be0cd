"""Read-only share links: the seed's `shared_projects` and `shared_images` tables (collections later)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ShareLink(models.Model):
    """What every share link has: an unguessable token, optional expiry and password, a view count."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    share_token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    password_hash = models.CharField(max_length=200, blank=True)
    allow_download = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class SharedProject(ShareLink):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="share_links")

    class Meta:
        db_table = "shared_projects"
        indexes = [models.Index(fields=["created_by", "-created_at"], name="shared_projects_owner")]

    def __str__(self) -> str:
        return f"Link to project {self.project_id}"


class SharedImage(ShareLink):
    image = models.ForeignKey("gallery.Image", on_delete=models.CASCADE, related_name="share_links")

    class Meta:
        db_table = "shared_images"
        indexes = [models.Index(fields=["created_by", "-created_at"], name="shared_images_owner")]

    def __str__(self) -> str:
        return f"Link to image {self.image_id}"
