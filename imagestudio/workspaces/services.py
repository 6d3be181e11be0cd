"""Workspaces: personal ones (created on first need), teams, their members, invitations and credits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.billing import services as billing
from imagestudio.catalog.models import AIModel
from imagestudio.demo.access import refuse
from imagestudio.events.services import record
from imagestudio.lib import locks
from imagestudio.workspaces.models import Invitation, Membership, Role, Workspace


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
    """Every workspace the user belongs to, personal first, then by name (one query once it exists)."""
    rows = list(Workspace.objects.filter(memberships__user=user.pk))
    if not any(w.is_personal for w in rows):
        rows.append(personal_workspace(user))
    return sorted(rows, key=lambda w: (not w.is_personal, w.name.lower()))


def create_team(owner, name: str) -> Workspace:
    """A team workspace with `owner` as its first admin."""
    text = " ".join(str(name or "").split())[:100]
    if not text:
        raise ValueError(gettext("Give the team a name."))
    with transaction.atomic():
        workspace = Workspace.objects.create(owner=owner, kind=Workspace.Kind.TEAM, name=text)
        Membership.objects.create(workspace=workspace, user=owner, role=Role.ADMIN)
    return workspace


def set_member(workspace: Workspace, user, role: Role) -> Membership:
    """Add `user` to a team workspace with `role`, or change their role (invitations build on this)."""
    if workspace.is_personal:
        raise ValueError(gettext("A personal workspace has one member: its owner."))
    membership, _ = Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
    return membership


# -- members and invitations ------------------------------------------------------------------------

INVITATION_DAYS = 7


class TeamError(ValueError):
    """A team change that is not allowed, naming the field at fault (422 in the API)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(workspace: Workspace, *, by, email: str, role: Role) -> tuple[Invitation, str]:
    """Invite `email` to a team workspace; returns the invitation and its secret token (shown once, emailed)."""
    refuse(by, "invite")
    if workspace.is_personal:
        raise TeamError("workspace_id", gettext("Invite people to a team workspace, not your personal one."))
    try:
        validate_email(email)
    except ValidationError:
        raise TeamError("email", gettext("Enter a valid email address.")) from None
    email = email.strip().lower()
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise TeamError("email", gettext("That person is already a member."))
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=by,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        record(
            actor=by,
            verb="member.invited",
            target=workspace,
            workspace_id=workspace.pk,
            data={"email": email, "role": role, "workspace": workspace.name},
            notify=[(person, "invited") for person in _accounts_of(email)],  # the email itself goes out anyway
        )
    return invitation, token


def _accounts_of(email: str) -> list:
    """The active account(s) owning `email` (primary or a verified extra address), told in the app too."""
    users = get_user_model().objects.filter(is_active=True)
    return list(
        users.filter(
            Q(email__iexact=email) | Q(emailaddress__email__iexact=email, emailaddress__verified=True)
        ).distinct()
    )


def find_invitation(token: str) -> Invitation:
    """The open invitation behind `token`; 404 when it is unknown, used, revoked or expired."""
    invitation = Invitation.objects.select_related("workspace").filter(token_hash=_token_hash(str(token))).first()
    if invitation is None or not invitation.is_open:
        raise Http404(gettext("This invitation is not valid any more: it was used, revoked or has expired."))
    return invitation


def send_invitation(invitation: Invitation, token: str, *, base_url: str) -> None:
    """Email the invitation link (the only place the token is ever shown)."""
    link = f"{base_url.rstrip('/')}/invitations/{token}/"
    inviter = invitation.invited_by.display_name
    send_mail(
        subject=f"{inviter} invited you to {invitation.workspace.name} on AI Image Studio",
        message=(
            f"{inviter} invited you to join the team workspace “{invitation.workspace.name}” as "
            f"{invitation.get_role_display().lower()}.\n\nAccept or decline: {link}\n\n"
            f"The link works for {INVITATION_DAYS} days and only for {invitation.email}."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def _check_addressee(invitation: Invitation, user, answer: str) -> None:
    """An invitation was sent to an address: only the owner of that address may answer it."""
    addresses = {user.email.lower(), *(a.lower() for a in user.emailaddress_set.values_list("email", flat=True))}
    if invitation.email.lower() not in addresses:
        if answer == "accept":
            message = gettext("This invitation is for %(email)s. Sign in with that address to accept it.")
        else:
            message = gettext("This invitation is for %(email)s. Sign in with that address to decline it.")
        raise TeamError("email", message % {"email": invitation.email})


def accept(invitation: Invitation, user) -> Membership:
    """Join the workspace (only as the invitation's addressee)."""
    _check_addressee(invitation, user, "accept")
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        record(
            actor=user,
            verb="member.joined",
            target=invitation.workspace,
            workspace_id=invitation.workspace_id,
            data={"role": membership.role},
            notify=[(invitation.invited_by, "joined")],
        )
    return membership


def decline(invitation: Invitation, user) -> None:
    """Say no (only as the invitation's addressee: anyone else holding the link must not kill it)."""
    _check_addressee(invitation, user, "decline")
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def _admins_left(workspace: Workspace, without) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.ADMIN).exclude(user=without).count()


def _member_data(membership: Membership) -> dict:
    return {"user_id": str(membership.user_id), "name": membership.user.display_name}


def change_role(workspace: Workspace, member, role: Role, *, by) -> Membership:
    with transaction.atomic():
        locks.hold("team", workspace.pk)  # two admins demoting each other at once must leave one
        membership = Membership.objects.select_related("user").get(workspace=workspace, user=member)
        if membership.role == Role.ADMIN and role != Role.ADMIN and _admins_left(workspace, member) == 0:
            raise TeamError("role", gettext("A team needs at least one admin: make someone else admin first."))
        previous, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        if previous != role:
            record(
                actor=by,
                verb="member.role_changed",
                target=workspace,
                workspace_id=workspace.pk,
                data={**_member_data(membership), "role": role, "from": previous},
            )
    return membership


def remove_member(workspace: Workspace, member, *, by) -> None:
    """Take someone out of a team (or let them leave, `by` themselves). The last admin cannot go."""
    if workspace.is_personal:
        raise TeamError("user_id", gettext("Nobody can leave their personal workspace."))
    with transaction.atomic():
        locks.hold("team", workspace.pk)
        membership = Membership.objects.select_related("user").get(workspace=workspace, user=member)
        if membership.role == Role.ADMIN and _admins_left(workspace, member) == 0:
            raise TeamError("user_id", gettext("The last admin can't leave: make someone else admin first."))
        membership.delete()
        record(
            actor=by,
            verb="member.removed",
            target=workspace,
            workspace_id=workspace.pk,
            data={**_member_data(membership), "left": member.pk == by.pk},
        )


# -- team credits -----------------------------------------------------------------------------------


def transfer_credits(workspace: Workspace, *, by, amount: int) -> None:
    """Move `amount` of an admin's own credits to the team (two ledger rows, one event, one transaction).

    Raises TeamError for a personal workspace or a bad amount, billing.InsufficientCredits when the admin
    has less. That `by` is an admin of the team is the caller's check (workspaces.access).
    """
    if workspace.is_personal:
        raise TeamError("workspace_id", gettext("Transfer credits to a team workspace, not your personal one."))
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise TeamError("amount", gettext("Transfer a whole number of credits, at least 1."))
    with transaction.atomic():
        billing.transfer_to_team(user=by, workspace=workspace, amount=amount)
        record(
            actor=by,
            verb="credits.transferred",
            target=workspace,
            workspace_id=workspace.pk,
            data={"amount": amount},
        )
    workspace.refresh_from_db(fields=["credits_balance"])
    by.refresh_from_db(fields=["credits_balance"])


def set_member_limits(
    workspace: Workspace, member, *, by, monthly_credit_limit: int | None, allowed_models: list[str]
) -> Membership:
    """Set what a member may spend from the team per calendar month (None: no limit) and which models
    (AIModel slugs; empty: all) they may use on its projects. Raises TeamError naming the field."""
    if workspace.is_personal:
        raise TeamError("workspace_id", gettext("Limits apply to team workspaces."))
    if monthly_credit_limit is not None and (isinstance(monthly_credit_limit, bool) or monthly_credit_limit < 0):
        raise TeamError("monthly_credit_limit", gettext("The monthly limit is a whole number of credits, 0 or more."))
    wanted = list(dict.fromkeys(str(slug) for slug in allowed_models))
    known = set(AIModel.objects.filter(name__in=wanted).values_list("name", flat=True))
    unknown = [slug for slug in wanted if slug not in known]
    if unknown:
        raise TeamError("allowed_models", f"No model {unknown[0]!r}. GET /api/models lists them.")
    with transaction.atomic():
        membership = Membership.objects.select_related("user").get(workspace=workspace, user=member)
        membership.monthly_credit_limit = monthly_credit_limit
        membership.allowed_models = wanted
        membership.save(update_fields=["monthly_credit_limit", "allowed_models"])
        record(
            actor=by,
            verb="member.limits_changed",
            target=workspace,
            workspace_id=workspace.pk,
            data={**_member_data(membership), "monthly_credit_limit": monthly_credit_limit, "allowed_models": wanted},
        )
    return membership
