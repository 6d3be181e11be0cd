"""One public image's own page (no account needed): what search engines and link previews point at."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext

from imagestudio.gallery import public
from imagestudio.gallery.models import Image
from imagestudio.lib.seo import SCHEMA_ORG, absolute_url
from imagestudio.preferences.privacy import shown_name


def explore_image(request: HttpRequest, image_id) -> HttpResponse:
    image = public.get_public_image(image_id)
    creator_name = str(shown_name(image.user))
    title = image.title or Truncator(image.prompt).chars(70) or gettext("Public image")
    description = Truncator(" ".join(image.prompt.split())).chars(160) or gettext(
        "An image made with AI Image Studio and shared in its public gallery."
    )
    thumb_url = absolute_url(reverse("explore_thumb", args=[image.pk]))
    context = {
        "image": image,
        "creator_name": creator_name,
        "page_title": title,
        "page_description": description,
        "thumb_url": thumb_url,
        "structured_data": image_object(image, name=title, creator_name=creator_name, thumb_url=thumb_url),
    }
    return render(request, "gallery/explore_image.html", context)


def image_object(image: Image, *, name: str, creator_name: str, thumb_url: str) -> dict[str, Any]:
    """schema.org ImageObject. Only the thumbnail is served publicly, so it is the content URL too."""
    return {
        "@context": SCHEMA_ORG,
        "@type": "ImageObject",
        "name": name,
        "description": image.prompt,
        "url": absolute_url(reverse("explore_image", args=[image.pk])),
        "contentUrl": thumb_url,
        "thumbnailUrl": thumb_url,
        "uploadDate": image.created_at.isoformat(),
        "dateModified": image.updated_at.isoformat(),
        "creator": {"@type": "Person", "name": creator_name},
    }
