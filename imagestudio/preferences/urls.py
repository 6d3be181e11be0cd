"""/settings/…: one URL per tab (see tabs.py). Each view lives with the data it edits."""

from django.urls import path
from django.views.generic import RedirectView

from imagestudio.billing import views as billing
from imagestudio.preferences import stub_views as v

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="settings_account"), name="settings"),
    path("account/", v.account, name="settings_account"),
    path("security/", v.security, name="settings_security"),
    path("preferences/", v.preferences, name="settings_preferences"),
    path("models/", v.models, name="settings_models"),
    path("notifications/", v.notifications, name="settings_notifications"),
    path("privacy/", v.privacy, name="settings_privacy"),
    path("api-keys/", v.api_keys, name="settings_api_keys"),
    path("billing/", billing.billing_tab, name="settings_billing"),
    path("data/", v.data, name="settings_data"),
    path("danger/", v.danger, name="settings_danger"),
]
