from __future__ import annotations

from django.urls import path

from imagestudio.prompts import views_library as views

urlpatterns = [
    path("", views.prompt_library, name="prompt_library"),
    path("new/", views.prompt_new, name="prompt_new"),
    path("public/", views.prompt_public, name="prompt_public"),
    path("history/", views.prompt_history, name="prompt_history"),
    path("export/", views.prompt_export, name="prompt_export"),
    path("import/", views.prompt_import, name="prompt_import"),
    path("<uuid:prompt_id>/edit/", views.prompt_edit, name="prompt_edit"),
    path("<uuid:prompt_id>/delete/", views.prompt_delete, name="prompt_delete"),
    path("<uuid:prompt_id>/favorite/", views.prompt_favorite, name="prompt_favorite"),
    path("<uuid:prompt_id>/copy/", views.prompt_copy, name="prompt_copy"),
    path("<uuid:prompt_id>/use/", views.prompt_use, name="prompt_use"),
]
