"""Share links: the seed's `shared_projects` and `shared_images` tables (collections later), and the
verdicts that client reviewers leave through a project review link."""

from __future__ import annotations

import uuid

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


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
    def workspace_id(self):
        """The workspace whose admins manage the link (None for an image outside any project)."""
        raise NotImplementedError

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class SharedProject(ShareLink):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="share_links")
    # A review link also lets its viewers approve, reject and comment on each image (ReviewVerdict).
    allow_review = models.BooleanField(default=False)

    class Meta:
        db_table = "shared_projects"
        indexes = [models.Index(fields=["created_by", "-created_at"], name="shared_projects_owner")]

    def __str__(self) -> str:
        return f"Link to project {self.project_id}"

    @property
    def workspace_id(self):
        return self.project.workspace_id


class SharedImage(ShareLink):
    image = models.ForeignKey("gallery.Image", on_delete=models.CASCADE, related_name="share_links")

    class Meta:
        db_table = "shared_images"
        indexes = [models.Index(fields=["created_by", "-created_at"], name="shared_images_owner")]

    def __str__(self) -> str:
        return f"Link to image {self.image_id}"

    @property
    def workspace_id(self):
        return self.image.project.workspace_id if self.image.project else None


class Verdict(models.TextChoices):
    APPROVE = "approve", gettext_lazy("Approved")
    REJECT = "reject", gettext_lazy("Rejected")


class ReviewVerdict(models.Model):
    """One reviewer's say on one image of a review link: a verdict, a comment, or both.

    Reviewers have no account: `reviewer_key` is a random id kept in their session (or returned to API
    callers), so a reviewer who changes their mind updates their row instead of adding one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link = models.ForeignKey(SharedProject, on_delete=models.CASCADE, related_name="verdicts")
    image = models.ForeignKey("gallery.Image", on_delete=models.CASCADE, related_name="review_verdicts")
    reviewer_key = models.CharField(max_length=64)
    reviewer_name = models.CharField(max_length=80)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True)  # "": only a comment
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "review_verdicts"
        constraints = [
            models.UniqueConstraint(fields=["link", "image", "reviewer_key"], name="one_verdict_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_name}: {self.verdict or 'comment'} on image {self.image_id}"


def link_by_token(token: str) -> ShareLink | None:
    """The project, image or collection link behind `token`, live or not: the one lookup by token.

    Collection links live in the collections app (whose models build on ShareLink), so that model is
    taken from the app registry rather than imported.
    """
    token = str(token)[:64]
    collection_links = apps.get_model("collections", "SharedCollection")
    return (
        SharedProject.objects.select_related("project").filter(share_token=token).first()
        or SharedImage.objects.select_related("image__model", "image__project").filter(share_token=token).first()
        or collection_links.objects.select_related("collection").filter(share_token=token).first()
    )
