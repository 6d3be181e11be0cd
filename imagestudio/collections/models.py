"""Collections (boards): the seed's `collections` and `collection_images` tables, and their share links.

A collection belongs to a workspace like a project does; its members' roles decide who may see, fill and
manage it (`workspaces.access`). A *manual* collection holds images in an order people choose (positions);
a *smart* one holds none: it is a saved gallery filter, evaluated when someone looks at it.

`SharedCollection` lives here rather than in `sharing`: its table refers to `collections`, and keeping the
migration in this app means the sharing app migrates the same with or without collections installed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from imagestudio.sharing.models import ShareLink


class Collection(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="collections")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections", db_column="user_id"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cover_image = models.ForeignKey("gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_public = models.BooleanField(default=False)
    # Smart collections: the gallery's query parameters ({"tags": ["cat"], "favourite": "1", …}); None: manual.
    filter_params = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "collections"
        indexes = [
            models.Index(fields=["workspace", "-updated_at", "-id"], name="collections_ws_updated"),
            models.Index(fields=["workspace", "name", "id"], name="collections_ws_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_smart(self) -> bool:
        return self.filter_params is not None


class CollectionImage(models.Model):
    """An image's place in a manual collection. Positions only order: gaps are fine, ties never happen."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="entries")
    image = models.ForeignKey("gallery.Image", on_delete=models.CASCADE, related_name="collection_entries")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "collection_images"
        constraints = [models.UniqueConstraint(fields=["collection", "image"], name="image_once_per_collection")]
        indexes = [models.Index(fields=["collection", "position", "id"], name="collection_images_order")]

    def __str__(self) -> str:
        return f"{self.image_id} at {self.position} in {self.collection_id}"


class SharedCollection(ShareLink):
    """A read-only link to a collection (the seed's share links, for collections)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="share_links")

    class Meta:
        db_table = "shared_collections"
        indexes = [models.Index(fields=["created_by", "-created_at"], name="shared_collections_owner")]

    def __str__(self) -> str:
        return f"Link to collection {self.collection_id}"

    @property
    def workspace_id(self):
        return self.collection.workspace_id
