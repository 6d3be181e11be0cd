"""The landing page: real showcase pictures from storage (rendered at seed time, idempotently), the model
carousel's accessible markup, pricing from CREDIT_PACKAGES, the FAQ, the footer's links and the demo button."""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from imagestudio.billing.packages import CREDIT_PACKAGES
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.public import set_public
from imagestudio.showcase import curated
from imagestudio.showcase.models import ShowcaseImage
from tests.factories import make_image
from tests.showcase_data import render_small_showcase, small_entries

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str | None = None, **attrs) -> list[dict]:
        return [
            found
            for name, found in self.tags
            if (tag is None or name == tag) and all(found.get(key.replace("_", "-")) == v for key, v in attrs.items())
        ]


def landing(client: Client | None = None) -> str:
    response = (client or Client()).get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def showcase(catalog):
    render_small_showcase()
    return ShowcaseImage.objects.all()


# -- showcase pictures ----------------------------------------------------------------------------------


def test_the_hero_and_gallery_show_the_rendered_pictures_whose_files_are_in_storage(showcase):
    tags = Tags(landing())
    pictures = tags.find("img", data_testid="showcase-image")
    hero_keys = [row.key for row in showcase if row.group == curated.HERO]
    assert len(hero_keys) == 4
    by_src = {row.src: row for row in showcase}
    shown = [by_src[img["src"]] for img in pictures]
    assert {row.key for row in shown} == {row.key for row in showcase}  # every picture, hero and gallery
    for row in shown:
        assert default_storage.exists(row.original)
        assert all(default_storage.exists(name) for name in row.variants.values())


def test_showcase_files_are_served_as_webp_with_a_year_of_caching(showcase):
    row = showcase.get(key="aurora")
    response = Client().get(row.src)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = b"".join(response.streaming_content)
    with default_storage.open(row.variants["384"], "rb") as handle:
        assert body == handle.read()
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"


def test_pictures_carry_srcset_sizes_dimensions_and_load_lazily_below_the_fold(showcase):
    tags = Tags(landing())
    pictures = tags.find("img", data_testid="showcase-image")
    assert all(img["width"] and img["height"] and img["sizes"] and img["alt"] for img in pictures)
    hero = section(landing(), "hero-title")
    hero_tags = Tags(hero).find("img", data_testid="showcase-image")
    assert len(hero_tags) == 4 and all(img["loading"] == "eager" for img in hero_tags)
    assert hero_tags[0].get("fetchpriority") == "high" and "fetchpriority" not in hero_tags[1]
    rest = pictures[len(hero_tags) :]
    assert rest and all(img["loading"] == "lazy" for img in rest)
    aurora = ShowcaseImage.objects.get(key="aurora")
    assert any(img["srcset"] == aurora.srcset for img in rest)
    assert re.fullmatch(r"\S+ 256w, \S+ 384w", aurora.srcset)
    assert any(img["width"] == "384" and img["height"] == "256" for img in rest)


def test_showcase_names_outside_the_showcase_are_not_served(showcase):
    client = Client()
    for name in ("..%2Fsettings.py", "aurora.png", "nothing-here.webp", "UPPER.webp"):
        assert client.get(f"/showcase/{name}").status_code == 404
    row = showcase.get(key="aurora")
    assert client.get(ShowcaseImage.url_for(row.original)).status_code == 404  # the PNG original stays private


def test_without_a_seeded_showcase_the_hero_falls_back_to_painted_scenes(catalog):
    html = landing()
    assert 'data-testid="showcase-image"' not in html
    assert '<svg viewBox="0 0 200 200"' in section(html, "hero-title")


# -- seeding ----------------------------------------------------------------------------------------------


def test_seeding_again_renders_nothing_and_keeps_the_files(showcase):
    names = {row.key: (row.original, dict(row.variants)) for row in showcase}
    report = render_small_showcase()
    assert (report.rendered, report.kept, report.removed) == (0, len(names), 0)
    assert {row.key: (row.original, row.variants) for row in ShowcaseImage.objects.all()} == names


def test_a_changed_entry_is_rendered_again_and_a_removed_one_deleted_with_its_files(showcase):
    entries = small_entries()
    old_aurora = showcase.get(key="aurora")
    old_desert = showcase.get(key="desert")
    changed = tuple(
        replace(entry, seed=entry.seed + 1) if entry.key == "aurora" else entry
        for entry in entries
        if entry.key != "desert"
    )
    report = render_small_showcase(changed)
    assert (report.rendered, report.kept, report.removed) == (1, len(entries) - 2, 1)
    aurora = ShowcaseImage.objects.get(key="aurora")
    assert aurora.seed == old_aurora.seed + 1 and aurora.original != old_aurora.original
    assert default_storage.exists(aurora.original)
    assert not default_storage.exists(old_aurora.original)
    assert not any(default_storage.exists(name) for name in (old_desert.original, *old_desert.variants.values()))
    assert not ShowcaseImage.objects.filter(key="desert").exists()


def test_a_picture_missing_from_storage_is_rendered_again(showcase):
    row = showcase.get(key="galaxy")
    default_storage.delete(row.original)
    assert render_small_showcase().rendered == 1
    assert default_storage.exists(ShowcaseImage.objects.get(key="galaxy").original)


def test_the_seed_command_renders_the_showcase_once(catalog, monkeypatch):
    monkeypatch.setattr(curated, "CURATED", small_entries()[:3])
    first, second = _seed(), _seed()
    assert "Showcase: 3 rendered, 0 unchanged, 0 removed" in first
    assert "Showcase: 0 rendered, 3 unchanged, 0 removed" in second


def _seed() -> str:
    from io import StringIO

    out = StringIO()
    call_command("seed", stdout=out)
    return out.getvalue()


def test_the_showcase_is_drawn_by_the_offline_engine_exactly_as_a_job_would(showcase):
    from imagestudio.showcase.services import render_png

    entry = next(entry for entry in small_entries() if entry.key == "neon-city")
    with default_storage.open(showcase.get(key="neon-city").original, "rb") as handle:
        assert handle.read() == render_png(entry)
    row = showcase.get(key="pixel-city")
    assert row.model == AIModel.objects.get(endpoint_id="offline/studio-turbo")
    assert row.parameters == {"num_inference_steps": 4, "guidance_scale": 5.0, "style": "pixel-art"}


# -- model carousel -----------------------------------------------------------------------------------------


def test_the_model_carousel_is_an_accessible_carousel_of_the_featured_models(showcase):
    html = landing()
    carousel = Tags(section(html, "models"))
    root = Tags(html).find("section", id="models")[0]
    assert root["aria-roledescription"] == "carousel" and root["aria-labelledby"] == "models-title"
    track = carousel.find(id="model-track")[0]
    assert track["tabindex"] == "0" and track["role"] == "group" and track["aria-label"]
    buttons = carousel.find("button", aria_controls="model-track")
    assert {b["aria-label"] for b in buttons} == {"Previous model", "Next model"}
    slides = carousel.find("article", data_testid="model-slide")
    featured = list(AIModel.objects.active().filter(is_featured=True).order_by("sort_order", "display_name"))
    assert len(slides) == len(featured) >= 3
    for number, (slide, model) in enumerate(zip(slides, featured, strict=True), start=1):
        assert slide["role"] == "group" and slide["aria-roledescription"] == "slide"
        assert slide["aria-label"] == f"{number} of {len(featured)}: {model.display_name}"


def test_each_featured_model_shows_a_picture_it_made_where_there_is_one(showcase):
    models_html = section(landing(), "models")
    offline_slide = models_html[models_html.index("1 of ") : models_html.index("2 of ")]
    aurora = showcase.get(key="aurora")  # the first gallery picture Studio Offline made
    assert aurora.src in offline_slide and "Studio Offline" in offline_slide
    fal_slide = models_html[models_html.index("2 of ") :]
    assert "FLUX" in fal_slide and "Illustration" in fal_slide  # fal models: painted art, said so


# -- example gallery ------------------------------------------------------------------------------------------


def test_the_example_gallery_adds_public_images_from_the_public_gallery(showcase, alice):
    public = make_image(user=alice, prompt="a public teal lighthouse")
    private = make_image(user=alice, prompt="a private red barn")
    set_public(public, True)
    gallery = section(landing(), "gallery")
    assert reverse("explore_thumb", args=[public.pk]) in gallery and "a public teal lighthouse" in gallery
    assert "a private red barn" not in gallery and str(private.pk) not in gallery
    assert gallery.count('data-testid="gallery-showcase"') == showcase.filter(group=curated.GALLERY).count()


# -- pricing, FAQ, CTAs, footer --------------------------------------------------------------------------------


def test_pricing_shows_every_credit_package_and_the_free_tier(catalog, settings):
    settings.STARTING_CREDITS = 321
    pricing = section(landing(), "pricing")
    for package in CREDIT_PACKAGES:
        tier = pricing[pricing.index(f'data-testid="tier-{package.slug}"') :]
        tier = tier[: tier.index("</article>")]
        assert f">{package.price}<" in tier
        assert f"{package.credits:,} credits" in tier
        if package.popular:
            assert "Most popular" in tier
    free = pricing[pricing.index('data-testid="tier-free"') :]
    assert "$0" in free and "321 starting credits" in free and "Unlimited renders on the offline engine" in free
    flux = AIModel.objects.get(endpoint_id="fal-ai/flux/dev")
    starter = CREDIT_PACKAGES[0]
    assert f"About {starter.credits // flux.cost_per_generation:,} images on {flux.display_name}" in pricing


def test_the_faq_is_a_list_of_native_disclosures(catalog):
    faq = section(landing(), "faq")
    assert faq.count("<details") == faq.count("<summary") >= 8
    assert "What is the demo?" in faq


def test_the_page_offers_sign_up_and_try_demo(catalog):
    tags = Tags(landing())
    assert tags.find("a", data_testid="hero-signup")[0]["href"] == reverse("account_signup")
    forms = tags.find("form", data_testid="demo-form")
    assert len(forms) == 2 and all(f["action"] == reverse("demo_start") and f["method"] == "post" for f in forms)
    assert tags.find("input", name="csrfmiddlewaretoken")


def test_every_footer_link_leads_to_a_page_that_exists(catalog):
    html = landing()
    footer = html[html.index("<footer") : html.index("</footer>")]
    links = [attrs["href"] for _tag, attrs in Tags(footer).tags if _tag == "a" and "href" in attrs]
    assert {"/#pricing", "/explore/", "/api/docs"} <= set(links)
    client = Client()
    for href in links:
        path = urlsplit(href).path or "/"
        assert client.get(path).status_code == 200, href


def test_social_links_show_only_when_configured(catalog, settings):
    assert 'data-testid="social-links"' not in landing()
    settings.SOCIAL_LINKS = {"github": "https://github.com/example/studio", "mastodon": "https://mastodon.example/@s"}
    tags = Tags(landing())
    github = tags.find("a", data_testid="social-github")[0]
    assert github["href"] == "https://github.com/example/studio" and github["aria-label"] == "GitHub"
    assert tags.find("a", data_testid="social-mastodon") and not tags.find("a", data_testid="social-x")


def test_signed_in_visitors_go_to_their_dashboard_unless_they_stay(alice_browser):
    assert alice_browser.get("/")["Location"] == reverse("dashboard")
    assert alice_browser.get("/?stay=1").status_code == 200


def test_the_landing_page_runs_a_fixed_small_number_of_queries(showcase, django_assert_max_num_queries):
    client = Client()
    client.get("/")
    with django_assert_max_num_queries(4):  # showcase (with models), featured models, public images, session
        landing(client)


# -- the showcase on S3 ------------------------------------------------------------------------------------------


@pytest.fixture
def s3_storage(settings):
    from tests.s3server import start_s3_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = start_s3_server(endpoint, "showcase-test")
    options = {
        "bucket_name": "showcase-test",
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": "test",
        "secret_key": "test",
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "addressing_style": "path",
    }
    storages = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}
    with override_settings(STORAGES=storages):
        yield
    server.stop()


@pytest.mark.s3
def test_on_s3_the_showcase_is_stored_in_the_bucket_and_streamed_from_it(catalog, s3_storage):
    assert render_small_showcase(small_entries()[:2]).rendered == 2
    assert render_small_showcase(small_entries()[:2]).kept == 2  # idempotent on S3 too (exists() asks the bucket)
    row = ShowcaseImage.objects.get(key="valley-1")
    assert default_storage.exists(row.original)
    response = Client().get(row.src)
    assert response.status_code == 200 and response["Cache-Control"].startswith("public")
    with default_storage.open(row.variants["256"], "rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
