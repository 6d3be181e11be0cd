"""Admin for the credit ledger and usage logs: read-only records (adjustments go through the user page).

Grants with an expiry are the one thing staff add here: the add form issues the grant through
billing.grants (a ledger entry plus what remains of it); existing grants are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from imagestudio.billing import grants
from imagestudio.billing.models import CreditEntry, CreditGrant, CreditPurchase, GrantSource, UsageLog
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


class GrantForm(forms.ModelForm):
    """Issue a grant: who, how many credits, until when, and why (shown in the user's credit history)."""

    note = forms.CharField(max_length=200, required=False, help_text="Shown in the user's credit history.")

    class Meta:
        model = CreditGrant
        fields = ("user", "amount", "expires_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.instance = grants.issue_grant(
                user=data["user"],
                amount=data["amount"],
                expires_at=data["expires_at"],
                note=data.get("note", ""),
                source=GrantSource.STAFF,
            )
        except grants.GrantError as exc:
            raise forms.ValidationError({exc.field: exc.message}) from exc
        return data


@admin.register(CreditGrant)
class CreditGrantAdmin(admin.ModelAdmin):
    """Add = issue a grant (through billing.grants); grants are never edited or deleted by hand."""

    list_display = ("created_at", "owner", "source", "amount", "remaining", "expires_at", "expired_at")
    list_filter = ("source", UserFilter)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    ordering = ("-created_at",)
    raw_id_fields = ("user",)
    form = GrantForm

    @admin.display(description="user", ordering="user__email")
    def owner(self, grant: CreditGrant) -> str:
        return user_link(grant)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.add_creditgrant") and request.user.has_perm("billing.add_creditentry")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CreditGrant, form: Any, change: bool) -> None:
        pass  # GrantForm.clean issued it (ledger entry and all); nothing is left to save


@admin.register(CreditPurchase)
class CreditPurchaseAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "owner", "package", "credits", "amount_cents", "currency", "test_mode", "session_id")
    list_filter = ("test_mode", "package", UserFilter)
    list_select_related = ("user",)
    search_fields = ("user__email", "session_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user", "entry")

    @admin.display(description="user", ordering="user__email")
    def owner(self, purchase: CreditPurchase) -> str:
        return user_link(purchase)
