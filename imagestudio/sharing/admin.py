"""Admin for share links (revoke by setting revoked_at)."""

from __future__ import annotations

from django.contrib import admin

from imagestudio.lib.admin import BigTableAdmin
from imagestudio.sharing.models import ReviewVerdict, SharedImage, SharedProject


class LinkAdmin(BigTableAdmin):
    list_display = ("__str__", "created_by", "view_count", "expires_at", "revoked_at", "created_at")
    list_select_related = ("created_by",)
    ordering = ("-created_at",)
    readonly_fields = ("share_token", "password_hash", "view_count", "created_at")
    uuid_search_fields = ("id", "created_by_id")


@admin.register(SharedProject)
class SharedProjectAdmin(LinkAdmin):
    raw_id_fields = ("project", "created_by")


@admin.register(SharedImage)
class SharedImageAdmin(LinkAdmin):
    raw_id_fields = ("image", "created_by")


@admin.register(ReviewVerdict)
class ReviewVerdictAdmin(BigTableAdmin):
    list_display = ("reviewer_name", "verdict", "image_id", "link_id", "updated_at")
    ordering = ("-updated_at",)
    raw_id_fields = ("link", "image")
    readonly_fields = ("reviewer_key", "created_at", "updated_at")
    uuid_search_fields = ("id", "link_id", "image_id")
