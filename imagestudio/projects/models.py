from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Project(models.Model):
    """The seed's `projects` table. A project belongs to a workspace (whose members' roles decide who may
    do what, see `workspaces.access`); `user` is who created it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="projects")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    notes = models.TextField(blank=True)  # Markdown, rendered safely on the project page
    category = models.CharField(max_length=50, blank=True)
    is_template = models.BooleanField(default=False)  # "save as template": offered when creating a project
    cover_image = models.ForeignKey("gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    settings = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_archived = models.BooleanField(default=False)
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "projects"
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["workspace", "is_archived", "-updated_at", "-id"], name="projects_ws_updated"),
            models.Index(fields=["workspace", "is_archived", "name", "id"], name="projects_ws_name"),
        ]

    def __str__(self) -> str:
        return self.name
