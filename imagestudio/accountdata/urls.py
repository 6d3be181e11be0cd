"""/settings/data/… and /settings/danger/… beyond the tabs themselves (which preferences/urls.py routes)."""

from django.urls import path

from imagestudio.accountdata import views

urlpatterns = [
    path("data/exports/", views.exports_live, name="settings_data_exports"),
    path("data/exports/new/", views.export_start, name="settings_data_export_start"),
    path("data/exports/<uuid:export_id>/download/", views.export_download, name="settings_data_export_download"),
    path("data/imports/", views.imports_live, name="settings_data_imports"),
    path("data/imports/new/", views.import_start, name="settings_data_import_start"),
    path("danger/keep/", views.danger_keep, name="settings_danger_keep"),
]
