from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from imagestudio.collections.selectors import add_targets
from imagestudio.demo.access import is_demo
from imagestudio.projects.selectors import move_targets
from imagestudio.workspaces.current import switcher

# Sidebar entries: (url name, label, icon name). Pages join this list as they are built.
NAV_ITEMS = [
    ("dashboard", _("Dashboard"), "home"),
    ("generate", _("Generate"), "sparkles"),
    ("image_list", _("My images"), "images"),
    ("project_list", _("Projects"), "projects"),
    ("collection_list", _("Collections"), "bookmark"),
    ("prompt_library", _("Prompts"), "prompts"),
    ("share_list", _("Share links"), "share"),
    ("explore", _("Public gallery"), "eye"),
    ("models", _("Models"), "models"),
    ("notifications", _("Notifications"), "notifications"),
    ("batch_list", _("Batches"), "layers"),
    ("queue", _("Queue"), "queue"),
    ("usage", _("Usage"), "usage"),
    ("settings", _("Settings"), "settings"),
]


def studio(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    return {
        "studio": {
            "name": "AI Image Studio",
            "offline": not settings.FAL_KEY,
            "needs_email_verification": signed_in and not _verified(request, user),
        },
        "workspace_menu": SimpleLazyObject(lambda: _menu(request)) if signed_in else None,
        "move_targets": SimpleLazyObject(lambda: _move_targets(request)) if signed_in else [],
        # Read only by pages with a selection bar (gallery, project page): no query elsewhere.
        "collection_targets": SimpleLazyObject(lambda: add_targets(request.user, _menu(request)["current"].pk))
        if signed_in
        else [],
        "nav_items": [
            {"url": reverse(name), "label": label, "icon": icon, "active": name == current or _within(name, current)}
            for name, label, icon in NAV_ITEMS
        ]
        if signed_in
        else [],
    }


def _within(name: str, current: str | None) -> bool:
    """The Settings entry stays lit on every settings tab (settings_account, settings_security…), Models on a
    model's page."""
    if name == "models":
        return current == "model_detail"
    return name == "settings" and bool(current) and str(current).startswith("settings_")


def _menu(request) -> dict:
    # Cached per request: the sidebar and the drop targets both need the current workspace.
    if not hasattr(request, "_workspace_menu"):
        request._workspace_menu = switcher(request)
    return request._workspace_menu


def _move_targets(request) -> list:
    """Projects the current workspace's images can be dragged or moved into (none for viewers)."""
    return move_targets(request.user, _menu(request)["current"].pk)


def _verified(request, user) -> bool:
    # Cached per request: the banner check must not add a query to every partial.
    if not hasattr(request, "_email_verified"):
        # A demo account has no address to verify (it shows its own banner instead).
        request._email_verified = is_demo(user) or user.email_verified
    return request._email_verified
