"""Search engines and link previews: absolute URLs on the public origin, JSON-LD blocks, `noindex`.

Absolute URLs are built from settings.APP_URL, never from the request's Host header: a crawler or a
preview bot must always be sent to the canonical origin, whatever host name it reached us by.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.safestring import SafeString, mark_safe

SCHEMA_ORG = "https://schema.org"
# Like django.utils.html.json_script: nothing in the data can close the <script> element or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    """`path` (starting with /) on the public origin."""
    return settings.APP_URL + path


def json_ld(data: dict[str, Any]) -> SafeString:
    """`data` as the body of a `<script type="application/ld+json">` element, safe to put there as is."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - every <, > and & escaped above


def noindex[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Keep a view's answers out of search indexes (`X-Robots-Tag`), files included, which have no <meta>."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped  # type: ignore[return-value]
