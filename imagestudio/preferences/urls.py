"""/settings/…: one URL per tab (see tabs.py). Each view lives with the data it edits."""

from django.urls import path
from django.views.generic import RedirectView

from imagestudio.accountdata import views as accountdata
from imagestudio.accounts import api_keys_views, views_settings
from imagestudio.billing import views as billing
from imagestudio.preferences import views, views_privacy

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="settings_account"), name="settings"),
    path("account/", views_settings.account, name="settings_account"),
    path("security/", views_settings.security, name="settings_security"),
    path("preferences/", views.preferences, name="settings_preferences"),
    path("models/", views.models, name="settings_models"),
    path("notifications/", views_privacy.notifications, name="settings_notifications"),
    path("privacy/", views_privacy.privacy, name="settings_privacy"),
    path("api-keys/", api_keys_views.api_keys_tab, name="settings_api_keys"),
    path("billing/", billing.billing_tab, name="settings_billing"),
    path("data/", accountdata.data_tab, name="settings_data"),
    path("danger/", accountdata.danger_tab, name="settings_danger"),
]
