"""Admin for projects."""

from __future__ import annotations

from django.contrib import admin

from imagestudio.lib.admin import BigTableAdmin, UserFilter, user_link
from imagestudio.projects.models import Project


@admin.register(Project)
class ProjectAdmin(BigTableAdmin):
    list_display = ("name", "owner", "is_archived", "is_public", "created_at")
    list_filter = ("is_archived", "is_public", UserFilter)
    list_select_related = ("user",)
    search_fields = ("name",)
    uuid_search_fields = ("id", "user_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user", "workspace", "cover_image")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="user", ordering="user__email")
    def owner(self, project: Project) -> str:
        return user_link(project)
