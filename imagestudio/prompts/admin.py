"""Admin for the prompt library."""

from __future__ import annotations

from django.contrib import admin

from imagestudio.lib.admin import BigTableAdmin
from imagestudio.prompts.models import Prompt


@admin.register(Prompt)
class PromptAdmin(BigTableAdmin):
    list_display = ("title", "category", "workspace", "is_public", "is_starter", "usage_count", "created_at")
    list_filter = ("is_public", "is_starter")
    search_fields = ("title",)
    uuid_search_fields = ("id", "workspace_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user", "workspace", "source")
    readonly_fields = ("search_text", "usage_count", "created_at", "updated_at")
