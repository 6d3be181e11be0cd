"""Placeholders until each tab's real view replaces its line in urls.py (then delete it from here)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required

from imagestudio.preferences.rendering import render_tab
from imagestudio.preferences.tabs import TABS


def _placeholder(slug: str):
    label = next(label for s, label, _icon, _name in TABS if s == slug)

    @login_required
    def view(request):
        return render_tab(request, slug, "settings/placeholder.html", {"heading": label})

    return view


api_keys = _placeholder("api-keys")
billing = _placeholder("billing")
data = _placeholder("data")
danger = _placeholder("danger")
