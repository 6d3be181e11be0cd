from __future__ import annotations

from django.urls import path

from imagestudio.showcase import views

urlpatterns = [
    path("<str:name>", views.showcase_file, name="showcase_file"),
]
