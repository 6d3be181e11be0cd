from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image as PILImage

from imagestudio.gallery.models import Image
from tests.factories import make_image

pytestmark = pytest.mark.django_db


def fetch(client, path: str) -> tuple[dict, bytes]:
    """Headers and bytes of a file view, whether it streams from disk or redirects to a signed S3 link."""
    response = client.get(path)
    if response.status_code == 302:
        signed = httpx.get(response["Location"])
        assert signed.status_code == 200
        return {k.lower(): v for k, v in signed.headers.items()}, signed.content
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {k.lower(): v for k, v in response.headers.items()}, body


def test_stored_images_have_a_webp_thumbnail_placeholder_and_embedded_metadata(alice):
    image = make_image(user=alice, prompt="sunset over a violet lake", width=800, height=400)
    assert (image.width, image.height, image.format) == (800, 400, "png")
    assert image.placeholder.startswith("data:image/webp;base64,")
    thumb = PILImage.open(image.thumbnail.open("rb"))
    assert thumb.format == "WEBP" and max(thumb.size) <= 640
    original = PILImage.open(image.file.open("rb"))
    assert original.text["parameters"].startswith("sunset over a violet lake\nSteps: 20")
    assert "Seed: 7" in original.text["parameters"]
    assert "trainedAlgorithmicMedia" in original.text["XML:com.adobe.xmp"]


def test_my_images_lists_newest_first_with_a_cursor(alice_api, alice):
    images = [make_image(user=alice, prompt=f"image {i}") for i in range(5)]
    now = timezone.now()
    for age, image in enumerate(images):
        Image.objects.filter(pk=image.pk).update(created_at=now - timedelta(minutes=age))
    first = alice_api.get("/api/images", {"limit": 2}).json()
    assert [row["prompt"] for row in first["items"]] == ["image 0", "image 1"]
    second = alice_api.get("/api/images", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [row["prompt"] for row in second["items"]] == ["image 2", "image 3"]
    last = alice_api.get("/api/images", {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [row["prompt"] for row in last["items"]] == ["image 4"] and last["next_cursor"] is None


def test_a_bad_cursor_is_a_clear_400(alice_api):
    response = alice_api.get("/api/images", {"cursor": "garbage!!"})
    assert response.status_code == 400
    assert response.json()["field"] == "cursor"


def test_image_detail_and_download_over_the_api(alice_api, alice):
    image = make_image(user=alice)
    detail = alice_api.get(f"/api/images/{image.pk}").json()
    assert detail["seed"] == 7 and detail["model_id"] == "offline/studio-v1"
    headers, body = fetch(alice_api, detail["file_url"])
    assert "attachment" in headers["content-disposition"]
    assert body.startswith(b"\x89PNG")
    headers, body = fetch(alice_api, detail["thumbnail_url"])
    assert body[8:12] == b"WEBP"


def test_other_peoples_images_are_not_found(alice, bob_api, bob):
    image = make_image(user=alice)
    assert bob_api.get(f"/api/images/{image.pk}").status_code == 404
    assert bob_api.get(f"/api/images/download/{image.pk}").status_code == 404
    browser = Client()
    browser.force_login(bob)
    assert browser.get(f"/images/{image.pk}/file").status_code == 404
    assert bob_api.get("/api/images").json()["items"] == []


def test_files_are_private_to_signed_in_owners(alice):
    image = make_image(user=alice)
    response = Client().get(f"/images/{image.pk}/file")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_gallery_page_shows_my_images(alice_browser, alice):
    make_image(user=alice, prompt="a lighthouse in the fog")
    page = alice_browser.get("/images/")
    assert page.status_code == 200
    assert b"a lighthouse in the fog" in page.content


def test_the_download_name_comes_from_the_prompt(alice_browser, alice):
    image = make_image(user=alice, prompt="A red fox, in snow!")
    headers, body = fetch(alice_browser, f"/images/{image.pk}/file?download=1")
    assert 'filename="a-red-fox-in-snow-7.png"' in headers["content-disposition"]
    assert body == image.file.open("rb").read()


def test_search_finds_prompts_with_every_word(alice_browser, alice, alice_api):
    make_image(user=alice, prompt="a red fox in the snow")
    make_image(user=alice, prompt="a red barn at dusk")
    page = alice_browser.get("/images/", {"q": "red fox"}).content.decode()
    assert "a red fox in the snow" in page and "a red barn at dusk" not in page
    assert "mentions “red fox”" in page
    assert [row["prompt"] for row in alice_api.get("/api/images", {"q": "barn"}).json()["items"]] == [
        "a red barn at dusk"
    ]
    assert b"No images match" in alice_browser.get("/images/", {"q": "whale"}).content


def test_the_gallery_header_leads_to_import_trash_duplicates_and_storage(alice_browser, alice):
    make_image(user=alice)
    page = alice_browser.get("/images/").content.decode()
    for testid, path in (
        ("gallery-import", "/images/import/"),
        ("gallery-trash-link", "/images/trash/"),
        ("gallery-duplicates-link", "/images/duplicates/"),
        ("gallery-storage-link", "/images/storage/"),
    ):
        assert re.search(rf'href="{path}"[^>]*data-testid="{testid}"', page), testid
        assert alice_browser.get(path).status_code == 200, path
