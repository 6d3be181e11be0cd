from __future__ import annotations

from django.urls import path

from imagestudio.demo import views

urlpatterns = [
    path("start", views.start, name="demo_start"),
    path("keep/", views.keep, name="demo_keep"),
]
