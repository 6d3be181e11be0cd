from __future__ import annotations

from django.urls import path

from imagestudio.projects import views

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_new, name="project_new"),
    path("<uuid:project_id>/", views.project_detail, name="project_detail"),
    path("<uuid:project_id>/rename/", views.project_rename, name="project_rename"),
    path("<uuid:project_id>/settings/", views.project_settings, name="project_settings"),
    path("<uuid:project_id>/export/", views.project_export, name="project_export"),
    path("<uuid:project_id>/duplicate/", views.project_duplicate, name="project_duplicate"),
    path("<uuid:project_id>/archive/", views.project_archive, name="project_archive"),
    path("<uuid:project_id>/delete/", views.project_delete, name="project_delete"),
    path("<uuid:project_id>/images/add/", views.project_add_images, name="project_add_images"),
    path("<uuid:project_id>/images/<uuid:image_id>/cover/", views.project_set_cover, name="project_set_cover"),
    path("<uuid:project_id>/images/<uuid:image_id>/remove/", views.project_remove_image, name="project_remove_image"),
]
