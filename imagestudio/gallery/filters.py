"""Gallery filters and sorts: one parser for the page's URL and the API's query parameters (same names).

    filters = parse_filters(request.GET)          # FilterError(field, message) for a bad value
    images = filtered_images(request.user, filters)  # alive images the user may see, filtered and ordered

Parameter names (URL and API alike): q, seed, date_from, date_to (YYYY-MM-DD), model (name or endpoint id),
project (id, or "none" for images outside projects), collection (id), tags (repeat it, or comma-separated;
every tag must match), favourite (1/0; "favorite" is accepted too), rating_min (1-5), aspect (landscape,
portrait, square), min_width, min_height, format (png, jpeg, webp, avif), provider (offline, fal), sort
(newest, oldest, rating, name, model). Smart collections store these raw parameters and call
`filtered_images(user, parse_filters(params))`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.apps import apps
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf, Substr
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from imagestudio.catalog.models import AIModel
from imagestudio.gallery import search
from imagestudio.gallery.models import Image, ImageTag
from imagestudio.workspaces import access

SORTS = ("newest", "oldest", "rating", "name", "model")
SORT_LABELS = {
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
    "rating": gettext_lazy("Highest rated"),
    "name": gettext_lazy("Name (A–Z)"),
    "model": gettext_lazy("Model"),
}
ASPECTS = ("landscape", "portrait", "square")
FORMATS = ("png", "jpeg", "webp", "avif")
FORMAT_ALIASES = {"jpg": "jpeg"}
PROVIDERS = ("offline", "fal")
MAX_TAGS = 10
MAX_TAG = 50
MAX_QUERY = 200
MAX_PIXELS = 100_000
SEED_RANGE = (-(2**63), 2**63 - 1)
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}

# Parameters that make up a filter (everything but paging); the page keeps them in its links.
PARAMS = (
    "q",
    "seed",
    "date_from",
    "date_to",
    "model",
    "project",
    "collection",
    "tags",
    "favourite",
    "rating_min",
    "aspect",
    "min_width",
    "min_height",
    "format",
    "provider",
    "sort",
)


FIELD_LABELS = {
    "q": gettext_lazy("Search"),
    "seed": gettext_lazy("Seed"),
    "date_from": gettext_lazy("From date"),
    "date_to": gettext_lazy("To date"),
    "model": gettext_lazy("Model"),
    "project": gettext_lazy("Project"),
    "collection": gettext_lazy("Collection"),
    "tags": gettext_lazy("Tags"),
    "favourite": gettext_lazy("Favourites"),
    "rating_min": gettext_lazy("Minimum rating"),
    "aspect": gettext_lazy("Aspect ratio"),
    "min_width": gettext_lazy("Minimum width"),
    "min_height": gettext_lazy("Minimum height"),
    "format": gettext_lazy("Format"),
    "provider": gettext_lazy("Engine"),
    "sort": gettext_lazy("Sort"),
    "jump": gettext_lazy("Jump to date"),
    "limit": gettext_lazy("Page size"),
}


def query_string(params: Mapping[str, Any]) -> str:
    """The filter and sort parameters of `params` as a query string (no cursor, jump or view): for links."""
    from urllib.parse import urlencode

    pairs = [(name, value) for name in (*PARAMS, "favorite") for value in _values(params, name) if value.strip()]
    return urlencode(pairs)


class FilterError(ValueError):
    """A filter value that can't be used: `field` names the parameter, `message` says what to send."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class ImageFilters:
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    model: str | None = None
    project: uuid.UUID | str | None = None  # a project id, or "none" for images outside any project
    collection: uuid.UUID | None = None
    tags: list[str] = field(default_factory=list)
    favourite: bool | None = None
    rating_min: int | None = None
    aspect: str | None = None
    min_width: int | None = None
    min_height: int | None = None
    format: str | None = None
    provider: str | None = None
    seed: int | None = None
    sort: str = "newest"

    @cached_property
    def model_ids(self) -> list:
        """The catalog ids `model` names (by name or endpoint id), looked up once for every part of a page."""
        named = AIModel.objects.filter(Q(name=self.model) | Q(endpoint_id=self.model))
        return list(named.values_list("id", flat=True))

    @property
    def active(self) -> bool:
        """Anything narrowing the set (the sort alone does not)."""
        return any(getattr(self, f.name) not in (None, "", []) for f in fields(self) if f.name != "sort")

    def as_params(self) -> dict[str, Any]:
        """The query parameters that give these filters back (for links, smart collections and the URL)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", []) or (f.name == "sort" and value == "newest"):
                continue
            if f.name == "tags":
                out["tags"] = list(value)
            elif isinstance(value, bool):
                out[f.name] = "1" if value else "0"
            elif isinstance(value, date):
                out[f.name] = value.isoformat()
            else:
                out[f.name] = str(value)
        return out


# -- parsing ---------------------------------------------------------------------------------------


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist is not None else params.get(name)
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def _one(params: Mapping[str, Any], name: str) -> str:
    values = [v.strip() for v in _values(params, name) if v.strip()]
    return values[-1] if values else ""


def _int(params: Mapping[str, Any], name: str, low: int, high: int, what: str) -> int | None:
    raw = _one(params, name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise FilterError(name, gettext("Must be a whole number (%(what)s).") % {"what": what}) from None
    if not low <= value <= high:
        raise FilterError(
            name, gettext("Must be between %(low)s and %(high)s (%(what)s).") % {"low": low, "high": high, "what": what}
        )
    return value


def _date(params: Mapping[str, Any], name: str) -> date | None:
    raw = _one(params, name)
    if not raw:
        return None
    try:
        if len(raw) == 7:  # a month: YYYY-MM
            return date.fromisoformat(raw + "-01")
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(name, gettext("Must be a date like 2025-01-31.")) from None


def _uuid(params: Mapping[str, Any], name: str, *, allow_none_word: bool = False) -> uuid.UUID | str | None:
    raw = _one(params, name)
    if not raw:
        return None
    if allow_none_word and raw.lower() == "none":
        return "none"
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise FilterError(name, gettext("Not a valid id.")) from None


def _choice(params: Mapping[str, Any], name: str, choices: tuple[str, ...], aliases: dict | None = None) -> str | None:
    raw = _one(params, name).lower()
    if not raw:
        return None
    raw = (aliases or {}).get(raw, raw)
    if raw not in choices:
        raise FilterError(name, gettext("Must be one of: %(choices)s.") % {"choices": ", ".join(choices)})
    return raw


def _tags(params: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for value in _values(params, "tags") + _values(params, "tag"):
        for part in value.split(","):
            name = " ".join(part.split()).lower()
            if not name:
                continue
            if len(name) > MAX_TAG:
                raise FilterError("tags", gettext("A tag is at most %(max_tag)s characters.") % {"max_tag": MAX_TAG})
            if name not in names:
                names.append(name)
    if len(names) > MAX_TAGS:
        raise FilterError("tags", gettext("Filter by at most %(max_tags)s tags at once.") % {"max_tags": MAX_TAGS})
    return names


def _favourite(params: Mapping[str, Any]) -> bool | None:
    name = "favourite" if _one(params, "favourite") else "favorite"
    raw = _one(params, name).lower()
    if not raw:
        return None
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise FilterError("favourite", gettext("Must be 1 (favourites only) or 0 (everything but favourites)."))


def parse_filters(params: Mapping[str, str | list]) -> ImageFilters:
    """Filters from query parameters (a QueryDict, or a plain dict of strings or lists). Raises FilterError."""
    q = " ".join(_one(params, "q").split())
    if len(q) > MAX_QUERY:
        raise FilterError("q", gettext("Search for at most %(max_query)s characters.") % {"max_query": MAX_QUERY})
    model = _one(params, "model")
    if len(model) > 200:
        raise FilterError("model", gettext("Not a model name."))
    collection = _uuid(params, "collection")
    filters = ImageFilters(
        q=q,
        seed=_int(params, "seed", SEED_RANGE[0], SEED_RANGE[1], "the exact seed"),
        date_from=_date(params, "date_from"),
        date_to=_date(params, "date_to"),
        model=model or None,
        project=_uuid(params, "project", allow_none_word=True),
        collection=collection if isinstance(collection, uuid.UUID) else None,
        tags=_tags(params),
        favourite=_favourite(params),
        rating_min=_int(params, "rating_min", 1, 5, "stars"),
        aspect=_choice(params, "aspect", ASPECTS),
        min_width=_int(params, "min_width", 1, MAX_PIXELS, "pixels"),
        min_height=_int(params, "min_height", 1, MAX_PIXELS, "pixels"),
        format=_choice(params, "format", FORMATS, FORMAT_ALIASES),
        provider=_choice(params, "provider", PROVIDERS),
        sort=_choice(params, "sort", SORTS) or "newest",
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise FilterError("date_to", gettext("The end date is before the start date."))
    return filters


def parse_jump(params: Mapping[str, str | list]) -> date | None:
    """The `jump` parameter: a date (or a month, YYYY-MM) to start a newest/oldest list at. A month starts
    at its last day for newest first, at its first day for oldest first."""
    day = _date(params, "jump")
    if day is not None and len(_one(params, "jump")) == 7 and _one(params, "sort").lower() != "oldest":
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return day


# -- applying --------------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _collection_condition(user, collection_id: uuid.UUID) -> Q:
    """Images in that collection, if the user may see the collection (its entries come from the app
    registry: the collections app builds on the gallery, not the other way round)."""
    entries = apps.get_model("collections", "CollectionImage").objects
    visible = entries.filter(
        image=OuterRef("pk"), collection_id=collection_id, collection__workspace_id__in=access.workspace_ids(user)
    )
    return Q(Exists(visible))


def apply_filters(
    queryset: QuerySet[Image], user, filters: ImageFilters, *, owner: uuid.UUID | None = None, counting: bool = False
) -> QuerySet[Image]:
    """Narrow `queryset` by everything in `filters` except the order (one SQL query, subqueries only).
    `owner`: every row of `queryset` is this person's (search then reads only their matches); `counting`: the
    query counts rather than pages (see `search.matching`)."""
    if filters.q:
        queryset = queryset.filter(search.matching(filters.q, owner=owner, lead=counting))
    if filters.seed is not None:
        queryset = queryset.filter(seed=filters.seed)
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=day_start(filters.date_to + timedelta(days=1)))
    if filters.model:
        # The ids as values, not a subquery: the planner can then weigh the (user, model, time) index.
        queryset = queryset.filter(model_id__in=filters.model_ids)
    if filters.provider:
        queryset = queryset.filter(model_id__in=AIModel.objects.filter(provider=filters.provider).values("id"))
    if filters.project == "none":
        queryset = queryset.filter(project__isnull=True)
    elif filters.project:
        queryset = queryset.filter(project_id=filters.project)
    if filters.collection:
        condition = _collection_condition(user, filters.collection)
        if condition is not None:
            queryset = queryset.filter(condition)
    for tag in filters.tags:
        queryset = queryset.filter(Exists(ImageTag.objects.filter(image_id=OuterRef("pk"), name=tag)))
    if filters.favourite is not None:
        queryset = queryset.filter(is_favorite=filters.favourite)
    if filters.rating_min:
        queryset = queryset.filter(rating__gte=filters.rating_min)
    if filters.aspect == "landscape":
        queryset = queryset.filter(width__gt=F("height"))
    elif filters.aspect == "portrait":
        queryset = queryset.filter(height__gt=F("width"))
    elif filters.aspect == "square":
        queryset = queryset.filter(width=F("height"))
    if filters.min_width:
        queryset = queryset.filter(width__gte=filters.min_width)
    if filters.min_height:
        queryset = queryset.filter(height__gte=filters.min_height)
    if filters.format:
        queryset = queryset.filter(format=filters.format)
    return queryset


# -- sorting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One column of a sort: `name` is a model field or an annotation added by `order`."""

    name: str
    descending: bool
    nullable: bool = False  # NULLs come last, whatever the direction


SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    "newest": (SortKey("created_at", True), SortKey("id", True)),
    "oldest": (SortKey("created_at", False), SortKey("id", False)),
    "rating": (SortKey("rating", True, nullable=True), SortKey("created_at", True), SortKey("id", True)),
    "name": (SortKey("browse_name", False), SortKey("id", False)),
    "model": (SortKey("browse_model", False, nullable=True), SortKey("created_at", True), SortKey("id", True)),
}


def order(queryset: QuerySet[Image], sort: str) -> QuerySet[Image]:
    """Order by the sort's keys (the last is always the id, so the order is total and keyset-safe)."""
    if sort == "name":
        # The title if there is one, else the prompt; case-insensitive, first 100 characters.
        queryset = queryset.annotate(browse_name=Lower(Substr(Coalesce(NullIf("title", Value("")), "prompt"), 1, 100)))
    elif sort == "model":
        queryset = queryset.annotate(browse_model=Lower("model__display_name"))
    terms = []
    for key in SORT_KEYS[sort]:
        expression = F(key.name)
        if key.nullable:
            terms.append(expression.desc(nulls_last=True) if key.descending else expression.asc(nulls_last=True))
        else:
            terms.append(expression.desc() if key.descending else expression.asc())
    return queryset.order_by(*terms)


def filtered_images(user, filters: ImageFilters) -> QuerySet[Image]:
    """Alive images `user` may see, narrowed by `filters` and ordered by its sort (ties broken by id)."""
    return order(apply_filters(access.images_visible_to(user), user, filters), filters.sort)
