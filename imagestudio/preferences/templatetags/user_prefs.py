"""What every page needs from the user's settings: the saved theme and accent on <html>, and the keyboard
shortcut map app.js reads. Visitors get the defaults (and their browser's theme)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString, mark_safe

from imagestudio.preferences import services, shortcuts
from imagestudio.preferences.middleware import settings_of
from imagestudio.preferences.models import UserSettings

register = template.Library()


def _row(context) -> UserSettings | None:
    request = context.get("request")
    return settings_of(request) if request is not None else None


@register.simple_tag(takes_context=True)
def html_prefs(context) -> SafeString:
    """Attributes for <html>: theme.js applies data-theme-saved before the first paint (it wins over the
    browser's remembered choice) and saves top-bar changes to data-theme-save; a custom accent overrides
    the primary colour scale through --user-accent (see app.css)."""
    row = _row(context)
    if row is None:
        return mark_safe("")
    attrs = format_html(' data-theme-saved="{}" data-theme-save="{}"', row.theme, reverse("api:settings_put"))
    accent = services.value(row, "accent_color")
    if row.theme == UserSettings.Theme.CUSTOM and accent:
        attrs += format_html(' data-accent="{}" style="--user-accent: {}"', accent, accent)
    return attrs


@register.simple_tag(takes_context=True)
def shortcut_map(context) -> SafeString:
    """The user's shortcut keys as JSON (id "shortcut-map") for app.js."""
    row = _row(context)
    return json_script(shortcuts.merged(services.value(row, "shortcuts") if row else {}), "shortcut-map")


@register.simple_tag(takes_context=True)
def shortcut_keys(context) -> dict[str, str]:
    """action -> the user's key, for the "?" dialog."""
    row = _row(context)
    return shortcuts.merged(services.value(row, "shortcuts") if row else {})
