"""Admin for the credit ledger and usage logs: read-only records (adjustments go through the user page)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from imagestudio.billing.models import CreditEntry, UsageLog
from imagestudio.lib.admin import ReadOnlyAdmin, UserFilter, user_link


def _job_link(job_id: object) -> str:
    if job_id is None:
        return "-"
    url = reverse("admin:generation_generationjob_change", args=[job_id])
    return format_html('<a href="{}">{}</a>', url, str(job_id)[:8])


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    """Append-only: its sum is the balance, so nobody adds, edits or deletes rows here."""

    list_display = ("created_at", "owner", "workspace", "kind", "amount", "balance_after", "job_link", "note")
    list_filter = ("kind", UserFilter)
    list_select_related = ("user", "workspace")
    search_fields = ("user__email", "note")
    uuid_search_fields = ("id", "user_id", "job_id", "workspace_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user", "job", "workspace")

    @admin.display(description="user", ordering="user__email")
    def owner(self, entry: CreditEntry) -> str:
        return user_link(entry)

    @admin.display(description="job")
    def job_link(self, entry: CreditEntry) -> str:
        return _job_link(entry.job_id)


@admin.register(UsageLog)
class UsageLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "owner", "action", "model", "success", "credits_used", "generation_time", "job_link")
    list_filter = ("success", "action", "model", UserFilter)
    list_select_related = ("user", "model")
    search_fields = ("user__email", "error_message")
    uuid_search_fields = ("id", "user_id", "job_id", "image_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user", "job", "image")

    @admin.display(description="user", ordering="user__email")
    def owner(self, log: UsageLog) -> str:
        return user_link(log)

    @admin.display(description="job")
    def job_link(self, log: UsageLog) -> str:
        return _job_link(log.job_id)
