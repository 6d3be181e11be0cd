"""Workspaces own projects (and later collections, prompts, batches); members hold a role in each."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class Role(models.TextChoices):
    VIEWER = "viewer", gettext_lazy("Viewer")
    EDITOR = "editor", gettext_lazy("Editor")
    ADMIN = "admin", gettext_lazy("Admin")


# What each role may do, weakest first: a role may do everything the ones before it may.
RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


class Workspace(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", gettext_lazy("Personal")
        TEAM = "team", gettext_lazy("Team")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEAM)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_workspaces")
    # A team's own credits: jobs in its projects are charged here. Changed only through billing's ledger.
    credits_balance = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "workspaces"
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=models.Q(kind="personal"), name="one_personal_workspace_per_user"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_personal(self) -> bool:
        return self.kind == self.Kind.PERSONAL

    @property
    def display_name(self) -> str:
        """The name to show: a personal workspace's stored name is English, so it shows as "Personal" translated."""
        return str(self.Kind.PERSONAL.label) if self.is_personal else self.name


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    # Set by the team's admins: credits this member may spend from the team per calendar month (None: no
    # limit), and the model slugs (AIModel.name) they may use on team projects (empty: every model).
    monthly_credit_limit = models.PositiveIntegerField(null=True, blank=True)
    allowed_models = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "workspace_members"
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]
        indexes = [models.Index(fields=["user", "workspace"], name="members_user_workspace")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.workspace_id} as {self.role}"

    def may_use(self, model_slug: str) -> bool:
        return not self.allowed_models or model_slug in self.allowed_models


class Invitation(models.Model):
    """An emailed invitation to join a team workspace. Only the token's hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "workspace_invitations"
        indexes = [models.Index(fields=["workspace", "-created_at"], name="invitations_workspace")]

    def __str__(self) -> str:
        return f"{self.email} to {self.workspace_id}"

    @property
    def is_open(self) -> bool:
        ended = self.accepted_at or self.declined_at or self.revoked_at
        return ended is None and self.expires_at > timezone.now()
