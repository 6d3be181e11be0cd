"""srcset renditions (WebP + AVIF) and downloads of the original or a conversion."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from imagestudio.gallery import renditions
from imagestudio.gallery.templatetags.gallery_files import srcset
from tests.h_images import pattern, store
from tests.serving import served_bytes, served_status


def _stored_with_renditions(user, size=(1200, 800), fmt="PNG"):
    image = store(user, pattern(7, size), fmt=fmt, prompt="a wide pattern")
    with image.file.open("rb") as fh:
        made = renditions.make_renditions(PILImage.open(fh))
    renditions.store_renditions(image, made)
    image.save(update_fields=["metadata", "renditions_size"])
    return image, made


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_make_renditions_has_every_srcset_width_in_webp_and_avif():
    made = renditions.make_renditions(pattern(3, (1200, 800)))
    got = {(s.format, s.width) for s in made.sized}
    assert got == {(f, w) for f in ("avif", "webp") for w in (256, 512, 1024)}
    for sized in made.sized:
        decoded = PILImage.open(io.BytesIO(sized.data))
        decoded.load()  # a valid file, not just a header
        assert decoded.format == {"avif": "AVIF", "webp": "WEBP"}[sized.format]
        assert decoded.size == (sized.width, sized.height) and sized.height == round(800 * sized.width / 1200)
    assert made.total_size == len(made.thumbnail_webp) + sum(len(s.data) for s in made.sized)


def test_small_originals_get_no_upscaled_renditions():
    made = renditions.make_renditions(pattern(3, (300, 200)))
    assert {s.width for s in made.sized} == {256}
    assert renditions.make_renditions(pattern(3, (200, 100))).sized == ()


def test_stored_renditions_are_recorded_sized_and_served_in_srcset(alice, alice_browser, bob):
    image, made = _stored_with_renditions(alice)
    image.refresh_from_db()
    assert image.renditions_size == made.total_size > 0
    for fmt in ("avif", "webp"):
        value = srcset(image, fmt)
        assert [part.rsplit(" ", 1)[1] for part in value.split(", ")] == ["256w", "512w", "1024w"]
        for width in (256, 512, 1024):
            assert default_storage.exists(renditions.rendition_file_name(image, fmt, width))
    url = srcset(image, "avif").split(", ")[1].rsplit(" ", 1)[0]
    response = alice_browser.get(url)
    body, content_type = served_bytes(response)
    assert served_status(response) == 200 and content_type == "image/avif"
    assert PILImage.open(io.BytesIO(body)).size == (512, 341)
    bob_client = type(alice_browser)()
    bob_client.force_login(bob)
    assert bob_client.get(url).status_code == 404
    # Purging deletes them.
    assert renditions.delete_renditions(image) == 6
    assert not default_storage.exists(renditions.rendition_file_name(image, "avif", 256))


def test_images_without_renditions_have_an_empty_srcset(alice):
    image = store(alice, pattern(8), prompt="no renditions")
    assert srcset(image, "avif") == "" and srcset(image, "webp") == ""


@pytest.mark.parametrize(
    ("fmt", "size", "content_type", "pil_format", "extension"),
    [
        ("png", "300", "image/png", "PNG", "png"),
        ("jpeg", "500", "image/jpeg", "JPEG", "jpg"),
        ("webp", "64", "image/webp", "WEBP", "webp"),
        ("avif", "1000", "image/avif", "AVIF", "avif"),
        ("webp", "", "image/webp", "WEBP", "webp"),
    ],
)
def test_download_converts_format_and_size(alice, alice_api, fmt, size, content_type, pil_format, extension):
    image = store(alice, pattern(9, (800, 600)), prompt="Sunset over the bay")
    response = alice_api.get(f"/api/images/download/{image.pk}?format={fmt}&size={size}")
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.rstrip('"').endswith(f".{extension}")
    assert "sunset-over-the-bay" in disposition
    body = _content(response)
    assert int(response["Content-Length"]) == len(body)
    decoded = PILImage.open(io.BytesIO(body))
    decoded.load()
    assert decoded.format == pil_format
    expected_edge = min(int(size), 800) if size else 800
    assert max(decoded.size) == expected_edge
    assert decoded.size[0] / decoded.size[1] == pytest.approx(800 / 600, rel=0.02)


def test_download_without_parameters_is_the_original_bytes(alice, alice_api):
    image = store(alice, pattern(10, (320, 240)))
    response = alice_api.get(f"/api/images/download/{image.pk}")
    body, content_type = served_bytes(response)
    assert served_status(response) == 200 and content_type == "image/png"
    with image.file.open("rb") as fh:
        assert body == fh.read()
    # A size at least as large as the image, in its own format, is the original too (never upscaled).
    same = alice_api.get(f"/api/images/download/{image.pk}?format=png&size=4000")
    with image.file.open("rb") as fh:
        assert served_bytes(same)[0] == fh.read()


def test_jpeg_conversion_flattens_transparency(alice, alice_api):
    rgba = pattern(11, (200, 200)).convert("RGBA")
    rgba.putalpha(128)
    image = store(alice, rgba, prompt="see-through")
    response = alice_api.get(f"/api/images/download/{image.pk}?format=jpeg&size=100")
    assert response.status_code == 200
    assert PILImage.open(io.BytesIO(_content(response))).mode == "RGB"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("format=gif", "format"),
        ("format=svg&size=100", "format"),
        ("size=abc", "size"),
        ("size=0", "size"),
        ("size=9000", "size"),
        ("format=png&size=-5", "size"),
    ],
)
def test_bad_format_or_size_is_422(alice, alice_api, query, field):
    image = store(alice, pattern(12))
    response = alice_api.get(f"/api/images/download/{image.pk}?{query}")
    assert response.status_code == 422
    assert response.json()["field"] == field and response.json()["detail"]


def test_another_users_image_is_404(alice, bob_api):
    image = store(alice, pattern(13))
    assert bob_api.get(f"/api/images/download/{image.pk}?format=webp").status_code == 404
    assert bob_api.get(f"/api/images/download/{image.pk}").status_code == 404


def test_storage_usage_breaks_down_by_format_project_and_trash(alice, bob, alice_api, django_assert_max_num_queries):
    from django.utils import timezone

    from imagestudio.gallery import storage_usage
    from imagestudio.gallery.models import Image
    from tests.factories import make_project

    project = make_project(user=alice, name="Posters")
    png = store(alice, pattern(50), prompt="png")
    jpeg = store(alice, pattern(51), fmt="JPEG", prompt="jpeg", project=project)
    gone = store(alice, pattern(52), prompt="trashed")
    store(bob, pattern(53), prompt="not alice's")
    Image.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    rows = Image.objects.filter(user=alice)
    originals = sum(r.file_size for r in rows)
    renditions_bytes = sum(r.renditions_size for r in rows)
    with django_assert_max_num_queries(2):
        usage = storage_usage.usage_for(alice)
    assert usage.total.total == originals + renditions_bytes and usage.total.images == 3
    assert usage.trash.images == 1 and usage.trash.originals == gone.file_size
    assert {p.key: p.images for p in usage.by_format} == {"png": 2, "jpeg": 1}
    assert {p.label: p.images for p in usage.by_project} == {"No project": 2, "Posters": 1}
    assert jpeg.project_id and png.project_id is None
    api = alice_api.get("/api/images/storage").json()
    assert api["total_bytes"] == usage.total.total and api["trash"]["images"] == 1


def test_a_cut_out_keeps_its_transparency_in_every_rendition():
    cut_out = PILImage.new("RGBA", (900, 700), (255, 0, 0, 0))
    cut_out.paste((0, 0, 255, 255), (300, 200, 600, 500))
    made = renditions.make_renditions(cut_out)
    thumbnail = PILImage.open(io.BytesIO(made.thumbnail_webp))
    assert thumbnail.mode == "RGBA" and thumbnail.getpixel((2, 2))[3] == 0
    assert thumbnail.getpixel((thumbnail.width // 2, thumbnail.height // 2))[3] == 255
    for sized in made.sized:
        assert PILImage.open(io.BytesIO(sized.data)).getpixel((1, 1))[3] == 0, sized.format
