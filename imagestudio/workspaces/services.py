"""Creating workspaces. Everyone has a personal one (created on first need); teams come later."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from imagestudio.workspaces.models import Membership, Role, Workspace


def personal_workspace(user) -> Workspace:
    """The user's personal workspace, created (with them as its admin) the first time it is needed."""
    existing = Workspace.objects.filter(owner=user, kind=Workspace.Kind.PERSONAL).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(owner=user, kind=Workspace.Kind.PERSONAL, name="Personal")
            Membership.objects.create(workspace=workspace, user=user, role=Role.ADMIN)
            return workspace
    except IntegrityError:  # created by a concurrent request a moment ago
        return Workspace.objects.get(owner=user, kind=Workspace.Kind.PERSONAL)


def workspaces_of(user) -> list[Workspace]:
    """Every workspace the user belongs to, personal first, then by name."""
    personal_workspace(user)
    rows = Workspace.objects.filter(memberships__user=user).order_by("name")
    return sorted(rows, key=lambda w: (not w.is_personal, w.name.lower()))


def create_team(owner, name: str) -> Workspace:
    """A team workspace with `owner` as its first admin."""
    text = " ".join(str(name or "").split())[:100]
    if not text:
        raise ValueError("Give the team a name.")
    with transaction.atomic():
        workspace = Workspace.objects.create(owner=owner, kind=Workspace.Kind.TEAM, name=text)
        Membership.objects.create(workspace=workspace, user=owner, role=Role.ADMIN)
    return workspace


def set_member(workspace: Workspace, user, role: Role) -> Membership:
    """Add `user` to a team workspace with `role`, or change their role (invitations build on this)."""
    if workspace.is_personal:
        raise ValueError("A personal workspace has one member: its owner.")
    membership, _ = Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
    return membership
