"""sitemap.xml: the public pages and every image its owner made public, on the public origin (APP_URL)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from imagestudio.gallery.models import Image
from imagestudio.gallery.public import public_parts


class _PublicOrigin(Sitemap):
    """Locations on APP_URL's scheme and host, whatever host the crawler asked for."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.APP_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.APP_URL).netloc


def _newest_public_change() -> datetime | None:
    changes = [part.aggregate(newest=Max("updated_at"))["newest"] for part in public_parts()]
    return max((change for change in changes if change is not None), default=None)


class PagesSitemap(_PublicOrigin):
    """The pages anyone may open; only the gallery has a last change worth telling (its newest image)."""

    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["landing", "explore", "account_login", "account_signup"]

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return {"landing": 1.0, "explore": 0.8}.get(item, 0.3)

    def lastmod(self, item: str) -> datetime | None:
        return _newest_public_change() if item == "explore" else None


class PublicImagesSitemap(_PublicOrigin):
    """One page per public image; 50,000 a sitemap page, each page one query (plus the paginator's count)."""

    changefreq = "monthly"
    priority = 0.5

    def items(self):
        # The public parts as one UNION ALL: each read along its own index (see gallery.public.public_parts).
        first, *rest = [part.only("id", "created_at", "updated_at").order_by() for part in public_parts()]
        return (first.union(*rest, all=True) if rest else first).order_by("-created_at", "-id")

    def location(self, item: Image) -> str:
        return reverse("explore_image", args=[item.pk])

    def lastmod(self, item: Image) -> datetime:
        return item.updated_at

    def get_latest_lastmod(self) -> datetime | None:
        return _newest_public_change()


SITEMAPS: dict[str, type[Sitemap]] = {"pages": PagesSitemap, "images": PublicImagesSitemap}
