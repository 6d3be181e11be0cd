from __future__ import annotations

from imagestudio.gallery.models import Image
from imagestudio.web.pagination import Page, paginate_newest_first

PAGE_SIZE = 40


def images_page(user, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    queryset = Image.objects.alive().owned_by(user).select_related("model")
    return paginate_newest_first(queryset, cursor, limit)
