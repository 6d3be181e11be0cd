"""Building blocks shared by the apps' Django admin pages (no models of their own, no domain imports).

The admin lists are built for tables of 100k+ rows: no full-table counts, no filter that lists every
user, foreign keys shown without N+1 queries, and a save that writes only the fields staff changed,
so a change page never writes back a balance or a job state that moved while the page was open.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html


def parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None


class UserFilter(admin.SimpleListFilter):
    """Filter by owner (`?user=<uuid>`), set by clicking a user in the list.

    A filter that listed every user would load the whole users table on every page; this one only
    names the user currently filtered by, and is set from the user column's links.
    """

    title = "user"
    parameter_name = "user"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        user_id = parse_uuid(self.value())
        if user_id is None:
            return []
        user_model = model_admin.model._meta.get_field("user").related_model
        assert user_model is not None and not isinstance(user_model, str)
        user = user_model._default_manager.filter(pk=user_id).first()
        return [(str(user_id), str(user) if user else str(user_id))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        user_id = parse_uuid(self.value())
        return queryset.filter(user_id=user_id) if user_id else queryset.none()


def user_link(obj: Any) -> str:
    """The owner's email, linking to this list filtered by that owner (needs `user` selected)."""
    return format_html('<a href="?user={}">{}</a>', obj.user_id, obj.user.email)


def change_link(obj: Model | None, label: str | None = None) -> str:
    """A link to an object's admin change page ("-" for none)."""
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or str(obj))


class BigTableAdmin(admin.ModelAdmin):
    """A list that stays fast at 100k+ rows, searchable by id, whose change page saves only what changed."""

    show_full_result_count = False  # one COUNT per page, not two
    list_per_page = 50
    # Search terms that are UUIDs match these fields exactly (uses their indexes) instead of the text search.
    uuid_search_fields: Sequence[str] = ("id",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = parse_uuid(search_term)
        if term is not None:
            match = Q()
            for field in self.uuid_search_fields:
                match |= Q(**{field: term})
            return queryset.filter(match), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        concrete = {field.name for field in obj._meta.concrete_fields}
        changed = [name for name in form.changed_data if name in concrete]
        if changed:
            changed += [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
            obj.save(update_fields=changed)


class ReadOnlyAdmin(BigTableAdmin):
    """Records nobody edits by hand (ledgers, logs): list and view only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
