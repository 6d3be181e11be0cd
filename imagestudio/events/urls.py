from django.urls import path

from imagestudio.events import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("badge/", views.notification_badge, name="notification_badge"),
    path("panel/", views.notification_panel, name="notification_panel"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path("<uuid:notification_id>/open/", views.notification_open, name="notification_open"),
    path("<uuid:notification_id>/read/", views.notification_read, name="notification_read"),
]
