"""Pages that answer HTMX with a partial say so in `Vary`, so no cache serves a fragment as the page."""

from __future__ import annotations

import pytest
from django.utils.cache import has_vary_header

from imagestudio.gallery.filters import parse_filters
from imagestudio.gallery.selectors import browse_page
from tests.factories import make_image

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def is_full_page(response) -> bool:
    return b"<html" in response.content.lower()


def test_the_queue_page_varies_on_hx_request_both_full_and_partial(alice_browser):
    full = alice_browser.get("/queue/")
    partial = alice_browser.get("/queue/", headers=HTMX)
    assert full.status_code == partial.status_code == 200
    assert is_full_page(full) and not is_full_page(partial)  # the same URL answers two different bodies
    assert has_vary_header(full, "HX-Request")
    assert has_vary_header(partial, "HX-Request")


def test_the_gallery_pages_vary_on_hx_request_both_full_and_partial(alice_browser, alice):
    make_image(user=alice, prompt="first")
    make_image(user=alice, prompt="second")
    cursor = browse_page(alice, parse_filters({}), limit=1).next_cursor
    assert cursor
    full = alice_browser.get("/images/", {"cursor": cursor})
    partial = alice_browser.get("/images/", {"cursor": cursor}, headers=HTMX)
    assert full.status_code == partial.status_code == 200
    assert is_full_page(full) and not is_full_page(partial)
    assert has_vary_header(full, "HX-Request")
    assert has_vary_header(partial, "HX-Request")


def test_the_generate_form_varies_on_hx_request_when_it_answers_a_partial(alice_browser):
    form = {"model": "offline/studio-v1", "prompt": "x", "aspect_ratio": "custom", "num_images": 1}  # no width
    full = alice_browser.post("/generate/", form)
    partial = alice_browser.post("/generate/", form, headers=HTMX)
    assert full.status_code == 422 and partial.status_code == 200
    assert is_full_page(full) and not is_full_page(partial)
    assert has_vary_header(full, "HX-Request")
    assert has_vary_header(partial, "HX-Request")
