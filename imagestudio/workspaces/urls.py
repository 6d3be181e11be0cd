"""Workspace and team pages, mounted under /workspaces/ (the invitation page is at /invitations/<token>/)."""

from __future__ import annotations

from django.urls import path

from imagestudio.workspaces import views

urlpatterns = [
    path("switch/", views.switch, name="workspace_switch"),
    path("new/", views.team_new, name="team_new"),
    path("<uuid:workspace_id>/members/", views.team_members, name="team_members"),
    path("<uuid:workspace_id>/invite/", views.team_invite, name="team_invite"),
    path("<uuid:workspace_id>/activity/", views.team_activity, name="team_activity"),
    path(
        "<uuid:workspace_id>/invitations/<uuid:invitation_id>/revoke/",
        views.team_revoke_invitation,
        name="team_revoke_invitation",
    ),
    path("<uuid:workspace_id>/members/<uuid:user_id>/role/", views.team_member_role, name="team_member_role"),
    path("<uuid:workspace_id>/members/<uuid:user_id>/remove/", views.team_member_remove, name="team_member_remove"),
    path("<uuid:workspace_id>/credits/", views.team_credits, name="team_credits"),
    path("<uuid:workspace_id>/credits/transfer/", views.team_credits_transfer, name="team_credits_transfer"),
    path("<uuid:workspace_id>/members/<uuid:user_id>/limits/", views.team_member_limits, name="team_member_limits"),
]
