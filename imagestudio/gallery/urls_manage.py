"""Pages for managing images (favourite, rating, tags, title and notes) and the trash.

Mounted under "images/" by imagestudio/urls.py: `path("images/", include("imagestudio.gallery.urls_manage"))`.
"""

from __future__ import annotations

from django.urls import path

from imagestudio.gallery import views

urlpatterns = [
    path("trash/", views.trash_list, name="trash"),
    path("trash/empty/", views.trash_empty, name="trash_empty"),
    path("trash/<uuid:image_id>/restore/", views.trash_restore, name="trash_restore"),
    path("trash/<uuid:image_id>/delete/", views.trash_delete, name="trash_delete"),
    path("trash/<uuid:image_id>/thumb", views.trash_thumb, name="trash_thumb"),
    path("tags/suggest/", views.tag_suggestions, name="tag_suggestions"),
    path("<uuid:image_id>/favorite/", views.image_favorite, name="image_favorite"),
    path("<uuid:image_id>/rate/", views.image_rate, name="image_rate"),
    path("<uuid:image_id>/details/", views.image_details, name="image_details"),
    path("<uuid:image_id>/tags/", views.image_tags, name="image_tags"),
    path("<uuid:image_id>/trash/", views.image_trash, name="image_trash"),
]
