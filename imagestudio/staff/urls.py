from django.urls import path

from imagestudio.staff import views

urlpatterns = [
    path("", views.overview, name="staff_overview"),
    path("models/<uuid:model_id>/toggle/", views.toggle_model, name="staff_model_toggle"),
]
