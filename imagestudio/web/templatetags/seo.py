"""Head tags for search engines and link previews.

{% load seo %}
{% seo_meta title description %}                    canonical link, Open Graph and Twitter card tags
{% seo_meta title description image=url type="article" image_alt=text %}
{% json_ld data %}                                   a JSON-LD <script> with the page's CSP nonce
{% site_json_ld %}                                   the studio as Organization and WebSite (landing page)
"""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from imagestudio.lib.seo import SCHEMA_ORG, absolute_url, json_ld
from imagestudio.web import og_image

register = template.Library()


def _site_name(context: template.Context) -> str:
    return (context.get("studio") or {}).get("name", "")


@register.inclusion_tag("web/seo/meta.html", takes_context=True)
def seo_meta(
    context: template.Context,
    title: str,
    description: str,
    *,
    image: str = "",
    image_alt: str = "",
    type: str = "website",
) -> dict[str, Any]:
    """Without `image`, the site's 1200×630 preview picture (with its size, which previews use to lay out)."""
    return {
        "title": title,
        "description": description,
        "url": absolute_url(context["request"].path),
        "type": type,
        "image": image or absolute_url(reverse("og_image")),
        "image_size": None if image else og_image.SIZE,
        "image_alt": image_alt or title,
        "site_name": _site_name(context),
    }


@register.simple_tag(takes_context=True, name="json_ld")
def json_ld_script(context: template.Context, data: dict[str, Any]) -> SafeString:
    return format_html(
        '<script type="application/ld+json" nonce="{}">{}</script>', context.get("csp_nonce", ""), json_ld(data)
    )


@register.simple_tag(takes_context=True)
def site_json_ld(context: template.Context) -> SafeString:
    """The studio for rich results. No SearchAction: the public gallery has no search to point one at."""
    name = _site_name(context)
    home = absolute_url(reverse("landing"))
    data = {
        "@context": SCHEMA_ORG,
        "@graph": [
            {
                "@type": "Organization",
                "@id": home + "#organization",
                "name": name,
                "url": home,
                "logo": absolute_url(static("dist/img/favicon.svg")),
            },
            {
                "@type": "WebSite",
                "@id": home + "#website",
                "name": name,
                "url": home,
                "publisher": {"@id": home + "#organization"},
                "inLanguage": get_language() or "en",
            },
        ],
    }
    return json_ld_script(context, data)
