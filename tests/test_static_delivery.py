"""How pages and static files reach the browser: gzip for generated text, hashed and precompressed static
files after collectstatic (cached for a year by WhiteNoise), plain names without it, the theme script inline."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.templatetags.static import static
from django.test import Client, RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

from imagestudio.web.compression import TextGZipMiddleware

TEXT = "<p>" + "a page of markup and class names " * 40 + "</p>"
GZIP = {"Accept-Encoding": "gzip"}


def compress(response):
    request = RequestFactory().get("/", headers=GZIP)
    return TextGZipMiddleware(lambda _request: response)(request)


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(db):
    response = Client().get("/", headers=GZIP)
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert page.startswith("<!doctype html>") and len(response.content) < len(page) / 3


def test_a_page_stays_plain_for_a_client_that_does_not_accept_gzip(db):
    response = Client().get("/")
    assert not response.has_header("Content-Encoding") and response.content.startswith(b"<!doctype html>")


def test_json_and_text_answers_are_gzipped():
    for content_type in ("application/json", "text/html; charset=utf-8", "image/svg+xml"):
        response = compress(HttpResponse(TEXT, content_type=content_type))
        assert response["Content-Encoding"] == "gzip", content_type
        assert gzip.decompress(response.content).decode() == TEXT


def test_streams_and_binary_answers_pass_untouched(tmp_path):
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG" + b"\0" * 500)
    file_response = compress(FileResponse(png.open("rb"), content_type="image/png"))
    assert not file_response.has_header("Content-Encoding") and file_response["Content-Length"] == "504"
    stream = compress(StreamingHttpResponse(iter([TEXT.encode()] * 3), content_type="text/plain"))
    assert not stream.has_header("Content-Encoding") and b"".join(stream.streaming_content) == TEXT.encode() * 3
    binary = compress(HttpResponse(b"\0" * 500, content_type="application/octet-stream"))
    assert not binary.has_header("Content-Encoding")


def test_without_collectstatic_static_urls_keep_their_plain_names():
    assert static("dist/app.css") == "/static/dist/app.css"


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def test_collectstatic_writes_hashed_and_gzipped_copies_and_skips_the_sources(collected):
    with override_settings(STATIC_ROOT=collected):
        url = static("dist/app.css")
        missing = static("dist/not-built-yet.js")
    hashed = re.fullmatch(r"/static/(dist/app\.[0-9a-f]{12}\.css)", url)
    assert hashed, url
    assert (collected / hashed[1]).exists() and (collected / f"{hashed[1]}.gz").exists()
    # url()s inside point at the hashed fonts, so they are cached for good as well.
    assert re.search(r"inter-latin-wght-normal\.[0-9a-f]{12}\.woff2", (collected / hashed[1]).read_text())
    assert missing == "/static/dist/not-built-yet.js"  # not in the manifest: the plain name, not an error
    assert not (collected / "src").exists()


def test_whitenoise_serves_hashed_files_gzipped_with_a_year_long_immutable_cache(collected):
    with override_settings(STATIC_ROOT=collected, WHITENOISE_USE_FINDERS=False):
        url = static("dist/app.css")
        serve = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
        response = serve(RequestFactory().get(url, headers=GZIP))
        plain = serve(RequestFactory().get("/static/dist/app.css"))
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "immutable" not in plain["Cache-Control"]  # an unhashed name may change under the same URL


def test_the_theme_script_is_inline_with_the_pages_csp_nonce(db):
    response = Client().get("/")
    page = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    inline = re.search(r'<script nonce="([^"]+)">(.*?)</script>', page, re.S)
    assert nonce and inline and inline[1] == nonce[1] and '"studio-theme"' in inline[2]
    assert "theme.js" not in page  # no render-blocking request for it


def test_the_alpine_csp_build_skips_window_fence():
    # Reading window.fence logs Chromium's FencedFrame deprecation (Lighthouse best practices): see build-assets.mjs.
    built = Path(__file__).resolve().parents[1] / "imagestudio/web/static/dist/vendor/alpine-csp.min.js"
    assert re.search(r'(\w+)==="sharedStorage"\|\|\1==="fence"', built.read_text())
