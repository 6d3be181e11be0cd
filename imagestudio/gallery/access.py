"""Access to images in one place. Team workspaces and share links will plug in here."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404

from imagestudio.gallery.models import Image

Permission = Literal["view", "edit"]


def get_image_for(user, image_id, permission: Permission = "view") -> Image:
    """The image if `user` may act on it; 404 otherwise (never reveal that someone else's exists)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such image.")
    try:
        return Image.objects.alive().select_related("model").get(pk=image_id, user=user)
    except (Image.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such image.") from None
