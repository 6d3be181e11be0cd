"""Rendering one settings tab inside the shared frame."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from imagestudio.preferences.tabs import tab_links


def render_tab(
    request: HttpRequest, slug: str, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    return render(request, template, {**(context or {}), "tabs": tab_links(slug), "tab": slug}, status=status)
