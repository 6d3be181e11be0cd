from django.urls import path

from imagestudio.billing import views_usage

urlpatterns = [
    path("", views_usage.usage_page, name="usage"),
]
