"""Search engines and link previews: robots.txt, sitemap.xml, per-page meta tags, JSON-LD, noindex on
share links and the site's Open Graph picture."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as PILImage

from imagestudio.gallery.models import Image
from imagestudio.sharing.services import LinkOptions, share_image
from tests.factories import make_image, make_project
from tests.serving import served_status

ORIGIN = "https://studio.example.com"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def public_origin(settings):
    """A public origin other than the test client's host (testserver): URLs must come from APP_URL."""
    settings.APP_URL = ORIGIN


class Head(HTMLParser):
    """The parts of a page search engines and previews read: title, metas, links, JSON-LD scripts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = ""
        self.metas: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.json_ld: list[dict] = []
        self.json_ld_nonces: list[str] = []
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag == "meta" and (key := attrs.get("property") or attrs.get("name")):
            self.metas[key] = attrs.get("content") or ""
        elif tag == "link" and attrs.get("rel"):
            self.links[attrs["rel"]] = attrs.get("href") or ""
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json_ld"
            self.json_ld_nonces.append(attrs.get("nonce") or "")

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json_ld":
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in = None


def head_of(response) -> Head:
    assert response.status_code == 200
    return Head(response.content.decode())


def xml_of(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, not untrusted input


def locations(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return [loc.text or "" for loc in xml_of(response).iterfind(".//sm:loc", SITEMAP_NS)]


@pytest.fixture
def images(alice, bob):
    """Alice's public image, one public through her public project, a private one and a trashed public one."""
    shown = make_image(user=alice, prompt="a lighthouse at dusk")
    shown.is_public = True
    shown.save()
    project = make_project(user=alice, name="Open work", is_public=True)
    in_project = make_image(user=alice, prompt="a harbour in fog", project=project)
    private = make_image(user=bob, prompt="my secret sketch")
    trashed = make_image(user=alice, prompt="thrown away")
    Image.objects.filter(pk=trashed.pk).update(is_public=True, deleted_at=timezone.now())
    return {"shown": shown, "in_project": in_project, "private": private, "trashed": trashed}


# -- robots.txt ---------------------------------------------------------------------------------------


def test_robots_txt_lets_public_pages_in_keeps_private_areas_out_and_names_the_sitemap(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[:5] == [
        "User-agent: *",
        "Allow: /$",
        "Allow: /explore/",
        "Allow: /accounts/login/$",
        "Allow: /accounts/signup/$",
    ]
    for private in ("/api/", "/settings/", "/accounts/", "/images/", "/generate/", "/dashboard/", "/shares/"):
        assert f"Disallow: {private}" in lines
    assert not any(line.startswith("Disallow: /s/") or line == "Disallow: /explore/" for line in lines)
    assert lines[-1] == f"Sitemap: {ORIGIN}/sitemap.xml"


# -- sitemap.xml ---------------------------------------------------------------------------------------


def test_sitemap_index_points_at_each_section_on_the_public_origin(client, images):
    assert locations(client.get("/sitemap.xml")) == [f"{ORIGIN}/sitemap-pages.xml", f"{ORIGIN}/sitemap-images.xml"]


def test_sitemap_lists_the_public_pages(client, images):
    assert locations(client.get("/sitemap-pages.xml")) == [
        f"{ORIGIN}/",
        f"{ORIGIN}/explore/",
        f"{ORIGIN}/accounts/login/",
        f"{ORIGIN}/accounts/signup/",
    ]


def test_sitemap_lists_exactly_the_public_images_with_their_last_change(client, images):
    response = client.get("/sitemap-images.xml")

    expected = [images["in_project"], images["shown"]]  # newest first
    assert locations(response) == [f"{ORIGIN}/explore/{image.pk}/" for image in expected]
    lastmods = [node.text for node in xml_of(response).iterfind(".//sm:lastmod", SITEMAP_NS)]
    assert lastmods == [image.updated_at.date().isoformat() for image in expected]
    body = response.content.decode()
    assert str(images["private"].pk) not in body
    assert str(images["trashed"].pk) not in body


def test_an_image_made_private_leaves_the_sitemap(client, images):
    Image.objects.filter(pk=images["shown"].pk).update(is_public=False)

    assert locations(client.get("/sitemap-images.xml")) == [f"{ORIGIN}/explore/{images['in_project'].pk}/"]


def test_a_sitemap_page_reads_the_images_in_one_query_however_many_there_are(client, alice):
    for n in range(5):
        image = make_image(user=alice, prompt=f"public {n}")
        Image.objects.filter(pk=image.pk).update(is_public=True)

    with CaptureQueriesContext(connection) as queries:
        assert len(locations(client.get("/sitemap-images.xml"))) == 5

    on_images = [q["sql"] for q in queries.captured_queries if '"images"' in q["sql"]]
    assert len(on_images) == 2  # the paginator's count and the page itself


# -- meta tags and structured data -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/explore/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_have_title_description_canonical_and_preview_tags(client, db, path):
    head = head_of(client.get(path))

    assert "AI Image Studio" in head.title
    assert len(head.metas["description"]) > 40
    assert head.links["canonical"] == f"{ORIGIN}{path}"
    assert head.metas["og:url"] == f"{ORIGIN}{path}"
    assert head.metas["og:type"] == "website"
    assert head.metas["og:title"] and head.metas["og:description"] == head.metas["description"]
    assert head.metas["og:image"] == f"{ORIGIN}/og-image.png"
    assert (head.metas["og:image:width"], head.metas["og:image:height"]) == ("1200", "630")
    assert head.metas["twitter:card"] == "summary_large_image"
    assert head.metas["twitter:image"] == f"{ORIGIN}/og-image.png"


def test_landing_page_describes_the_studio_in_json_ld_with_the_csp_nonce(client, db):
    response = client.get("/")
    head = head_of(response)

    assert len(head.json_ld) == 1
    data = head.json_ld[0]
    assert data["@context"] == "https://schema.org"
    assert [node["@type"] for node in data["@graph"]] == ["Organization", "WebSite"]
    assert {node["url"] for node in data["@graph"]} == {f"{ORIGIN}/"}
    nonce = head.json_ld_nonces[0]
    assert nonce and f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_public_image_page_previews_with_its_own_thumbnail_and_describes_it_as_an_image_object(client, images):
    image = images["shown"]
    path = f"/explore/{image.pk}/"
    head = head_of(client.get(path))

    assert head.title == "a lighthouse at dusk · AI Image Studio"
    assert head.metas["description"] == "a lighthouse at dusk"
    assert head.links["canonical"] == f"{ORIGIN}{path}"
    assert head.metas["og:type"] == "article"
    assert head.metas["og:image"] == f"{ORIGIN}/explore/{image.pk}/thumb"
    assert "og:image:width" not in head.metas  # the thumbnail's size is not the site picture's
    [data] = head.json_ld
    assert data["@type"] == "ImageObject"
    assert data["url"] == f"{ORIGIN}{path}"
    assert data["contentUrl"] == f"{ORIGIN}/explore/{image.pk}/thumb"
    assert data["uploadDate"] == image.created_at.isoformat()
    assert served_status(client.get(f"/explore/{image.pk}/thumb")) == 200  # the preview picture is served publicly


def test_image_in_a_public_project_has_a_page_but_a_private_or_trashed_one_does_not(client, images):
    assert client.get(f"/explore/{images['in_project'].pk}/").status_code == 200
    assert client.get(f"/explore/{images['private'].pk}/").status_code == 404
    assert client.get(f"/explore/{images['trashed'].pk}/").status_code == 404


def test_json_ld_cannot_be_closed_early_by_a_prompt(client, alice):
    prompt = 'a cat</script><script>alert("x")</script> & <!-- friends'
    image = make_image(user=alice, prompt=prompt)
    Image.objects.filter(pk=image.pk).update(is_public=True)

    response = client.get(f"/explore/{image.pk}/")
    html = response.content.decode()

    assert "<script>alert" not in html
    assert head_of(response).json_ld[0]["description"] == prompt


def test_the_gallery_links_each_image_to_its_page(client, images):
    html = client.get("/explore/").content.decode()

    assert html.count('data-testid="explore-image-link"') == 2
    assert f'href="/explore/{images["shown"].pk}/"' in html


# -- share links stay out of search indexes --------------------------------------------------------------


def test_password_protected_share_page_is_noindex(client, alice):
    image = make_image(user=alice)
    link = share_image(image, user=alice, options=LinkOptions(password="open-sesame-42"))

    response = client.get(f"/s/{link.share_token}/")

    assert response.status_code == 401
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert Head(response.content.decode()).metas["robots"] == "noindex"


def test_unlisted_share_page_and_its_images_are_noindex(client, alice):
    image = make_image(user=alice)
    link = share_image(image, user=alice, options=LinkOptions())

    page = client.get(f"/s/{link.share_token}/")
    thumb = client.get(f"/s/{link.share_token}/images/{image.pk}/thumb")

    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert head_of(page).metas["robots"] == "noindex"
    assert served_status(thumb) == 200
    assert thumb["X-Robots-Tag"] == "noindex, nofollow"


def test_public_pages_are_not_noindex(client, images):
    for path in ("/", "/explore/", f"/explore/{images['shown'].pk}/"):
        response = client.get(path)
        assert not response.has_header("X-Robots-Tag")
        assert "robots" not in head_of(response).metas


# -- the Open Graph picture ------------------------------------------------------------------------------


def test_og_image_is_a_1200_by_630_png(client, db):
    response = client.get("/og-image.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "max-age=86400" in response["Cache-Control"]
    picture = PILImage.open(io.BytesIO(response.content))
    assert (picture.format, picture.size) == ("PNG", (1200, 630))


def test_og_image_is_drawn_not_blank(client, db):
    picture = PILImage.open(io.BytesIO(Client().get("/og-image.png").content)).convert("L")

    low, high = picture.getextrema()
    assert high - low > 150  # white lettering on a dark background
