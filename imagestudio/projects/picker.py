"""The "add images" page that projects and collections share: the candidate images as checkboxes, newest
first, a page at a time by cursor; a POST hands the chosen ones (every one must be allowed, in the order they
were ticked) to the caller's `add`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from imagestudio.gallery.models import Image
from imagestudio.lib.pagination import BadCursor, paginate_newest_first
from imagestudio.projects.forms import ImageChoiceForm

CANDIDATES_PER_PAGE = 48


@dataclass(frozen=True)
class PickerPage:
    """What the shared page (projects/image_picker.html) says for one kind of target."""

    target_name: str
    detail_url: str
    action_url: str
    subtitle: str
    submit_label: str
    empty_description: str


def pick_images(
    request: HttpRequest,
    *,
    candidates: QuerySet[Image],
    allowed: QuerySet[Image],
    add: Callable[[list[Image]], HttpResponse],
    page: PickerPage,
) -> HttpResponse:
    form = ImageChoiceForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        ids = form.cleaned_data["image_ids"]
        images = list(allowed.filter(pk__in=ids))
        if len(images) != len(ids):
            raise Http404("No such image.")
        order = {image_id: index for index, image_id in enumerate(ids)}
        return add(sorted(images, key=lambda image: order[image.pk]))
    cursor = request.GET.get("cursor") or None
    try:
        choices = paginate_newest_first(candidates.select_related("project"), cursor, CANDIDATES_PER_PAGE)
    except BadCursor as exc:
        messages.error(request, str(exc))
        return redirect(request.path)
    context = {
        "picker": page,
        "form": form,
        "page": choices,
        "chosen": {str(value) for value in request.POST.getlist("image_ids")},
        "next_url": "?" + urlencode({"cursor": choices.next_cursor}) if choices.next_cursor else "",
    }
    if getattr(request, "htmx", False) and cursor:
        return render(request, "projects/partials/image_choices.html", context)
    return render(request, "projects/image_picker.html", context, status=422 if form.is_bound else 200)
