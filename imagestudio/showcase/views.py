from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from imagestudio.showcase.services import PREFIX

# Only the WebP renditions, by their own file name: nothing outside showcase/ can be named.
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}\.webp$")


@require_safe
def showcase_file(request: HttpRequest, name: str) -> FileResponse:
    """A public showcase picture, streamed from storage (disk or S3) with a year of caching: its name carries
    the recipe hash, so the bytes behind a URL never change."""
    if not _NAME.match(name):
        raise Http404("No such showcase image.")
    try:
        handle = default_storage.open(PREFIX + name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such showcase image.") from None
    response = FileResponse(handle, content_type="image/webp")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
