"""Team workspaces through the API: workspaces, members, invitations and team credits."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.billing import services as billing
from imagestudio.events import activity
from imagestudio.events.api import ActivityPageOut
from imagestudio.workspaces import access, credits, services
from imagestudio.workspaces.models import Invitation, Membership, Role, Workspace

router = Router(tags=["workspaces"])
invitations_router = Router(tags=["workspaces"])
ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 422: dict}


class WorkspaceIn(Schema):
    name: str = Field(min_length=1, max_length=100)


class WorkspaceOut(Schema):
    id: UUID
    name: str
    kind: str
    role: str
    created_at: datetime


class MemberOut(Schema):
    user_id: UUID
    email: str
    name: str
    role: str
    joined_at: datetime


class RoleIn(Schema):
    role: Role


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: Role = Role.EDITOR


class InvitationOut(Schema):
    id: UUID
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    status: str = Field(description="open, accepted, declined, revoked or expired")


def _workspace(request, workspace_id: UUID, action: access.Action) -> Workspace:
    access.require_workspace(request.user, workspace_id, action)
    return Workspace.objects.get(pk=workspace_id)


def _member_out(membership: Membership) -> MemberOut:
    user = membership.user
    return MemberOut(
        user_id=user.pk, email=user.email, name=user.name, role=membership.role, joined_at=membership.created_at
    )


def _status(invitation: Invitation) -> str:
    for field, label in (("accepted_at", "accepted"), ("declined_at", "declined"), ("revoked_at", "revoked")):
        if getattr(invitation, field):
            return label
    return "open" if invitation.is_open else "expired"


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        email=invitation.email,
        role=invitation.role,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        status=_status(invitation),
    )


@router.get("", response=list[WorkspaceOut])
def list_workspaces(request):
    """Your workspaces (personal first) with your role in each."""
    roles = dict(Membership.objects.filter(user=request.user).values_list("workspace_id", "role"))
    return [
        WorkspaceOut(id=w.pk, name=w.name, kind=w.kind, role=roles.get(w.pk, Role.ADMIN), created_at=w.created_at)
        for w in services.workspaces_of(request.user)
    ]


@router.post("", response={201: WorkspaceOut, **ERRORS})
def create_workspace(request, payload: WorkspaceIn):
    """A team workspace with you as its admin."""
    try:
        workspace = services.create_team(request.user, payload.name)
    except ValueError as exc:
        raise services.TeamError("name", str(exc)) from None
    return Status(
        201,
        WorkspaceOut(
            id=workspace.pk, name=workspace.name, kind=workspace.kind, role=Role.ADMIN, created_at=workspace.created_at
        ),
    )


@router.get("/{workspace_id}/members", response={200: list[MemberOut], **ERRORS})
def list_members(request, workspace_id: UUID):
    workspace = _workspace(request, workspace_id, "view")
    rows = Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at")
    return [_member_out(m) for m in rows]


def _member(workspace: Workspace, user_id: UUID):
    user = get_user_model().objects.filter(pk=user_id, memberships__workspace=workspace).first()
    if user is None:
        raise Http404("No such member.")
    return user


@router.put("/{workspace_id}/members/{user_id}", response={200: MemberOut, **ERRORS})
def change_role(request, workspace_id: UUID, user_id: UUID, payload: RoleIn):
    """Change a member's role (admins). A team always keeps one admin."""
    workspace = _workspace(request, workspace_id, "manage")
    return _member_out(services.change_role(workspace, _member(workspace, user_id), payload.role, by=request.user))


@router.delete("/{workspace_id}/members/{user_id}", response={204: None, **ERRORS})
def remove_member(request, workspace_id: UUID, user_id: UUID):
    """Remove a member (admins), or leave (yourself). The last admin can't leave."""
    leaving = user_id == request.user.pk
    workspace = _workspace(request, workspace_id, "view" if leaving else "manage")
    services.remove_member(workspace, _member(workspace, user_id), by=request.user)
    return Status(204, None)


@router.get("/{workspace_id}/invitations", response={200: list[InvitationOut], **ERRORS})
def list_invitations(request, workspace_id: UUID):
    workspace = _workspace(request, workspace_id, "manage")
    return [_invitation_out(i) for i in workspace.invitations.order_by("-created_at")[:200]]


@router.post("/{workspace_id}/invitations", response={201: InvitationOut, **ERRORS})
def create_invitation(request, workspace_id: UUID, payload: InvitationIn):
    """Email an invitation link (admins). It works for 7 days, for that address only."""
    workspace = _workspace(request, workspace_id, "manage")
    invitation, token = services.invite(workspace, by=request.user, email=payload.email, role=payload.role)
    services.send_invitation(invitation, token, base_url=settings.APP_URL)
    return Status(201, _invitation_out(invitation))


@router.delete("/{workspace_id}/invitations/{invitation_id}", response={204: None, **ERRORS})
def revoke_invitation(request, workspace_id: UUID, invitation_id: UUID):
    workspace = _workspace(request, workspace_id, "manage")
    invitation = workspace.invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    services.revoke_invitation(invitation)
    return Status(204, None)


@invitations_router.post("/{token}/accept", response={200: WorkspaceOut, **ERRORS})
def accept_invitation(request, token: str):
    """Join the workspace you were invited to (signed in with the invited address)."""
    invitation = services.find_invitation(token)
    membership = services.accept(invitation, request.user)
    workspace = invitation.workspace
    return WorkspaceOut(
        id=workspace.pk, name=workspace.name, kind=workspace.kind, role=membership.role, created_at=workspace.created_at
    )


@router.get("/{workspace_id}/activity", response={200: ActivityPageOut, **ERRORS})
def workspace_activity(request, workspace_id: UUID, cursor: str | None = None, limit: int = Query(30, ge=1, le=100)):
    """What happened in the workspace, newest first: projects, images, shares, comments, members."""
    _workspace(request, workspace_id, "view")
    return activity.workspace_activity(workspace_id, cursor, limit)


# -- team credits -----------------------------------------------------------------------------------


class MemberUsageOut(Schema):
    user_id: UUID
    email: str
    name: str
    role: str
    credits_spent: int = Field(description="From the team's balance this calendar month; queued jobs count")
    jobs: int = Field(description="Jobs charged to the team this calendar month")
    monthly_credit_limit: int | None = Field(description="Credits the member may spend per month; null: no limit")
    credits_left: int | None = Field(description="What the limit leaves this month; null: no limit")
    allowed_models: list[str] = Field(description="Model slugs the member may use; empty: every model")


class CreditsOut(Schema):
    workspace_id: UUID
    balance: int
    month_start: datetime
    members: list[MemberUsageOut]


class TransferIn(Schema):
    amount: int = Field(ge=1, le=1_000_000_000, description="Credits to move from your own balance to the team")


class TransferOut(Schema):
    balance: int = Field(description="The team's balance after the transfer")
    your_balance: int = Field(description="Your own balance after the transfer")


class LimitsIn(Schema):
    monthly_credit_limit: int | None = Field(default=None, ge=0, le=1_000_000_000, description="null: no limit")
    allowed_models: list[str] = Field(
        default_factory=list, max_length=500, description="Model slugs (GET /api/models); empty: every model"
    )


def _team_workspace(request, workspace_id: UUID) -> Workspace:
    workspace = _workspace(request, workspace_id, "manage")
    if workspace.is_personal:
        raise services.TeamError("workspace_id", "A personal workspace has no team credits: your own balance pays.")
    return workspace


def _usage_out(usage: credits.MemberUsage) -> MemberUsageOut:
    membership = usage.membership
    return MemberUsageOut(
        **_member_out(membership).model_dump(exclude={"joined_at"}),
        credits_spent=usage.spent,
        jobs=usage.jobs,
        monthly_credit_limit=usage.limit,
        credits_left=usage.left,
        allowed_models=membership.allowed_models,
    )


@router.get("/{workspace_id}/credits", response={200: CreditsOut, **ERRORS})
def team_credits(request, workspace_id: UUID):
    """The team's balance and each member's usage this calendar month (admins)."""
    workspace = _team_workspace(request, workspace_id)
    return CreditsOut(
        workspace_id=workspace.pk,
        balance=workspace.credits_balance,
        month_start=billing.month_start(),
        members=[_usage_out(u) for u in credits.member_usage(workspace)],
    )


@router.post("/{workspace_id}/credits/transfer", response={200: TransferOut, 402: dict, **ERRORS})
def transfer_credits(request, workspace_id: UUID, payload: TransferIn):
    """Move credits from your own balance to the team (admins). 402 when you have fewer than `amount`."""
    workspace = _team_workspace(request, workspace_id)
    services.transfer_credits(workspace, by=request.user, amount=payload.amount)
    return TransferOut(balance=workspace.credits_balance, your_balance=request.user.credits_balance)


@router.put("/{workspace_id}/members/{user_id}/limits", response={200: MemberUsageOut, **ERRORS})
def set_member_limits(request, workspace_id: UUID, user_id: UUID, payload: LimitsIn):
    """Set a member's monthly team credit limit and the models they may use on team projects (admins)."""
    workspace = _team_workspace(request, workspace_id)
    membership = services.set_member_limits(
        workspace,
        _member(workspace, user_id),
        by=request.user,
        monthly_credit_limit=payload.monthly_credit_limit,
        allowed_models=payload.allowed_models,
    )
    spent = credits.spent_this_month(membership)
    jobs = workspace.charged_jobs.filter(user_id=user_id, created_at__gte=billing.month_start()).count()
    return _usage_out(credits.MemberUsage(membership, spent, jobs))
