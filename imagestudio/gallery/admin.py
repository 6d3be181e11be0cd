"""Admin for images."""

from __future__ import annotations

from django.contrib import admin

from imagestudio.gallery.models import Image
from imagestudio.lib.admin import BigTableAdmin, UserFilter, user_link


@admin.register(Image)
class ImageAdmin(BigTableAdmin):
    list_display = ("__str__", "owner", "model", "width", "height", "format", "is_favorite", "created_at", "deleted_at")
    list_filter = ("format", "is_favorite", ("deleted_at", admin.EmptyFieldListFilter), "model", UserFilter)
    list_select_related = ("user", "model")
    search_fields = ("prompt",)
    uuid_search_fields = ("id", "user_id", "job_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user", "project", "job", "parent_image")
    readonly_fields = (
        "id",
        "file",
        "thumbnail",
        "width",
        "height",
        "file_size",
        "format",
        "seed",
        "job",
        "output_index",
        "created_at",
        "updated_at",
    )
    exclude = ("placeholder",)  # a data: URI, not worth a textarea

    @admin.display(description="user", ordering="user__email")
    def owner(self, image: Image) -> str:
        return user_link(image)
