"""UI template tags: inline SVG icons, block components and form-widget rendering.

{% load ui %}
{% icon "sparkles" class="size-4" %}                      inline SVG (aria-hidden unless label= is given)
{% component "card" title="Recent" %}…{% endcomponent %}  renders components/card.html with the body as `slot`
{% widget field class="input" %}                           a bound field's widget with extra attributes
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache

from django import template
from django.template.base import render_value_in_context, token_kwargs
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# 24×24 stroke icons (drawn for this project; round caps and joins, stroke = currentColor).
ICONS: dict[str, str] = {
    "home": '<path d="M3 10.5 12 3l9 7.5"/><path d="M5 9.5V20a1 1 0 0 0 1 1h4v-6h4v6h4a1 1 0 0 0 1-1V9.5"/>',
    "sparkles": '<path d="M11 3.5 12.9 8.6 18 10.5 12.9 12.4 11 17.5 9.1 12.4 4 10.5 9.1 8.6z"/>'
    '<path d="M19 3v4M17 5h4M18 16v4M16 18h4"/>',
    "images": '<rect x="3" y="7" width="14" height="14" rx="2"/><path d="M7 3h12a2 2 0 0 1 2 2v12"/>'
    '<circle cx="8" cy="12" r="1.5"/><path d="m17 17-4-4-7 8"/>',
    "image": '<rect x="3" y="3" width="18" height="18" rx="2"/><circle cx="9" cy="9" r="2"/><path d="m21 15-5-5L5 21"/>',
    "search": '<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "minus": '<path d="M5 12h14"/>',
    "compare": '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M12 2v20"/>',
    "columns": '<rect x="3" y="4" width="7.5" height="16" rx="1.5"/><rect x="13.5" y="4" width="7.5" height="16" rx="1.5"/>',
    "repeat": '<path d="m17 2 4 4-4 4"/><path d="M3 11V9a3 3 0 0 1 3-3h15"/><path d="m7 22-4-4 4-4"/>'
    '<path d="M21 13v2a3 3 0 0 1-3 3H3"/>',
    "menu": '<path d="M4 6h16M4 12h16M4 18h16"/>',
    "x": '<path d="M18 6 6 18M6 6l12 12"/>',
    "chevron-down": '<path d="m6 9 6 6 6-6"/>',
    "chevron-up": '<path d="m18 15-6-6-6 6"/>',
    "chevron-right": '<path d="m9 6 6 6-6 6"/>',
    "chevron-left": '<path d="m15 6-6 6 6 6"/>',
    "chevrons-left": '<path d="m11 17-5-5 5-5M18 17l-5-5 5-5"/>',
    "arrow-right": '<path d="M5 12h14M13 6l6 6-6 6"/>',
    "arrow-left": '<path d="M19 12H5M11 6l-6 6 6 6"/>',
    "sun": '<circle cx="12" cy="12" r="4"/><path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2'
    'M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/>',
    "moon": '<path d="M20.5 14.2A8.5 8.5 0 1 1 9.8 3.5a6.8 6.8 0 0 0 10.7 10.7z"/>',
    "monitor": '<rect x="2" y="4" width="20" height="13" rx="2"/><path d="M8 21h8M12 17v4"/>',
    "smartphone": '<rect x="6" y="2" width="12" height="20" rx="2"/><path d="M11 18h2"/>',
    "log-out": '<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4"/><path d="m16 17 5-5-5-5M21 12H9"/>',
    "log-in": '<path d="M15 3h4a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-4"/><path d="m10 17 5-5-5-5M15 12H3"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
    "user-plus": '<circle cx="10" cy="8" r="4"/><path d="M2 21a8 8 0 0 1 13.5-5.8M19 14v6M16 17h6"/>',
    "users": '<circle cx="9" cy="8" r="4"/><path d="M1.5 21a7.5 7.5 0 0 1 15 0M16 3.5a4 4 0 0 1 0 8M19 14.5a7.5 7.5 0 0 1 3.5 6.5"/>',
    "settings": '<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" r="2"/>'
    '<circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>',
    "sliders": '<path d="M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6"/>',
    "download": '<path d="M12 3v12M7 10l5 5 5-5"/><path d="M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"/>',
    "upload": '<path d="M12 15V3M7 8l5-5 5 5"/><path d="M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"/>',
    "maximize": '<path d="M15 3h6v6M9 21H3v-6M21 3l-7 7M3 21l7-7"/>',
    "external-link": '<path d="M14 4h6v6M10 14 20 4"/><path d="M19 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1h5"/>',
    "eye": '<path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>',
    "copy": '<rect x="9" y="9" width="12" height="12" rx="2"/><path d="M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1"/>',
    "check": '<path d="m5 12 5 5L20 7"/>',
    "alert-triangle": '<path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"/>'
    '<path d="M12 9v4M12 17h.01"/>',
    "alert-circle": '<circle cx="12" cy="12" r="9"/><path d="M12 8v4M12 16h.01"/>',
    "info": '<circle cx="12" cy="12" r="9"/><path d="M12 16v-4M12 8h.01"/>',
    "check-circle": '<circle cx="12" cy="12" r="9"/><path d="m8 12 3 3 5-6"/>',
    "x-circle": '<circle cx="12" cy="12" r="9"/><path d="m15 9-6 6M9 9l6 6"/>',
    "help-circle": '<circle cx="12" cy="12" r="9"/><path d="M9.5 9a2.5 2.5 0 0 1 4.9.8c0 1.7-2.4 2.2-2.4 3.7M12 17h.01"/>',
    "ban": '<circle cx="12" cy="12" r="9"/><path d="m5.6 5.6 12.8 12.8"/>',
    "spinner": '<path d="M21 12a9 9 0 1 1-6.2-8.56"/>',
    "loader": '<path d="M12 2v4M12 18v4M4.9 4.9l2.9 2.9M16.2 16.2l2.9 2.9M2 12h4M18 12h4M4.9 19.1l2.9-2.9M16.2 7.8l2.9-2.9"/>',
    "coins": '<ellipse cx="12" cy="6" rx="8" ry="3"/><path d="M4 6v6c0 1.7 3.6 3 8 3s8-1.3 8-3V6"/>'
    '<path d="M4 12v6c0 1.7 3.6 3 8 3s8-1.3 8-3v-6"/>',
    "credit-card": '<rect x="2" y="5" width="20" height="14" rx="2"/><path d="M2 10h20M6 15h4"/>',
    "zap": '<path d="M13 2 4 14h8l-1 8 9-12h-8z"/>',
    "layers": '<path d="m12 2 10 5-10 5L2 7z"/><path d="m2 12 10 5 10-5M2 17l10 5 10-5"/>',
    "folder": '<path d="M3 6a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>',
    "bookmark": '<path d="M6 3h12a1 1 0 0 1 1 1v17l-7-4-7 4V4a1 1 0 0 1 1-1z"/>',
    "book": '<path d="M4 19.5V5a2 2 0 0 1 2-2h14v15H6.5A2.5 2.5 0 0 0 4 20.5 2.5 2.5 0 0 0 6.5 23H20"/><path d="M8 7h8"/>',
    "list": '<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>',
    "grid": '<rect x="3" y="3" width="7" height="7" rx="1"/><rect x="14" y="3" width="7" height="7" rx="1"/>'
    '<rect x="3" y="14" width="7" height="7" rx="1"/><rect x="14" y="14" width="7" height="7" rx="1"/>',
    "bar-chart": '<path d="M4 20V10M10 20V4M16 20v-7M22 20H2"/>',
    "cpu": '<rect x="6" y="6" width="12" height="12" rx="2"/><rect x="9.5" y="9.5" width="5" height="5" rx=".5"/>'
    '<path d="M9 2v4M15 2v4M9 18v4M15 18v4M2 9h4M2 15h4M18 9h4M18 15h4"/>',
    "cloud": '<path d="M7 19a5 5 0 1 1 .9-9.9A6 6 0 0 1 19.5 11 4 4 0 0 1 18 19z"/>',
    "cloud-off": '<path d="m2 2 20 20"/><path d="M5.8 9.3A5 5 0 0 0 7 19h11c.4 0 .8-.1 1.2-.2M21.6 16.6A4 4 0 0 0 19.5 11 6 6 0 0 0 10 6.4"/>',
    "keyboard": '<rect x="2" y="5" width="20" height="14" rx="2"/>'
    '<path d="M6 9h.01M10 9h.01M14 9h.01M18 9h.01M6 13h.01M18 13h.01M10 13h4M7 16h10"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "history": '<path d="M3 12a9 9 0 1 0 3-6.7L3 8"/><path d="M3 3v5h5M12 7v5l3 2"/>',
    "heart": '<path d="M19.5 12.6 12 20l-7.5-7.4A5 5 0 1 1 12 6a5 5 0 1 1 7.5 6.6z"/>',
    "star": '<path d="m12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3l-5.5 2.9 1-6.2L3 9.6l6.2-.9z"/>',
    "wand": '<path d="m3 21 12-12M13 7l2-2 4 4-2 2"/><path d="M6 3v3M4.5 4.5h3M19 14v3M17.5 15.5h3M11 2v2"/>',
    "refresh": '<path d="M20 11a8 8 0 0 0-14.9-3.5M4 4v4h4"/><path d="M4 13a8 8 0 0 0 14.9 3.5M20 20v-4h-4"/>',
    "shuffle": '<path d="M16 3h5v5M4 20 21 3M21 16v5h-5M15 15l6 6M4 4l5 5"/>',
    "dice": '<rect x="3" y="3" width="18" height="18" rx="3"/><path d="M8 8h.01M16 8h.01M12 12h.01M8 16h.01M16 16h.01"/>',
    "hash": '<path d="M5 9h14M5 15h14M10 3 8 21M16 3l-2 18"/>',
    "trash": '<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1l1-13M9 7V4h6v3"/>',
    "mail": '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>',
    "mail-check": '<path d="M21 12V7a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h8"/><path d="m3 7 9 6 9-6M16 19l2 2 4-4"/>',
    "share": '<circle cx="18" cy="5" r="3"/><circle cx="6" cy="12" r="3"/><circle cx="18" cy="19" r="3"/>'
    '<path d="m8.6 13.5 6.8 4M15.4 6.5l-6.8 4"/>',
    "link": '<path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7"/><path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7"/>',
    "lock": '<rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "key": '<circle cx="7.5" cy="15.5" r="4.5"/><path d="m10.7 12.3 9.3-9.3M16 7l3 3M19 4l2 2"/>',
    "shield-check": '<path d="M12 3 4 6v6c0 4.5 3.4 8.2 8 9 4.6-.8 8-4.5 8-9V6z"/><path d="m9 12 2 2 4-4"/>',
    "bell": '<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.9 1.9 0 0 0 3.4 0"/>',
    "panel-left": '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M9 4v16"/>',
    "gauge": '<path d="m12 14 4-4"/><path d="M3.3 19a10 10 0 1 1 17.4 0"/>',
    "palette": '<path d="M12 21a9 9 0 1 1 9-9c0 2.5-2 4-4.5 4H15a2 2 0 0 0-1.5 3.3A1.6 1.6 0 0 1 12 21z"/>'
    '<path d="M7.5 11h.01M10 7.5h.01M14.5 7.5h.01M17 11h.01"/>',
    "ratio": '<rect x="3" y="6" width="18" height="12" rx="2"/><path d="M7 10v4M17 10v4"/>',
    "terminal": '<rect x="2" y="4" width="20" height="16" rx="2"/><path d="m6 9 3 3-3 3M12 15h5"/>',
    "code": '<path d="m16 18 6-6-6-6M8 6l-6 6 6 6"/>',
    "mouse-pointer": '<path d="m4 4 7 17 2.5-7.5L21 11z"/>',
    "type": '<path d="M4 7V4h16v3M9 20h6M12 4v16"/>',
    "at-sign": '<circle cx="12" cy="12" r="4"/><path d="M16 8v5a3 3 0 0 0 6 0v-1a10 10 0 1 0-4 8"/>',
    "message": '<path d="M21 12a8 8 0 0 1-11.6 7.1L3 21l1.9-6.4A8 8 0 1 1 21 12z"/>',
    "globe": '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 0 0 0 18"/>',
    "circle": '<circle cx="12" cy="12" r="9"/>',
    "bookmark-plus": '<path d="M6 3h12a1 1 0 0 1 1 1v17l-7-4-7 4V4a1 1 0 0 1 1-1z"/><path d="M12 7v6M9 10h6"/>',
    "rotate": '<path d="M21 12a9 9 0 1 1-3-6.7L21 8"/><path d="M21 3v5h-5"/>',
    "git-branch": '<circle cx="6" cy="5" r="2"/><circle cx="6" cy="19" r="2"/><circle cx="18" cy="8" r="2"/>'
    '<path d="M6 7v10M18 10c0 4-6 3-11.5 7"/>',
    "brush": '<path d="M18.4 3.6a2 2 0 0 1 2.9 2.9L13 14.8 10.2 12z"/>'
    '<path d="M9.5 13.5a3.2 3.2 0 0 1 1.9 4.6C10.3 20.4 7 21.4 3 21c1.5-1.2 1.4-2.6 1.9-4.2a3.7 3.7 0 0 1 4.6-3.3z"/>',
    "eraser": '<path d="M8.5 20.5 3.7 15.7a1.5 1.5 0 0 1 0-2.1l9.2-9.2a1.5 1.5 0 0 1 2.1 0l5.3 5.3a1.5 1.5 0 0 1 0 2.1l-8.5 8.7"/>'
    '<path d="M8.5 20.5H21M7.5 9.5l7.5 7.5"/>',
    "square-dashed": '<path d="M4 8V6a2 2 0 0 1 2-2h2M16 4h2a2 2 0 0 1 2 2v2M20 16v2a2 2 0 0 1-2 2h-2M8 20H6a2 2 0 0 1-2-2v-2'
    'M11 4h2M11 20h2M4 11v2M20 11v2"/>',
    "lasso": '<path d="M5 14.5C3.7 13.4 3 12 3 10.5 3 6.9 7 4 12 4s9 2.9 9 6.5S17 17 12 17c-1.6 0-3.1-.3-4.4-.8" '
    'stroke-dasharray="2.5 2.5"/><path d="M7.5 16.5c-1 .3-2 1-2 2.2 0 1.5 1.5 1.8 1.5 3"/>',
    "undo": '<path d="M9 14 4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>',
    "redo": '<path d="m15 14 5-5-5-5"/><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13"/>',
    "contrast": '<circle cx="12" cy="12" r="9"/><path d="M12 3v18a9 9 0 0 0 0-18z" fill="currentColor"/>',
    "eye-off": '<path d="M10.6 5.1A9.8 9.8 0 0 1 12 5c6.4 0 10 7 10 7a17 17 0 0 1-2.6 3.5M6.6 6.6C3.7 8.4 2 12 2 12s3.6 7 10 7'
    'a9.5 9.5 0 0 0 5.4-1.6"/><path d="M9.9 9.9a3 3 0 0 0 4.2 4.2M3 3l18 18"/>',
}
# Names other parts of the app use for their nav items.
ICONS.update(
    {
        "queue": ICONS["list"],
        "projects": ICONS["folder"],
        "collections": ICONS["bookmark"],
        "prompts": ICONS["book"],
        "library": ICONS["book"],
        "usage": ICONS["bar-chart"],
        "billing": ICONS["credit-card"],
        "models": ICONS["layers"],
        "favorites": ICONS["heart"],
        "gallery": ICONS["images"],
        "dashboard": ICONS["home"],
        "generate": ICONS["sparkles"],
        "account": ICONS["user"],
        "admin": ICONS["shield-check"],
        "notifications": ICONS["bell"],
        "api": ICONS["code"],
        "variation": ICONS["git-branch"],
        # Iteration tools
        "zoom-in": '<circle cx="11" cy="11" r="7"/><path d="m21 21-5-5M11 8v6M8 11h6"/>',
        "scissors": '<circle cx="6" cy="6" r="3"/><circle cx="6" cy="18" r="3"/><path d="M20 4 8.1 15.9M14.5 14.5 20 20'
        'M8.1 8.1 12 12"/>',
    }
)


@register.simple_tag
def icon(name: str, **kwargs) -> str:
    """Inline SVG icon. `class=` sets classes (default size-4); `label=` makes it a labelled image."""
    return _svg(
        name, str(kwargs.get("class") or "size-4"), str(kwargs.get("label") or ""), str(kwargs.get("stroke", "2"))
    )


@lru_cache(maxsize=2048)
def _svg(name: str, css: str, label: str, width: str) -> str:
    """A gallery page draws hundreds of icons from a few dozen distinct ones: build each once."""
    paths = ICONS.get(name, ICONS["circle"])
    a11y = format_html('role="img" aria-label="{}"', label) if label else mark_safe('aria-hidden="true"')
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
        'stroke-width="{}" stroke-linecap="round" stroke-linejoin="round" class="{}" {} focusable="false">{}</svg>',
        width,
        css,
        a11y,
        mark_safe(paths),  # noqa: S308 - our own constant SVG paths
    )


# Icons drawn on every tile, row or cell of a list (40–100 a page, several each): base.html defines them once
# as <symbol>s and the lists reference them with <use>, ~90 bytes where the inline SVG took 300–400. Their
# stroke comes from the .sprite-icon rule (app.css), so classes like fill-current still apply.
SPRITE_ICONS = ("check", "info", "download", "git-branch", "zoom-in", "wand", "hash", "star", "heart", "image", "x")


_SPRITE = mark_safe(  # noqa: S308 - our own constant paths
    '<svg xmlns="http://www.w3.org/2000/svg" class="hidden" aria-hidden="true">'
    + "".join(f'<symbol id="i-{name}" viewBox="0 0 24 24">{ICONS[name]}</symbol>' for name in SPRITE_ICONS)
    + "</svg>"
)


@register.simple_tag
def icon_sprite() -> SafeString:
    """The symbols `sprite_icon` refers to, for the page's <body> (hidden; <use> still draws them)."""
    return _SPRITE


@lru_cache(maxsize=256)
def sprite_icon(name: str, css: str = "size-4") -> str:
    """A reference to one of the page's SPRITE_ICONS (decorative); any other name is drawn inline."""
    if name not in SPRITE_ICONS:
        return _svg(name, css, "", "2")
    return format_html(
        '<svg class="sprite-icon {}" aria-hidden="true" focusable="false"><use href="#i-{}"/></svg>', css, name
    )


@register.simple_tag(takes_context=True)
def button_markup(context) -> SafeString:
    """components/button.html's markup, built in Python from the include's variables: the same HTML the
    template language wrote, ~10× faster (a page lists dozens of buttons; each cost ~0.5 ms as a template)."""
    get = context.get

    def out(value) -> str:  # what {{ value }} writes: localized, escaped
        return render_value_in_context(value, context)

    def attribute(html_name: str, key: str) -> str:  # {% if key %} html_name="{{ key }}"{% endif %}
        return f' {html_name}="{out(get(key))}"' if get(key) else ""

    href, size, label = get("href"), get("size"), get("label")
    parts: list[str] = []
    if href:
        parts.append(f'<a href="{out(href)}"')
        if get("disabled"):
            parts.append(' aria-disabled="true" tabindex="-1"')
        if get("download"):
            parts.append(" download")
        if get("new_tab"):
            parts.append(' target="_blank" rel="noopener"')
    else:
        parts.append(f'<button type="{out(get("type") or "button")}"')
        parts += [attribute("name", "name"), attribute("value", "value"), attribute("form", "form_id")]
        if get("disabled"):
            parts.append(" disabled")
    classes = f"btn btn-{out(get('variant') or 'primary')}"
    if size:
        classes += f" btn-{out(size)}"
    if get("block"):
        classes += " btn-block"
    if get("class"):
        classes += f" {out(get('class'))}"
    parts += [f' class="{classes}"', attribute("id", "id"), attribute("data-testid", "testid")]
    if get("loading"):
        parts.append(" data-loading")
    if get("aria_label"):
        parts.append(attribute("aria-label", "aria_label"))
    elif size == "icon" and label:
        parts.append(f' aria-label="{out(label)}"')
    parts.append(attribute("title", "title"))
    if get("dialog"):
        parts.append(f'{attribute("data-dialog-open", "dialog")} aria-haspopup="dialog" aria-expanded="false"')
    if get("attrs"):
        parts.append(f" {get('attrs')}")  # trusted template strings only (see the component's notes)
    parts.append(">")
    if get("loading"):
        parts.append(f"<span data-spinner>{icon('spinner', **{'class': 'size-4 spin'})}</span>")
    if get("icon"):
        css = get("icon_class") or "size-4"
        parts.append(f'<span data-icon class="contents">{icon(get("icon"), **{"class": css})}</span>')
    if label and size != "icon":
        parts.append(f"<span data-label>{out(label)}</span>")
    if get("loading_label"):
        parts.append(f"<span data-loading-label>{out(get('loading_label'))}</span>")
    if get("icon_right"):
        parts.append(icon(get("icon_right"), **{"class": "size-4 -mr-0.5"}))
    parts.append("</a>" if href else "</button>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above went through render_value_in_context


PASS_THROUGH = ("csp_nonce", "request", "user", "studio", "csrf_token")


class ComponentNode(template.Node):
    def __init__(self, name, kwargs, nodelist):
        self.name, self.kwargs, self.nodelist = name, kwargs, nodelist

    def render(self, context) -> str:
        name = self.name.resolve(context)
        values = {key: value.resolve(context) for key, value in self.kwargs.items()}
        values["slot"] = mark_safe(self.nodelist.render(context))  # noqa: S308 - already-rendered, escaped template output
        # Components see only their own arguments (plus a few globals), so outer variables never leak in.
        for key in PASS_THROUGH:
            if key not in values:
                with contextlib.suppress(KeyError):
                    values[key] = context[key]
        tmpl = context.template.engine.get_template(f"components/{name}.html")
        return tmpl.render(context.new(values))


@register.tag
def component(parser, token):
    """{% component "name" key=value … %}body{% endcomponent %} → components/name.html with `slot` = body."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("component needs a name")
    name = parser.compile_filter(bits[1])
    kwargs = token_kwargs(bits[2:], parser, support_legacy=False)
    if len(kwargs) != len(bits) - 2:
        raise template.TemplateSyntaxError("component arguments must be key=value")
    nodelist = parser.parse(("endcomponent",))
    parser.delete_first_token()
    return ComponentNode(name, kwargs, nodelist)


@register.simple_tag
def widget(field, help="", **attrs) -> str:
    """Render a bound field's widget with extra attributes plus aria-invalid / aria-describedby.

    `help` is the helper text shown under the control (its id is `<auto_id>_help`); underscores in attribute
    names become dashes (data_testid → data-testid); empty values are dropped.
    """
    extra = {key.replace("_", "-"): value for key, value in attrs.items() if value not in (None, "", False)}
    described = []
    if help:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        extra["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_error")
    if described:
        extra["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=extra)


@register.filter
def split(value: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in str(value).split(sep) if part.strip()]


@register.filter
def pairs(value: str) -> list[tuple[str, str]]:
    """ "a:Alpha,b:Beta" → [("a", "Alpha"), ("b", "Beta")] (for tabs and similar option lists)."""
    result = []
    for part in split(value):
        key, _, label = part.partition(":")
        result.append((key.strip(), (label or key).strip()))
    return result


@register.filter
def as_str(value) -> str:
    return "" if value is None else str(value)


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def ratio_box(value: str, box: int = 26) -> str:
    """ "16:9" → inline style for a small rectangle of that shape that fits in a box×box px square."""
    try:
        w, h = (float(part) for part in str(value).split(":"))
    except ValueError:
        return f"width: {box * 0.8:.0f}px; height: {box * 0.65:.0f}px"
    scale = box / max(w, h)
    return f"width: {w * scale:.1f}px; height: {h * scale:.1f}px"


@register.filter
def meter(value: str, kind: str = "speed") -> int:
    """speed_class / quality_class → 1..3 bars."""
    scale = {"speed": {"slow": 1, "standard": 2, "fast": 3}, "quality": {"draft": 1, "standard": 2, "high": 3}}
    return scale.get(kind, {}).get(str(value), 2)


_MENTION = re.compile(r"(?<![\w.])(@[\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


@register.filter
def mentions(text: str) -> str:
    """Comment text, escaped, with @mentions highlighted."""
    escaped = str(escape(text or ""))
    return mark_safe(  # noqa: S308 - the text was escaped first; only our own <span> is added
        _MENTION.sub(r'<span class="font-medium text-primary-700 dark:text-primary-300">\1</span>', escaped)
    )
