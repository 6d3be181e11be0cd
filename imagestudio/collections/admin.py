"""Admin for collections."""

from __future__ import annotations

from django.contrib import admin

from imagestudio.collections.models import Collection
from imagestudio.lib.admin import BigTableAdmin


@admin.register(Collection)
class CollectionAdmin(BigTableAdmin):
    list_display = ("name", "workspace", "is_public", "created_at")
    list_filter = ("is_public",)
    search_fields = ("name",)
    uuid_search_fields = ("id", "workspace_id")
    ordering = ("-created_at",)
    raw_id_fields = ("created_by", "workspace", "cover_image")
    readonly_fields = ("created_at", "updated_at")
