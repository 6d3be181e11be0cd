from __future__ import annotations

from django.urls import path

from imagestudio.catalog import views

urlpatterns = [
    path("", views.model_list, name="models"),
    path("status/", views.model_status, name="model_status"),
    path("announcement/", views.announcement, name="model_announcement"),
    path("announcement/dismiss/", views.announcement_dismiss, name="model_announcement_dismiss"),
    path("<slug:name>/", views.model_detail, name="model_detail"),
    path("<slug:name>/samples/<int:index>.webp", views.model_sample, name="model_sample"),
]
