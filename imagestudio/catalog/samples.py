"""Pictures made with a model, for its page: the visitor's own recent ones and public gallery ones."""

from __future__ import annotations

from django.db.models import Q

from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.gallery.public import newest_public


def own_images(user, model: AIModel, limit: int) -> list[Image]:
    """The user's own images (not in the trash) made with `model`, newest first."""
    return list(Image.objects.alive().owned_by(user).filter(model=model).order_by("-created_at", "-id")[:limit])


def public_images_of(model: AIModel, *, exclude_user=None, limit: int) -> list[Image]:
    """Public gallery images made with `model`, newest first; the user's own are shown apart, so left out."""
    where = Q(model=model) & ~Q(user=exclude_user) if exclude_user is not None else Q(model=model)
    return newest_public(limit=limit, where=where).items
