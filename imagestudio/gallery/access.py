"""Access to images: answered by `workspaces.access`, the one place that decides (kept as the gallery's
entry point so its views and API read naturally)."""

from __future__ import annotations

from imagestudio.workspaces.access import get_image_for, images_visible_to

__all__ = ["get_image_for", "images_visible_to"]
