"""The public gallery: images their owners opted in, one by one or through a public project."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from imagestudio.demo.access import refuse
from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import Page, paginate_newest_first
from imagestudio.preferences.privacy import shown_name

PUBLIC = Q(is_public=True) | Q(project__is_public=True, project__is_archived=False)


def public_images() -> QuerySet[Image]:
    return Image.objects.alive().filter(PUBLIC)


def public_page(cursor: str | None = None, limit: int = 40) -> Page:
    """A page of public images, each with `creator_name`: the owner's name only if their profile is public."""
    page = paginate_newest_first(public_images().select_related("model", "user__user_settings"), cursor, limit)
    for image in page.items:
        image.creator_name = shown_name(image.user)
    return page


def get_public_image(image_id) -> Image:
    try:
        return public_images().select_related("model").get(pk=image_id)
    except (Image.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such public image.") from None


def set_public(image: Image, is_public: bool) -> Image:
    if is_public:
        refuse(image.user, "publish")
    image.is_public = is_public
    image.save(update_fields=["is_public", "updated_at"])
    return image
