from __future__ import annotations

from django.urls import path

from imagestudio.collections import views

urlpatterns = [
    path("", views.collection_list, name="collection_list"),
    path("new/", views.collection_new, name="collection_new"),
    path("<uuid:collection_id>/", views.collection_detail, name="collection_detail"),
    path("<uuid:collection_id>/edit/", views.collection_edit, name="collection_edit"),
    path("<uuid:collection_id>/visibility/", views.collection_visibility, name="collection_visibility"),
    path("<uuid:collection_id>/delete/", views.collection_delete, name="collection_delete"),
    path("<uuid:collection_id>/public/", views.collection_public, name="collection_public"),
    path("<uuid:collection_id>/images/add/", views.collection_add_images, name="collection_add_images"),
    path("<uuid:collection_id>/images/<uuid:image_id>/cover/", views.collection_set_cover, name="collection_set_cover"),
    path(
        "<uuid:collection_id>/images/<uuid:image_id>/remove/",
        views.collection_remove_image,
        name="collection_remove_image",
    ),
    path("<uuid:collection_id>/images/<uuid:image_id>/thumb", views.collection_thumb, name="collection_thumb"),
    path("<uuid:collection_id>/images/<uuid:image_id>/file", views.collection_file, name="collection_file"),
]
