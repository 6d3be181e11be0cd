from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.events.activity import describe, workspace_activity
from imagestudio.lib.pagination import BadCursor
from imagestudio.workspaces import services
from imagestudio.workspaces.access import Action, allows, require_workspace
from imagestudio.workspaces.current import switch_workspace
from imagestudio.workspaces.models import Membership, Role, Workspace


@login_required
@require_POST
def switch(request: AuthenticatedRequest) -> HttpResponse:
    """Make another of your workspaces current, then go back (to the projects list by default)."""
    workspace_id = request.POST.get("workspace_id", "")
    require_workspace(request.user, workspace_id)  # 404 unless a member
    switch_workspace(request, Workspace.objects.get(pk=workspace_id))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/projects/"
    return redirect(back)


# -- teams: create, members, invitations ------------------------------------------------------------


def _team(request: AuthenticatedRequest, workspace_id, action: Action) -> tuple[Workspace, str]:
    role = require_workspace(request.user, workspace_id, action)
    return Workspace.objects.get(pk=workspace_id), role


@login_required
def team_new(request: AuthenticatedRequest) -> HttpResponse:
    """Create a team workspace (you become its admin) and switch to it."""
    error = ""
    name = request.POST.get("name", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            workspace = services.create_team(request.user, name)
        except ValueError as exc:
            error = str(exc)
        else:
            switch_workspace(request, workspace)
            messages.success(request, f"Created “{workspace.name}”. Invite your team below.")
            return redirect("team_members", workspace_id=workspace.pk)
    return render(request, "workspaces/team_new.html", {"error": error, "name": name}, status=422 if error else 200)


@login_required
def team_members(request: AuthenticatedRequest, workspace_id) -> HttpResponse:
    workspace, role = _team(request, workspace_id, "view")
    members = Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at")
    is_admin = allows(role, "manage")
    context = {
        "workspace": workspace,
        "role": role,
        "is_admin": is_admin,
        "members": members,
        "roles": Role.choices,
        "invitations": workspace.invitations.filter(accepted_at=None, declined_at=None, revoked_at=None).order_by(
            "-created_at"
        )
        if is_admin
        else [],
        "invite_error": request.session.pop("invite_error", ""),
    }
    return render(request, "workspaces/team_members.html", context)


@login_required
@require_POST
def team_invite(request: AuthenticatedRequest, workspace_id) -> HttpResponse:
    workspace, _ = _team(request, workspace_id, "manage")
    email = request.POST.get("email", "")
    try:
        invitation, token = services.invite(
            workspace, by=request.user, email=email, role=_role(request.POST.get("role", Role.EDITOR))
        )
    except services.TeamError as exc:
        request.session["invite_error"] = exc.message
    else:
        services.send_invitation(invitation, token, base_url=request.build_absolute_uri("/"))
        messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("team_members", workspace_id=workspace.pk)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Http404("No such role.") from None


@login_required
@require_POST
def team_revoke_invitation(request: AuthenticatedRequest, workspace_id, invitation_id) -> HttpResponse:
    workspace, _ = _team(request, workspace_id, "manage")
    invitation = workspace.invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    services.revoke_invitation(invitation)
    messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("team_members", workspace_id=workspace.pk)


@login_required
@require_POST
def team_member_role(request: AuthenticatedRequest, workspace_id, user_id) -> HttpResponse:
    workspace, _ = _team(request, workspace_id, "manage")
    membership = Membership.objects.filter(workspace=workspace, user_id=user_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    try:
        services.change_role(workspace, membership.user, _role(request.POST.get("role", "")))
    except services.TeamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.display_name} is now {request.POST.get('role')}.")
    return redirect("team_members", workspace_id=workspace.pk)


@login_required
@require_POST
def team_member_remove(request: AuthenticatedRequest, workspace_id, user_id) -> HttpResponse:
    leaving = str(user_id) == str(request.user.pk)
    workspace, _ = _team(request, workspace_id, "view" if leaving else "manage")
    membership = Membership.objects.filter(workspace=workspace, user_id=user_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    try:
        services.remove_member(workspace, membership.user)
    except services.TeamError as exc:
        messages.error(request, exc.message)
        return redirect("team_members", workspace_id=workspace.pk)
    if leaving:
        messages.success(request, f"You left “{workspace.name}”.")
        return redirect("project_list")
    messages.success(request, f"Removed {membership.user.display_name} from the team.")
    return redirect("team_members", workspace_id=workspace.pk)


@login_required
def invitation(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The page an invitation email links to: accept or decline."""
    found = services.find_invitation(token)
    error = ""
    if request.method == "POST":
        if request.POST.get("answer") == "decline":
            services.decline(found)
            messages.success(request, f"You declined the invitation to “{found.workspace.name}”.")
            return redirect("dashboard")
        try:
            services.accept(found, request.user)
        except services.TeamError as exc:
            error = exc.message
        else:
            switch_workspace(request, found.workspace)
            messages.success(request, f"Welcome to “{found.workspace.name}”.")
            return redirect("project_list")
    context = {"invitation": found, "error": error}
    return render(request, "workspaces/invitation.html", context, status=422 if error else 200)


@login_required
def team_activity(request: AuthenticatedRequest, workspace_id) -> HttpResponse:
    """What happened in a workspace: projects, images, shares, comments and members, newest first."""
    workspace, _ = _team(request, workspace_id, "view")
    try:
        page = workspace_activity(workspace.pk, request.GET.get("cursor"), 50)
    except BadCursor:
        page = workspace_activity(workspace.pk, None, 50)
    feed = [{"event": event, "text": describe(event)} for event in page.items]
    return render(request, "workspaces/activity.html", {"workspace": workspace, "feed": feed, "page": page})
