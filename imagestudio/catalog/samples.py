"""Pictures made with a model, for its page: the visitor's own recent ones and public gallery ones."""

from __future__ import annotations

from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.gallery.public import public_images


def own_images(user, model: AIModel, limit: int) -> list[Image]:
    """The user's own images (not in the trash) made with `model`, newest first."""
    return list(Image.objects.alive().owned_by(user).filter(model=model).order_by("-created_at", "-id")[:limit])


def public_images_of(model: AIModel, *, exclude_user=None, limit: int) -> list[Image]:
    """Public gallery images made with `model`, newest first; the user's own are shown apart, so left out."""
    images = public_images().filter(model=model)
    if exclude_user is not None:
        images = images.exclude(user=exclude_user)
    return list(images.order_by("-created_at", "-id")[:limit])
