"""Admin for workspaces and their members."""

from __future__ import annotations

from django.contrib import admin

from imagestudio.lib.admin import BigTableAdmin
from imagestudio.workspaces.models import Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Workspace)
class WorkspaceAdmin(BigTableAdmin):
    list_display = ("name", "kind", "owner", "credits_balance", "created_at")
    list_filter = ("kind",)
    list_select_related = ("owner",)
    search_fields = ("name",)
    uuid_search_fields = ("id", "owner_id")
    ordering = ("-created_at",)
    raw_id_fields = ("owner",)
    readonly_fields = ("credits_balance",)  # moved only through the ledger (billing.adjust, transfers)
    inlines = [MembershipInline]
