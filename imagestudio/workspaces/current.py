"""The workspace a person is working in on the pages (kept in their session; the API names it instead)."""

from __future__ import annotations

from django.http import HttpRequest

from imagestudio.workspaces.access import role_in
from imagestudio.workspaces.models import Workspace
from imagestudio.workspaces.services import personal_workspace, workspaces_of

SESSION_KEY = "workspace_id"


def current_workspace(request: HttpRequest) -> Workspace:
    """The session's workspace while the user is still a member of it, else their personal one."""
    cached = getattr(request, "_current_workspace", None)
    if cached is not None:
        return cached
    workspace = None
    chosen = request.session.get(SESSION_KEY)
    if chosen and role_in(request.user, chosen) is not None:
        workspace = Workspace.objects.filter(pk=chosen).first()
    if workspace is None:
        workspace = personal_workspace(request.user)
    request._current_workspace = workspace  # type: ignore[attr-defined]
    return workspace


def switch_workspace(request: HttpRequest, workspace: Workspace) -> None:
    """Make `workspace` current (the caller checked membership)."""
    request.session[SESSION_KEY] = str(workspace.pk)
    request._current_workspace = workspace  # type: ignore[attr-defined]


def switcher(request: HttpRequest) -> dict:
    """The sidebar's workspace menu in one query: every workspace of the user and which one is current."""
    rows = workspaces_of(request.user)
    chosen = str(request.session.get(SESSION_KEY, ""))
    current = next((w for w in rows if str(w.pk) == chosen), rows[0])  # rows[0] is the personal one
    return {"workspaces": rows, "current": current}
