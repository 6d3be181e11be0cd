"""Metadata we write into stored images: write → read round trips for PNG, JPEG and WebP, pixels kept
identical (no re-encoding), the recorded SHA-256, the JPEG 64 KB limit, C2PA pass-through and sidecar,
and the detail page's metadata panel."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.test import Client
from PIL import Image as PILImage

from imagestudio.gallery import metadata, services
from imagestudio.gallery.interop import containers, exif, readers
from imagestudio.gallery.services import Recipe, store_image
from tests.conftest import bearer_client
from tests.factories import ai_model
from tests.fixtures import interop as fx

RECIPE = Recipe(
    prompt="a teal lighthouse at dusk, (oil painting:1.1)",
    negative_prompt="blurry, text",
    model_endpoint="offline/studio-v1",
    parameters={"seed": 424242, "num_inference_steps": 24, "guidance_scale": 6.5, "sampler": "euler"},
    seed=424242,
)


def stored_bytes(image) -> bytes:
    with default_storage.open(image.file.name, "rb") as fh:
        return fh.read()


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGBA"))


def store(user, data: bytes, recipe: Recipe = RECIPE, **kwargs):
    return store_image(user=user, data=data, recipe=recipe, model=ai_model("offline/studio-v1"), **kwargs)


FORMATS = {"png": fx.png, "jpeg": fx.jpeg, "webp": fx.webp, "webp-lossless": lambda: fx.webp(lossless=True)}


@pytest.mark.parametrize("kind", FORMATS)
def test_written_metadata_reads_back_as_our_recipe(alice, kind):
    image = store(alice, FORMATS[kind]())
    parsed = readers.read_metadata(stored_bytes(image))
    assert parsed.source == "imagestudio"
    assert parsed.prompt == RECIPE.prompt
    assert parsed.negative_prompt == "blurry, text"
    assert parsed.seed == 424242
    assert parsed.model == "offline/studio-v1"
    assert (parsed.width, parsed.height) == (64, 48)
    assert parsed.parameters["steps"] == 24
    assert parsed.parameters["guidance_scale"] == 6.5
    assert parsed.parameters["sampler"] == "euler"


@pytest.mark.parametrize("kind", FORMATS)
def test_written_a1111_parameters_parse_with_the_a1111_rules(alice, kind):
    """The infotext alone (as A1111, Civitai and browsers read it) gives back the recipe."""
    fields = readers.extract_fields(stored_bytes(store(alice, FORMATS[kind]())))
    parsed = readers.parse_a1111(fields["parameters"])
    assert parsed.prompt == RECIPE.prompt
    assert parsed.negative_prompt == "blurry, text"
    assert parsed.seed == 424242
    assert parsed.parameters["steps"] == 24
    assert parsed.parameters["guidance_scale"] == 6.5
    assert (parsed.width, parsed.height) == (64, 48)


@pytest.mark.parametrize("kind", FORMATS)
def test_xmp_carries_the_iptc_digital_source_type(alice, kind):
    fields = readers.extract_fields(stored_bytes(store(alice, FORMATS[kind]())))
    xmp = fields["XML:com.adobe.xmp"]
    assert "<Iptc4xmpExt:DigitalSourceType>" + metadata.TRAINED_ALGORITHMIC_MEDIA in xmp
    assert 'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"' in xmp


def test_png_text_chunks_sit_before_the_image_data_where_pillow_lists_them(alice):
    original = PILImage.open(io.BytesIO(stored_bytes(store(alice, fx.png()))))
    assert original.info["parameters"].startswith(RECIPE.prompt + "\nNegative prompt: blurry, text\nSteps: 24")
    assert '"schema": 2' in original.info["imagestudio_metadata"]
    assert "trainedAlgorithmicMedia" in original.info["XML:com.adobe.xmp"]


def test_jpeg_user_comment_is_a1111_style_unicode_exif(alice):
    """Read with Pillow, not our reader: UserComment in the Exif IFD, `UNICODE\\0` + UTF-16BE."""
    jpeg = PILImage.open(io.BytesIO(stored_bytes(store(alice, fx.jpeg()))))
    comment = jpeg.getexif().get_ifd(0x8769)[0x9286]
    assert comment[:8] == b"UNICODE\x00"
    assert comment[8:].decode("utf-16-be").startswith(RECIPE.prompt)
    assert "trainedAlgorithmicMedia" in jpeg.info["xmp"].decode()


def test_webp_is_extended_with_exif_and_xmp_chunks_pillow_reads(alice):
    webp = PILImage.open(io.BytesIO(stored_bytes(store(alice, fx.webp()))))
    assert "trainedAlgorithmicMedia" in webp.info["xmp"].decode()
    assert exif.read_exif(webp.info["exif"])["UserComment"].startswith(RECIPE.prompt)


@pytest.mark.parametrize("kind", FORMATS)
def test_rewrap_keeps_every_pixel_and_records_the_stored_bytes_hash(alice, kind):
    data = FORMATS[kind]()
    image = store(alice, data)
    stored = stored_bytes(image)
    assert stored != data  # our metadata went in
    assert np.array_equal(decoded(stored), decoded(data))
    assert image.metadata["sha256"] == hashlib.sha256(stored).hexdigest()
    assert image.file_size == len(stored)
    image.refresh_from_db()
    assert image.metadata["sha256"] == hashlib.sha256(stored).hexdigest()


def test_rewrap_copies_the_compressed_image_data_byte_for_byte(alice):
    """Not just equal pixels: the JPEG scan and the WebP bitstream are the provider's own bytes."""
    data = fx.jpeg()
    stored = stored_bytes(store(alice, data))
    scan = data[containers.jpeg_segments(data)[1] :]
    assert stored.endswith(scan)
    webp = fx.webp()
    vp8 = next(c.data for c in containers.webp_chunks(webp) if c.fourcc == b"VP8 ")
    assert next(c.data for c in containers.webp_chunks(stored_bytes(store(alice, webp))) if c.fourcc == b"VP8 ") == vp8


def test_storing_twice_replaces_our_metadata_instead_of_stacking_it(alice):
    first = stored_bytes(store(alice, fx.png()))
    second = stored_bytes(store(alice, first, Recipe(**{**RECIPE.__dict__, "prompt": "second prompt"})))
    texts = [containers.png_text(c) for c in containers.png_chunks(second)]
    keys = [t[0] for t in texts if t]
    assert keys.count("parameters") == 1
    assert readers.read_metadata(second).prompt == "second prompt"


def test_jpeg_metadata_stays_within_the_64_kb_segment_limit_and_the_db_keeps_it_all(alice):
    long_prompt = "a very long prompt with many words, " * 3000  # ~108 KB
    recipe = Recipe(**{**RECIPE.__dict__, "prompt": long_prompt})
    image = store(alice, fx.jpeg(), recipe)
    stored = stored_bytes(image)
    app1 = [s for s in containers.jpeg_segments(stored)[0] if s.marker == 0xE1]
    assert len(app1) == 2
    assert all(s.end - s.start <= 65537 for s in app1)  # marker + 65535-byte segment
    parsed = readers.read_metadata(stored)
    assert parsed.source == "imagestudio" and parsed.seed == 424242
    assert long_prompt.startswith(parsed.prompt.rstrip("…"))
    image.refresh_from_db()
    assert image.prompt == long_prompt
    assert np.array_equal(decoded(stored), decoded(fx.jpeg()))


@pytest.mark.parametrize("build", [fx.c2pa_png, fx.c2pa_jpeg, fx.c2pa_webp], ids=["png", "jpeg", "webp"])
def test_an_output_with_c2pa_credentials_is_stored_byte_for_byte(alice, build):
    data = build()
    image = store(alice, data)
    assert stored_bytes(image) == data
    assert image.metadata["c2pa"]["present"] is True
    assert image.metadata["embedded"] is False
    assert image.metadata["sha256"] == hashlib.sha256(data).hexdigest()
    assert image.prompt == RECIPE.prompt and image.seed == 424242  # the recipe is in the database


def test_c2pa_detection_names_the_container():
    assert containers.c2pa_container(fx.c2pa_png(), "PNG") == "caBX"
    assert containers.c2pa_container(fx.c2pa_jpeg(), "JPEG") == "APP11"
    assert containers.c2pa_container(fx.c2pa_webp(), "WEBP") == "C2PA"
    assert containers.c2pa_container(fx.png(), "PNG") is None
    assert containers.c2pa_container(fx.jpeg(), "JPEG") is None


def test_the_xmp_sidecar_carries_the_recipe_of_a_c2pa_image(alice, alice_api):
    image = store(alice, fx.c2pa_jpeg())
    response = alice_api.get(f"/api/images/{image.pk}/metadata.xmp")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rdf+xml")
    assert "attachment" in response["Content-Disposition"] and ".xmp" in response["Content-Disposition"]
    body = response.content.decode()
    assert "trainedAlgorithmicMedia" in body
    block = readers.parse_fields({"XML:com.adobe.xmp": body})
    assert block.source == "imagestudio" and block.prompt == RECIPE.prompt and block.seed == 424242


def test_the_sidecar_and_metadata_of_another_users_image_answer_404(alice, bob):
    image = store(alice, fx.png())
    client = bearer_client(bob)
    assert client.get(f"/api/images/{image.pk}/metadata.xmp").status_code == 404
    assert client.get(f"/api/images/{image.pk}/metadata").status_code == 404


def test_metadata_endpoint_answers_our_recipe_with_numbers_as_numbers(alice, alice_api):
    image = store(alice, fx.webp())
    body = alice_api.get(f"/api/images/{image.pk}/metadata").json()
    assert body["source"] == "imagestudio"
    assert body["prompt"] == RECIPE.prompt and body["negative_prompt"] == "blurry, text"
    assert body["seed"] == 424242 and body["width"] == 64 and body["height"] == 48
    assert body["model"] == "offline/studio-v1"
    assert body["parameters"]["steps"] == 24 and body["parameters"]["guidance_scale"] == 6.5
    assert body["raw"]["sha256"] == image.metadata["sha256"]
    assert body["raw"]["imagestudio_metadata"]["schema"] == metadata.SCHEMA_VERSION


def test_store_image_fills_the_perceptual_hash(alice):
    image = store(alice, fx.png())
    assert len(image.phash) == 16 and int(image.phash, 16) >= 0


def test_an_edit_of_an_uploaded_photo_is_a_composite_source_type(alice):
    upload = store(alice, fx.png())
    upload.metadata = {**upload.metadata, "source": "none"}  # what an import without generation metadata records
    edit = store(alice, fx.png(), parent_image=upload)
    assert edit.metadata["source_type"] == "compositeWithTrainedAlgorithmicMedia"
    assert (
        metadata.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
        in readers.extract_fields(stored_bytes(edit))["XML:com.adobe.xmp"]
    )
    assert store(alice, fx.png(), parent_image=edit).metadata["source_type"] == "trainedAlgorithmicMedia"


def test_metadata_panel_shows_content_credentials_and_the_sidecar_link(alice):
    image = store(alice, fx.c2pa_png())
    html = render_to_string("gallery/partials/metadata_panel.html", {"image": image})
    assert 'data-testid="c2pa-present"' in html
    assert "Content Credentials (C2PA)" in html
    assert f"/images/{image.pk}/metadata.xmp" in html
    assert image.metadata["sha256"][:16] in html
    plain = render_to_string("gallery/partials/metadata_panel.html", {"image": store(alice, fx.png())})
    assert 'data-testid="c2pa-present"' not in plain and 'data-testid="metadata-embedded"' in plain


def test_describe_metadata_of_an_image_stored_before_this_change(alice):
    image = store(alice, fx.png())
    image.metadata = {"source_type": "trainedAlgorithmicMedia"}  # no recipe, no hash
    described = services.describe_metadata(image)
    assert described["source"] == "imagestudio" and described["seed"] == 424242
    assert "trainedAlgorithmicMedia" in services.sidecar_for(image)


def test_the_sidecar_page_download_needs_access(alice, bob, alice_browser):
    image = store(alice, fx.c2pa_png())
    response = alice_browser.get(f"/images/{image.pk}/metadata.xmp")
    assert response.status_code == 200 and b"trainedAlgorithmicMedia" in response.content
    other = Client()
    other.force_login(bob)
    assert other.get(f"/images/{image.pk}/metadata.xmp").status_code == 404
