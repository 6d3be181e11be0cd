"""The request type that signed-in pages receive, for type checking views."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from imagestudio.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request to a `login_required` view: `user` is a real account, and django-htmx's middleware
    has added `htmx` (truthy when HTMX sent the request). Only an annotation; no instance is ever built."""

    user: User
    htmx: HtmxDetails
