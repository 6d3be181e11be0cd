"""GET /api/images (every filter and sort, keyset cursor) and GET /api/search/images (the same, by text).

Query parameters are the gallery page's URL parameters (see gallery/filters.py): q, seed, date_from,
date_to, model, project, collection, tags, favourite, rating_min, aspect, min_width, min_height, format,
provider, sort; plus cursor, limit (1-100) and jump (a date: start the newest/oldest list there).
A bad value answers 422 with {"detail", "field"}; a tampered cursor 400 with field "cursor".
"""

from __future__ import annotations

from ninja import Router, Schema, Status

from imagestudio.gallery.api import ImageOut
from imagestudio.gallery.filters import FilterError, parse_filters, parse_jump
from imagestudio.gallery.selectors import MAX_PAGE, PAGE_SIZE, browse_page

router = Router(tags=["images"])
search_router = Router(tags=["images"])


class BrowsePageOut(Schema):
    items: list[ImageOut]
    next_cursor: str | None


class FilterErrorOut(Schema):
    detail: str
    field: str


def _limit(raw: str | None) -> int:
    if raw in (None, ""):
        return PAGE_SIZE
    try:
        limit = int(raw)
    except ValueError:
        raise FilterError("limit", f"Must be a whole number from 1 to {MAX_PAGE}.") from None
    if not 1 <= limit <= MAX_PAGE:
        raise FilterError("limit", f"Must be a whole number from 1 to {MAX_PAGE}.")
    return limit


def _page(request, *, require_q: bool = False):
    try:
        filters = parse_filters(request.GET)
        if require_q and not filters.q and filters.seed is None:
            raise FilterError("q", "Say what to search for (or give an exact seed).")
        jump = parse_jump(request.GET)
        cursor = request.GET.get("cursor") or None
        return browse_page(request.user, filters, cursor, _limit(request.GET.get("limit")), jump=jump)
    except FilterError as exc:
        return Status(422, {"detail": exc.message, "field": exc.field})


# The parameters are declared for the API documentation; they are read (all of them, repeated `tags`
# included) from the query string by the one parser the page uses, so both answer alike.
@router.get("", response={200: BrowsePageOut, 400: dict, 422: FilterErrorOut}, url_name="images_browse")
def list_images(
    request,
    q: str = "",
    seed: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    model: str | None = None,
    project: str | None = None,
    collection: str | None = None,
    tags: str | None = None,
    favourite: str | None = None,
    rating_min: str | None = None,
    aspect: str | None = None,
    min_width: str | None = None,
    min_height: str | None = None,
    format: str | None = None,
    provider: str | None = None,
    sort: str = "newest",
    jump: str | None = None,
    cursor: str | None = None,
    limit: str | None = None,
):
    """Images you can see (yours, and your workspaces' projects), filtered and sorted; pass `next_cursor`
    back as `cursor` for the next page. `q` searches prompt, negative prompt, tags, title and notes."""
    return _page(request)


@search_router.get("/images", response={200: BrowsePageOut, 400: dict, 422: FilterErrorOut}, url_name="images_search")
def search_images(
    request,
    q: str = "",
    seed: str | None = None,
    model: str | None = None,
    tags: str | None = None,
    sort: str = "newest",
    cursor: str | None = None,
    limit: str | None = None,
):
    """Full-text search over prompt, negative prompt, tags, title and notes (`q` is required); takes every
    filter GET /api/images takes and answers the same way."""
    return _page(request, require_q=True)
