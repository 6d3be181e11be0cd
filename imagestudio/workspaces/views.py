from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.billing import services as billing
from imagestudio.catalog.models import AIModel
from imagestudio.events.activity import feed_items, workspace_activity
from imagestudio.lib.pagination import BadCursor, paginate_newest_first
from imagestudio.workspaces import credits, services
from imagestudio.workspaces.access import Action, allows, require_workspace
from imagestudio.workspaces.current import switch_workspace
from imagestudio.workspaces.forms import LimitsForm, TransferForm
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
            messages.success(request, gettext("Created “%(name)s”. Invite your team below.") % {"name": workspace.name})
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
        messages.success(request, gettext("Invitation sent to %(email)s.") % {"email": invitation.email})
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
    messages.success(request, gettext("Invitation to %(email)s revoked.") % {"email": invitation.email})
    return redirect("team_members", workspace_id=workspace.pk)


def _member(workspace: Workspace, user_id) -> Membership:
    membership = Membership.objects.filter(workspace=workspace, user_id=user_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    return membership


@login_required
@require_POST
def team_member_role(request: AuthenticatedRequest, workspace_id, user_id) -> HttpResponse:
    workspace, _ = _team(request, workspace_id, "manage")
    membership = _member(workspace, user_id)
    role = _role(request.POST.get("role", ""))
    try:
        services.change_role(workspace, membership.user, role, by=request.user)
    except services.TeamError as exc:
        messages.error(request, exc.message)
    else:
        message = gettext("%(name)s is now %(role)s.") % {
            "name": membership.user.display_name,
            "role": str(role.label).lower(),
        }
        messages.success(request, message)
    return redirect("team_members", workspace_id=workspace.pk)


@login_required
@require_POST
def team_member_remove(request: AuthenticatedRequest, workspace_id, user_id) -> HttpResponse:
    leaving = str(user_id) == str(request.user.pk)
    workspace, _ = _team(request, workspace_id, "view" if leaving else "manage")
    membership = _member(workspace, user_id)
    try:
        services.remove_member(workspace, membership.user, by=request.user)
    except services.TeamError as exc:
        messages.error(request, exc.message)
        return redirect("team_members", workspace_id=workspace.pk)
    if leaving:
        messages.success(request, gettext("You left “%(name)s”.") % {"name": workspace.name})
        return redirect("project_list")
    messages.success(request, gettext("Removed %(name)s from the team.") % {"name": membership.user.display_name})
    return redirect("team_members", workspace_id=workspace.pk)


@login_required
def invitation(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The page an invitation email links to: accept or decline."""
    found = services.find_invitation(token)
    error = ""
    if request.method == "POST":
        declining = request.POST.get("answer") == "decline"
        try:
            if declining:
                services.decline(found, request.user)
            else:
                services.accept(found, request.user)
        except services.TeamError as exc:
            error = exc.message
        else:
            if declining:
                messages.success(
                    request, gettext("You declined the invitation to “%(name)s”.") % {"name": found.workspace.name}
                )
                return redirect("dashboard")
            switch_workspace(request, found.workspace)
            messages.success(request, gettext("Welcome to “%(name)s”.") % {"name": found.workspace.name})
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
    feed = feed_items(page.items)
    return render(request, "workspaces/activity.html", {"workspace": workspace, "feed": feed, "page": page})


# -- team credits -----------------------------------------------------------------------------------


def _team_with_credits(request: AuthenticatedRequest, workspace_id, action: Action) -> tuple[Workspace, str]:
    workspace, role = _team(request, workspace_id, action)
    if workspace.is_personal:
        raise Http404(gettext("A personal workspace has no team credits: your own balance pays."))
    return workspace, role


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@login_required
def team_credits(request: AuthenticatedRequest, workspace_id) -> HttpResponse:
    """The team's balance and usage this month; admins also fund it, set limits and read the ledger."""
    workspace, role = _team_with_credits(request, workspace_id, "view")
    is_admin = allows(role, "manage")
    usage = credits.member_usage(workspace)
    mine = next((u for u in usage if u.membership.user_id == request.user.pk), None)
    context = {
        "workspace": workspace,
        "is_admin": is_admin,
        "mine": mine,
        "usage": usage if is_admin else [mine],  # others' usage is for admins
        "team_spent": sum(u.spent for u in usage),
        "month_start": billing.month_start(),
        "transfer_error": request.session.pop("transfer_error", ""),
    }
    if is_admin:
        entries = workspace.credit_entries.select_related("user")
        try:
            context["ledger"] = paginate_newest_first(entries, request.GET.get("cursor"), 50)
        except BadCursor:
            context["ledger"] = paginate_newest_first(entries, None, 50)
        context["models"] = list(AIModel.objects.active().values_list("name", "display_name"))
    else:
        context["model_names"] = dict(AIModel.objects.values_list("name", "display_name"))
    return render(request, "workspaces/team_credits.html", context)


@login_required
@require_POST
def team_credits_transfer(request: AuthenticatedRequest, workspace_id) -> HttpResponse:
    workspace, _ = _team_with_credits(request, workspace_id, "manage")
    form = TransferForm(request.POST)
    if not form.is_valid():
        request.session["transfer_error"] = _first_error(form)
        return redirect("team_credits", workspace_id=workspace.pk)
    amount = form.cleaned_data["amount"]
    try:
        services.transfer_credits(workspace, by=request.user, amount=amount)
    except billing.InsufficientCredits as exc:
        request.session["transfer_error"] = str(exc)
    except services.TeamError as exc:
        request.session["transfer_error"] = exc.message
    else:
        messages.success(
            request, gettext("Moved %(amount)s credits to “%(name)s”.") % {"amount": amount, "name": workspace.name}
        )
    return redirect("team_credits", workspace_id=workspace.pk)


@login_required
@require_POST
def team_member_limits(request: AuthenticatedRequest, workspace_id, user_id) -> HttpResponse:
    workspace, _ = _team_with_credits(request, workspace_id, "manage")
    membership = _member(workspace, user_id)
    form = LimitsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            services.set_member_limits(
                workspace,
                membership.user,
                by=request.user,
                monthly_credit_limit=form.cleaned_data["monthly_credit_limit"],
                allowed_models=form.cleaned_data["allowed_models"],
            )
        except services.TeamError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("Saved the limits of %(name)s.") % {"name": membership.user.display_name})
    return redirect(reverse("team_credits", args=[workspace.pk]) + f"#member-{membership.pk}")
