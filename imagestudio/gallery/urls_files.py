"""Pages for image files (mounted by the lead under images/): similar & duplicates, find similar,
the storage panel, srcset renditions."""

from __future__ import annotations

from django.urls import path

from imagestudio.gallery import views_files as views

urlpatterns = [
    path("duplicates/", views.duplicates, name="image_duplicates"),
    path("duplicates/trash/", views.duplicates_trash, name="image_duplicates_trash"),
    path("storage/", views.storage_panel, name="image_storage"),
    path("<uuid:image_id>/similar/", views.find_similar, name="image_find_similar"),
    path("<uuid:image_id>/compare/", views.compare, name="image_compare"),
    path("<uuid:image_id>/r/<int:width>.<str:fmt>", views.rendition, name="image_rendition"),
]
