"""Admin for the model catalog: switch models on and off."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from imagestudio.catalog.models import AIModel


@admin.register(AIModel)
class AIModelAdmin(admin.ModelAdmin):
    list_display = (
        "display_name",
        "endpoint_id",
        "provider",
        "category",
        "is_active",
        "is_featured",
        "cost_per_generation",
        "sort_order",
    )
    list_filter = ("is_active", "provider", "category", "family", "is_featured")
    search_fields = ("display_name", "endpoint_id", "name")
    readonly_fields = ("id", "capability_tags", "created_at", "updated_at")
    actions = ("enable", "disable")

    @admin.action(description="Enable the selected models")
    def enable(self, request: HttpRequest, queryset: QuerySet[AIModel]) -> None:
        count = queryset.filter(is_active=False).update(is_active=True, updated_at=timezone.now())
        self.message_user(request, f"Enabled {count} model(s).", messages.SUCCESS)

    @admin.action(description="Disable the selected models")
    def disable(self, request: HttpRequest, queryset: QuerySet[AIModel]) -> None:
        count = queryset.filter(is_active=True).update(is_active=False, updated_at=timezone.now())
        self.message_user(request, f"Disabled {count} model(s); queued jobs on them still run.", messages.SUCCESS)
