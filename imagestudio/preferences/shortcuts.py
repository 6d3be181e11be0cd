"""The single-key keyboard shortcuts a user may remap (app.js reads the map from the page)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# action -> (default key, what it does). Chords (Ctrl+K, Ctrl+Enter), arrows and Esc stay fixed.
ACTIONS = {
    "search": ("/", _("Focus search")),
    "generate": ("g", _("Go to Generate")),
    "help": ("?", _("Show the keyboard shortcuts")),
}


def default_map() -> dict[str, str]:
    return {action: key for action, (key, _label) in ACTIONS.items()}


def merged(custom: dict) -> dict[str, str]:
    """The defaults with the user's keys laid over them (unknown actions ignored)."""
    return {**default_map(), **{a: k for a, k in (custom or {}).items() if a in ACTIONS}}
