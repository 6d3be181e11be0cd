"""Gzip for the text the app generates (pages, fragments, JSON, XML), as served by gunicorn directly.

A page is mostly markup and Tailwind class names: it shrinks 5-10× compressed, and on a phone connection those
bytes decide how soon the first paint can start. Django's GZipMiddleware does the work, including its mitigation
of BREACH (random bytes in the gzip header; CSRF tokens are masked per response anyway). It is narrowed here:
streamed responses (zip exports, image files that may answer Range requests) and binary types pass untouched,
because they are already compressed or must keep their length, and streams must not wait on a gzip buffer.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/rss+xml",
    "application/manifest+json",
    "image/svg+xml",
)


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        content_type = response.get("Content-Type", "").lower()
        if response.streaming or not content_type.startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)
