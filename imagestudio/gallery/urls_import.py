"""The import page and the XMP sidecar download (mounted by the lead under images/, before `images/<uuid:image_id>/`)."""

from __future__ import annotations

from django.urls import path

from imagestudio.gallery import views_import as views

urlpatterns = [
    path("import/", views.import_page, name="image_import"),
    path("<uuid:image_id>/metadata.xmp", views.xmp_sidecar, name="image_xmp_sidecar"),
]
