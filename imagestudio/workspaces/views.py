from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.workspaces.access import require_workspace
from imagestudio.workspaces.current import switch_workspace
from imagestudio.workspaces.models import Workspace


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
