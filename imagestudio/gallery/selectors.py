from __future__ import annotations

from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import Page, paginate_newest_first

PAGE_SIZE = 40


def my_images(user, q: str = ""):
    """A user's live images, optionally those whose prompt contains every word of `q`."""
    queryset = Image.objects.alive().owned_by(user)
    for word in q.split()[:8]:
        queryset = queryset.filter(prompt__icontains=word)
    return queryset


def images_page(user, cursor: str | None = None, limit: int = PAGE_SIZE, q: str = "") -> Page:
    return paginate_newest_first(my_images(user, q).select_related("model"), cursor, limit)
