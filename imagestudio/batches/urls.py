from django.urls import path

from imagestudio.batches import views

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("new/", views.batch_new, name="batch_new"),
    path("<uuid:batch_id>/", views.batch_detail, name="batch_detail"),
    path("<uuid:batch_id>/export.zip", views.batch_export, name="batch_export"),
    path("<uuid:batch_id>/<slug:command>/", views.batch_control, name="batch_control"),
]
