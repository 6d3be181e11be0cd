"""The public gallery: images their owners opted in, one by one or through a public project."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from imagestudio.demo.access import refuse
from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import Page, paginate_newest_first
from imagestudio.preferences.privacy import shown_name
from imagestudio.projects.models import Project

PUBLIC = Q(is_public=True) | Q(project__is_public=True, project__is_archived=False)


def public_images() -> QuerySet[Image]:
    """Every public image, for lookups by id. Lists go through `newest_public`: this OR over a join is read
    row by row along the time index, which at a million images takes seconds."""
    return Image.objects.alive().filter(PUBLIC)


def public_parts(where: Q | None = None) -> list[QuerySet[Image]]:
    """`public_images()` (narrowed by `where`) as disjoint parts, each with its own index to follow: images
    published one by one (the partial index images_public_newest), and the others in public projects."""
    parts = [Image.objects.alive().filter(is_public=True)]
    projects = list(Project.objects.filter(is_public=True, is_archived=False).values_list("id", flat=True))
    if projects:
        parts.append(Image.objects.alive().filter(is_public=False, project_id__in=projects))
    return [part.filter(where) if where is not None else part for part in parts]


def newest_public(
    cursor: str | None = None, limit: int = 40, *, where: Q | None = None, related: tuple[str, ...] = ("model",)
) -> Page:
    """Public images newest first, after `cursor`: the first `limit + 1` ids of each part, then their rows."""
    ids: list = []
    for part in public_parts(where):
        ids += [row.pk for row in paginate_newest_first(part.only("id", "created_at"), cursor, limit + 1).items]
    if not ids:
        return Page(items=[], next_cursor=None)
    return paginate_newest_first(Image.objects.filter(pk__in=ids).select_related(*related), None, limit)


def public_page(cursor: str | None = None, limit: int = 40) -> Page:
    """A page of public images, each with `creator_name`: the owner's name only if their profile is public."""
    page = newest_public(cursor, limit, related=("model", "user__user_settings"))
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
