"""May this user do this to that? The one place that answers, for pages, the API and bulk actions.

A workspace member's role decides: viewers view, editors also change, admins also manage (delete, share,
members). An image outside any project is its creator's alone. Anyone else gets a 404, never a hint that
the object exists; a member whose role is too weak gets a 403 that says which role is needed.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from imagestudio.collections.models import Collection
from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project
from imagestudio.prompts.models import Prompt
from imagestudio.sharing.models import link_by_token
from imagestudio.workspaces.models import RANK, Membership, Role, Workspace

Action = Literal["view", "edit", "manage"]
NEEDED: dict[str, Role] = {"view": Role.VIEWER, "edit": Role.EDITOR, "manage": Role.ADMIN}


class Forbidden(PermissionDenied):
    """A member whose role is too weak for the action (403, with a message a person can act on)."""

    def __init__(self, action: str, role: str) -> None:
        needed = NEEDED[action]
        super().__init__(
            gettext("This needs the %(needed)s role in this workspace; you are a %(role)s.")
            % {"needed": str(needed.label).lower(), "role": role}
        )
        self.action, self.role = action, role


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def role_in(user, workspace_id) -> str | None:
    if not _authenticated(user):
        return None
    try:
        return Membership.objects.filter(user=user, workspace_id=workspace_id).values_list("role", flat=True).first()
    except (ValidationError, ValueError):  # not a workspace id at all
        return None


def allows(role: str | None, action: Action) -> bool:
    return role is not None and RANK[Role(role)] >= RANK[NEEDED[action]]


def workspace_ids(user, action: Action = "view") -> QuerySet:
    """Ids of the workspaces where `user` may do `action` (a subquery: use with `__in`)."""
    roles = [role for role in Role if RANK[role] >= RANK[NEEDED[action]]]
    return Membership.objects.filter(user=user, role__in=roles).values("workspace_id")


def team_workspace_ids(user) -> list:
    """Ids of the team workspaces `user` belongs to (one query). Only there can other people's images sit in
    projects the user sees: a personal workspace has its owner as its only member."""
    if not _authenticated(user):
        return []
    return list(workspace_ids(user).filter(workspace__kind=Workspace.Kind.TEAM).values_list("workspace_id", flat=True))


def _check(user, workspace_id, action: Action, missing: str) -> str:
    role = role_in(user, workspace_id)
    if role is None:
        raise Http404(missing)
    if not allows(role, action):
        raise Forbidden(action, role)
    return role


def require_workspace(user, workspace_id, action: Action = "view") -> str:
    """The user's role in the workspace, if it allows `action`; 404 for outsiders, 403 for weak roles."""
    return _check(user, workspace_id, action, "No such workspace.")


# -- projects ---------------------------------------------------------------------------------------


def projects_visible_to(user) -> QuerySet[Project]:
    if not _authenticated(user):
        return Project.objects.none()
    return Project.objects.filter(workspace_id__in=workspace_ids(user))


def get_project_for(user, project_id, action: Action = "view") -> Project:
    """The project if `user` may do `action` to it; 404 for outsiders, 403 when their role is too weak."""
    missing = "No such project."
    if not _authenticated(user):
        raise Http404(missing)
    try:
        project = Project.objects.select_related("workspace", "cover_image").get(pk=project_id)
    except (Project.DoesNotExist, ValidationError, ValueError):
        raise Http404(missing) from None
    _check(user, project.workspace_id, action, missing)
    return project


# -- images -----------------------------------------------------------------------------------------


def images_visible_to(user, action: Action = "view") -> QuerySet[Image]:
    """Live images the user may act on: their own outside projects, and those in projects of their workspaces."""
    if not _authenticated(user):
        return Image.objects.none()
    in_reach = Q(project__isnull=True, user=user) | Q(project__workspace_id__in=workspace_ids(user, action))
    return Image.objects.alive().filter(in_reach)


def get_image_for(user, image_id, action: Action = "view") -> Image:
    missing = "No such image."
    if not _authenticated(user):
        raise Http404(missing)
    try:
        image = Image.objects.alive().select_related("model", "project").get(pk=image_id)
    except (Image.DoesNotExist, ValidationError, ValueError):
        raise Http404(missing) from None
    if image.project_id is None:
        if image.user_id != user.pk:
            raise Http404(missing)
        return image
    project = image.project
    assert project is not None  # project_id is set
    _check(user, project.workspace_id, action, missing)
    return image


# -- share links ------------------------------------------------------------------------------------


def get_link_for(user, token: str):
    """A share link the user may manage: they made it, or they may manage what it shares. 404 otherwise."""
    missing = "No such share link."
    if not _authenticated(user):
        raise Http404(missing)
    link = link_by_token(token)
    if link is None:
        raise Http404(missing)
    if link.created_by_id == user.pk:
        return link
    workspace_id = link.workspace_id
    if workspace_id is None:
        raise Http404(missing)
    _check(user, workspace_id, "manage", missing)
    return link


# -- collections ------------------------------------------------------------------------------------


def collections_visible_to(user, action: Action = "view") -> QuerySet:
    """Collections in the workspaces where `user` may do `action`."""
    if not _authenticated(user):
        return Collection.objects.none()
    return Collection.objects.filter(workspace_id__in=workspace_ids(user, action))


def get_collection_for(user, collection_id, action: Action = "view"):
    """The collection if `user` may do `action` to it; 404 for outsiders, 403 when their role is too weak."""
    missing = "No such collection."
    if not _authenticated(user):
        raise Http404(missing)
    try:
        collection = Collection.objects.select_related("workspace", "cover_image").get(pk=collection_id)
    except (Collection.DoesNotExist, ValidationError, ValueError):
        raise Http404(missing) from None
    _check(user, collection.workspace_id, action, missing)
    return collection


# -- prompts ----------------------------------------------------------------------------------------


def prompts_visible_to(user, action: Action = "view") -> QuerySet[Prompt]:
    """Prompts `user` may do `action` to: those of their workspaces (by role) and, to view, every public one
    (the studio's starters included). Nobody may change or delete a prompt outside their workspaces."""
    if not _authenticated(user):
        return Prompt.objects.none()
    in_reach = Q(workspace_id__in=workspace_ids(user, action))
    if action == "view":
        in_reach |= Q(is_public=True)
    return Prompt.objects.filter(in_reach)


def get_prompt_for(user, prompt_id, action: Action = "view") -> Prompt:
    """The prompt if `user` may do `action` to it. Members: their role decides (403 when too weak). Others: a
    public prompt they may view (403 to change it: they can see it exists), anything else is 404."""
    missing = "No such prompt."
    if not _authenticated(user):
        raise Http404(missing)
    try:
        prompt = Prompt.objects.select_related("workspace").get(pk=prompt_id)
    except (Prompt.DoesNotExist, ValidationError, ValueError):
        raise Http404(missing) from None
    role = role_in(user, prompt.workspace_id) if prompt.workspace_id else None
    if role is not None:
        if not allows(role, action):
            raise Forbidden(action, role)
        return prompt
    if not prompt.is_public:
        raise Http404(missing)
    if action != "view":
        if prompt.is_starter:
            message = gettext("This prompt is in the studio's starter library: copy it to your library to change it.")
        else:
            message = gettext("This prompt is in another workspace: copy it to your library to change it.")
        raise PermissionDenied(message)
    return prompt
