from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ImageQuerySet(models.QuerySet["Image"]):
    def alive(self) -> ImageQuerySet:
        return self.filter(deleted_at__isnull=True)

    def owned_by(self, user) -> ImageQuerySet:
        return self.filter(user=user)


class Image(models.Model):
    """The seed's `images` table. Files are private: served only through views that check access."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images")
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="images"
    )
    job = models.ForeignKey(
        "generation.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="images"
    )
    output_index = models.PositiveSmallIntegerField(default=0)  # position within its job's outputs
    file = models.FileField(upload_to="originals/%Y/%m/", max_length=300)
    thumbnail = models.FileField(upload_to="thumbs/%Y/%m/", max_length=300, blank=True)
    placeholder = models.TextField(blank=True)  # tiny data: URI for blur-up while the thumbnail loads
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file_size = models.PositiveIntegerField(default=0)
    format = models.CharField(max_length=10)  # png, jpeg, webp
    prompt = models.TextField(blank=True)
    negative_prompt = models.TextField(blank=True)
    model = models.ForeignKey(
        "catalog.AIModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="images"
    )
    model_version = models.CharField(max_length=40, blank=True)
    parameters = models.JSONField(default=dict)
    seed = models.BigIntegerField(null=True, blank=True)
    generation_time = models.FloatField(null=True, blank=True)  # seconds
    cost_credits = models.PositiveIntegerField(default=0)
    parent_image = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    # How it was made: its job's action (generate, variation, upscale, …), or "import" for a file made elsewhere.
    operation = models.CharField(max_length=30, default="generate")
    is_favorite = models.BooleanField(default=False)
    is_public = models.BooleanField(default=False)  # shown in the public gallery (opt-in)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)  # display copy; ImageTag rows are what filters use
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # 64-bit perceptual hash (imagehash.phash, 16 hex digits): near-duplicates differ in few bits.
    phash = models.CharField(max_length=16, blank=True)
    # The first image of its lineage (itself for an original): all images with one root are versions.
    lineage_root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="lineage_versions"
    )
    renditions_size = models.PositiveIntegerField(default=0)  # bytes of thumbnails and other renditions
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        db_table = "images"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="images_user_created"),
            models.Index(fields=["project"]),
            # With the id too, so a filtered page is read in its order from the index, no sort step.
            models.Index(fields=["user", "is_favorite", "-created_at", "-id"], name="images_user_fav"),
            models.Index(fields=["user", "model", "-created_at", "-id"], name="images_user_model"),
            models.Index(fields=["user", "phash"], name="images_user_phash"),
            # Small, partial indexes for counts at 100,000 images: "live in this project" is read from the index
            # alone; "the user's live images" is all of theirs (any user index) less the few in the trash.
            # (A full (user, deleted_at) index would tempt the planner away from the time-ordered ones.)
            # (Only rows in a project: the planner then sees it as small and prefers it to images_project_user.)
            models.Index(
                fields=["project"],
                condition=models.Q(deleted_at__isnull=True, project__isnull=False),
                name="images_project_alive",
            ),
            models.Index(
                fields=["user", "-deleted_at"], condition=models.Q(deleted_at__isnull=False), name="images_user_trashed"
            ),
            # The trash's other part: trashed images in the projects of a user's workspaces (gallery/trash.py).
            models.Index(
                fields=["project", "-deleted_at"],
                condition=models.Q(deleted_at__isnull=False, project__isnull=False),
                name="images_project_trashed",
            ),
            models.Index(
                fields=["-created_at", "-id"], condition=models.Q(is_public=True), name="images_public_newest"
            ),
        ]
        constraints = [
            # Finalising a job twice must never produce two images for the same output.
            models.UniqueConstraint(fields=["job", "output_index"], name="one_image_per_job_output"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prompt[:40]} ({self.width}×{self.height})"

    @property
    def alt_text(self) -> str:
        return self.prompt[:200] or "Generated image"

    @property
    def megapixels(self) -> float:
        return round(self.width * self.height / 1_000_000, 2)


class ImageTag(models.Model):
    """One tag on one image, kept beside `Image.tags` so filtering by tag uses an index at any size."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="tag_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")  # image's owner
    name = models.CharField(max_length=50)  # lower-cased, trimmed

    class Meta:
        db_table = "image_tags"
        constraints = [models.UniqueConstraint(fields=["image", "name"], name="one_tag_per_image")]
        indexes = [models.Index(fields=["user", "name"], name="image_tags_user_name")]

    def __str__(self) -> str:
        return self.name


class StorageTotal(models.Model):
    """Running totals of one user's images by format, project and trash state, kept by database triggers on
    `images` (gallery/storage_usage.py), so the storage panel reads a few rows instead of summing 100,000.

    Plain columns, no foreign keys: the triggers write here while a user's or project's rows are being
    deleted. `project_key` is the project id as text ('' outside projects) so the key is never NULL."""

    user_id = models.UUIDField()
    format = models.CharField(max_length=10)
    project_key = models.CharField(max_length=36, blank=True)
    trashed = models.BooleanField()
    images = models.BigIntegerField()
    originals = models.BigIntegerField()
    renditions = models.BigIntegerField()

    class Meta:
        db_table = "image_storage_totals"
        constraints = [
            models.UniqueConstraint(fields=["user_id", "format", "project_key", "trashed"], name="storage_totals_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.format} {self.project_key or '-'} {'trash' if self.trashed else 'live'}"


class ImageComment(models.Model):
    """The seed's `image_comments`: team members discuss an image; @mentions notify."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="image_comments")
    comment_text = models.TextField()
    mentions = models.JSONField(default=list, blank=True)  # ids of the users it mentioned
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "image_comments"
        indexes = [models.Index(fields=["image", "created_at"], name="comments_image")]

    def __str__(self) -> str:
        return self.comment_text[:40]
