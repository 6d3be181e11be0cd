"""Domain events: what happened, recorded once by the service that did it. Notifications (and later the
activity feed, audit log, alerts and outbound webhooks) read this one stream."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Event(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    verb = models.CharField(max_length=60)  # e.g. "comment.added"
    target_type = models.CharField(max_length=40)  # e.g. "image"
    target_id = models.CharField(max_length=64)
    workspace = models.ForeignKey("workspaces.Workspace", null=True, on_delete=models.CASCADE, related_name="+")
    project_id = models.UUIDField(null=True, blank=True)  # no FK: a project's history outlives nothing it names
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "events"
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="events_workspace"),
            models.Index(fields=["project_id", "-created_at"], name="events_project"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type}:{self.target_id}"


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(max_length=20)  # "mention", "owner", ...
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "notifications"
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="one_notification_per_event")]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notifications_user"),
            # The bell asks on every page for the unread count: only unread rows are in this index.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notifications_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.event}"


class EmailDelivery(models.Model):
    """A notification email owed to someone: written with the event (an outbox), sent by the worker after the
    commit, and marked sent by a compare-and-set so a task run twice sends it once. Separate from Notification
    because someone may want a type by email but not in the app."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="email_deliveries")
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=20)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "notification_emails"
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="one_email_per_event")]

    def __str__(self) -> str:
        return f"email to {self.user_id}: {self.event}"
