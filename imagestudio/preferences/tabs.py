"""The settings page's tabs, in order: (slug, label, icon, url name). Each tab is its own view, owned by
the app whose data it edits; they all extend `settings/layout.html`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TABS = [
    ("account", _("Account"), "user", "settings_account"),
    ("security", _("Security"), "shield-check", "settings_security"),
    ("preferences", _("Preferences"), "sliders", "settings_preferences"),
    ("models", _("Models"), "models", "settings_models"),
    ("notifications", _("Notifications"), "bell", "settings_notifications"),
    ("privacy", _("Privacy"), "eye-off", "settings_privacy"),
    ("api-keys", _("API keys"), "key", "settings_api_keys"),
    ("billing", _("Billing"), "credit-card", "settings_billing"),
    ("data", _("Your data"), "download", "settings_data"),
    ("danger", _("Danger zone"), "alert-triangle", "settings_danger"),
]


def tab_links(current: str) -> list[dict]:
    return [
        {"slug": slug, "label": label, "icon": icon, "url": reverse(name), "active": slug == current}
        for slug, label, icon, name in TABS
    ]
