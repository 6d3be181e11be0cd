"""robots.txt, the sitemap index and the site's Open Graph picture."""

from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from imagestudio.lib.seo import absolute_url
from imagestudio.web import og_image
from imagestudio.web.sitemaps import SITEMAPS

# Signed-in areas and machinery: nothing there for a search engine (and most of it answers a login redirect).
# The log-in and sign-up pages are public and listed in the sitemap, so they are let through /accounts/.
# /static/ and /jsi18n/ stay open: crawlers render pages with their styles and scripts.
# Share links (/s/…) are not listed: blocking them here would hide their `noindex` from crawlers that
# learnt a link elsewhere, and the page could still be indexed by its URL alone.
DISALLOWED = (
    "/api/",
    "/accounts/",
    "/admin/",
    "/batches/",
    "/collections/",
    "/dashboard/",
    "/generate/",
    "/i18n/",
    "/images/",
    "/invitations/",
    "/notifications/",
    "/projects/",
    "/prompts/",
    "/queue/",
    "/settings/",
    "/shares/",
    "/staff/",
    "/workspaces/",
)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Allow: /$",
        f"Allow: {reverse('explore')}",
        f"Allow: {reverse('account_login')}$",
        f"Allow: {reverse('account_signup')}$",
        *(f"Disallow: {path}" for path in DISALLOWED),
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=60 * 60)
    return response


@require_safe
def sitemap_index(request: HttpRequest) -> TemplateResponse:
    """Every page of every section, on APP_URL (Django's own index view would use the request's host)."""
    items = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse("sitemap_section", kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        for page in sitemap.paginator.page_range:
            page_url = location + (f"?p={page}" if page > 1 else "")
            items.append(sitemap_views.SitemapIndexItem(page_url, lastmod))  # type: ignore[arg-type] # stub says bool
    response = TemplateResponse(request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"  # as Django's sitemap views: the file itself is no page
    return response


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, sitemaps={**SITEMAPS}, section=section)


@require_safe
def og_image_png(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(og_image.png(), content_type="image/png")
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    patch_vary_headers(response, ["Accept-Language"])  # the tagline is translated
    return response
