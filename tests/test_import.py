"""Importing images made elsewhere: each named format's metadata becomes our fields (fixtures built in code
from the public format descriptions), plain images import as plain images, and upload abuse is refused
with a clear 4xx and nothing stored."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image as PILImage

from imagestudio.gallery.interop import readers
from imagestudio.gallery.models import Image
from tests.conftest import bearer_client
from tests.fixtures import interop as fx

URL = "/api/images/import"


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post(client, *files: SimpleUploadedFile, **extra):
    return client.post(URL, {"files": list(files), **extra})


def import_one(client, name: str, data: bytes) -> dict:
    response = post(client, upload(name, data))
    assert response.status_code == 201, response.content
    (item,) = response.json()["items"]
    return item


def metadata_of(client, item: dict) -> dict:
    response = client.get(f"/api/images/{item['id']}/metadata")
    assert response.status_code == 200
    return response.json()


def stored_bytes(image_id) -> bytes:
    with default_storage.open(Image.objects.get(pk=image_id).file.name, "rb") as fh:
        return fh.read()


def media_files() -> set[str]:
    root = settings.MEDIA_ROOT
    return {os.path.join(d, f) for d, _, names in os.walk(root) for f in names}


# -- each named format -----------------------------------------------------------------------------


@pytest.mark.parametrize("build", [fx.a1111_png, fx.a1111_jpeg], ids=["png-parameters", "jpeg-usercomment"])
def test_a1111_infotext_becomes_our_fields(alice_api, build):
    item = import_one(alice_api, "fox.png", build())
    assert item["prompt"] == "masterpiece, a \\(red\\) fox in the snow, (detailed fur:1.2), <lora:fluffyTails:0.8>"
    assert item["negative_prompt"] == "blurry, lowres, (bad hands:1.3)"
    assert item["seed"] == 965400086
    assert item["parameters"]["num_inference_steps"] == 28 and item["parameters"]["guidance_scale"] == 6.5
    meta = metadata_of(alice_api, item)
    assert meta["source"] == "a1111"
    assert meta["model"] == "sd_xl_base_1.0"
    assert (meta["width"], meta["height"]) == (832, 1216)
    params = meta["parameters"]
    assert params["steps"] == 28 and params["guidance_scale"] == 6.5 and params["clip_skip"] == 2
    assert params["sampler"] == "DPM++ 2M" and params["scheduler"] == "Karras"
    assert params["denoising_strength"] == 0.45
    assert params["hires"] == {"upscale": 1.5, "steps": 12, "upscaler": "4x-UltraSharp"}
    assert params["loras"] == [{"name": "fluffyTails", "weight": 0.8}]
    assert params["lora_hashes"] == {"fluffyTails": "0123456789ab"}
    assert meta["raw"]["parameters"].startswith("masterpiece")


def test_a1111_prompt_line_with_colons_is_not_taken_for_the_parameter_line():
    text = "portrait, (smile:1.1), style: noir\nNegative prompt: hat\nSteps: 20, Seed: 5, CFG scale: 7"
    parsed = readers.parse_a1111(text)
    assert parsed.prompt == "portrait, (smile:1.1), style: noir"
    assert parsed.seed == 5 and parsed.parameters == {"steps": 20, "guidance_scale": 7}
    bare = readers.parse_a1111("just a prompt: with a colon")
    assert bare.prompt == "just a prompt: with a colon" and bare.parameters == {}


def test_comfyui_prompt_follows_the_sampler_that_feeds_the_saved_image(alice_api):
    item = import_one(alice_api, "comfy.png", fx.comfyui_png())
    meta = metadata_of(alice_api, item)
    assert meta["source"] == "comfyui"
    # Not the decoy encoder (node 1), and positive/negative by the sampler's links, not by node ids.
    assert meta["prompt"] == "a lighthouse on a cliff at dusk"
    assert meta["negative_prompt"] == "watermark, text, lowres"
    # The second-pass sampler (node 3) feeds SaveImage; the first pass (node 11) has seed 1111.
    assert meta["seed"] == 156680208700286
    assert meta["parameters"]["steps"] == 14 and meta["parameters"]["guidance_scale"] == 6.0
    assert meta["parameters"]["sampler"] == "dpmpp_2m" and meta["parameters"]["denoising_strength"] == 0.5
    assert meta["model"] == "dreamshaper_8.safetensors"
    assert meta["parameters"]["loras"] == [{"name": "moody_light.safetensors", "weight": 0.7}]
    assert (meta["width"], meta["height"]) == (512, 768)
    assert meta["raw"]["prompt"]["9"]["class_type"] == "SaveImage"


def test_comfyui_workflow_survives_import_so_comfyui_can_load_it_again(alice_api):
    item = import_one(alice_api, "comfy.png", fx.comfyui_png())
    fields = readers.extract_fields(stored_bytes(item["id"]))
    assert json.loads(fields["prompt"]) == fx.COMFY_PROMPT
    assert json.loads(fields["imagestudio_metadata"])["import"]["source"] == "comfyui"


def test_comfyui_editor_workflow_alone_is_enough(alice_api):
    meta = metadata_of(alice_api, import_one(alice_api, "wf.png", fx.comfyui_workflow_png()))
    assert meta["source"] == "comfyui"
    assert meta["prompt"] == "an origami crane on a wooden desk"
    assert meta["negative_prompt"] == "blurry, jpeg artifacts"
    assert (
        meta["seed"] == 42424242 and meta["parameters"]["steps"] == 25 and meta["parameters"]["guidance_scale"] == 5.5
    )
    assert meta["model"] == "sd_xl_base_1.0.safetensors" and (meta["width"], meta["height"]) == (1024, 1024)


def test_comfyui_custom_sampler_graph_and_webp_exif(alice_api):
    flux = metadata_of(alice_api, import_one(alice_api, "flux.png", fx.comfyui_flux_png()))
    assert flux["prompt"] == "a neon koi pond, night" and flux["seed"] == 219670278747233
    assert flux["parameters"]["steps"] == 20 and flux["parameters"]["sampler"] == "euler"
    assert flux["parameters"]["guidance"] == 3.5 and flux["model"] == "flux1-dev.safetensors"
    webp = metadata_of(alice_api, import_one(alice_api, "comfy.webp", fx.comfyui_webp()))
    assert webp["source"] == "comfyui" and webp["prompt"] == "a lighthouse on a cliff at dusk"


def test_invokeai_metadata(alice_api):
    item = import_one(alice_api, "cabin.png", fx.invokeai_png())
    meta = metadata_of(alice_api, item)
    assert meta["source"] == "invokeai"
    assert meta["prompt"] == "a cosy cabin in a snowy forest, warm light" and meta["negative_prompt"] == "people, text"
    assert meta["seed"] == 3456789012 and meta["model"] == "Juggernaut XL v9"
    assert meta["parameters"]["steps"] == 30 and meta["parameters"]["guidance_scale"] == 7.5
    assert meta["parameters"]["scheduler"] == "dpmpp_2m_k"
    assert meta["parameters"]["loras"] == [{"name": "add-detail-xl", "weight": 0.75}]
    assert item["seed"] == 3456789012


@pytest.mark.parametrize("build", [fx.swarmui_png, fx.swarmui_jpeg], ids=["png", "jpeg"])
def test_swarmui_string_values_become_numbers(alice_api, build):
    meta = metadata_of(alice_api, import_one(alice_api, "map.png", build()))
    assert meta["source"] == "swarmui"
    assert meta["prompt"] == "a watercolor map of an imaginary island" and meta["negative_prompt"] == "photo, 3d"
    assert meta["seed"] == 1234567 and meta["width"] == 1024 and meta["height"] == 1024
    assert meta["parameters"]["steps"] == 25 and meta["parameters"]["guidance_scale"] == 6.5
    assert meta["model"] == "OfficialStableDiffusion/sd_xl_base_1.0"


def test_fooocus_scheme(alice_api):
    meta = metadata_of(alice_api, import_one(alice_api, "robot.png", fx.fooocus_png()))
    assert meta["source"] == "fooocus"
    assert meta["prompt"] == "a vintage robot reading a newspaper" and meta["negative_prompt"] == "cartoon"
    assert meta["seed"] == 8765309 and (meta["width"], meta["height"]) == (1152, 896)
    assert meta["parameters"]["steps"] == 30 and meta["parameters"]["guidance_scale"] == 4
    assert meta["parameters"]["sampler"] == "dpmpp_2m_sde_gpu"
    assert meta["model"] == "juggernautXL_v8Rundiffusion.safetensors"
    assert meta["parameters"]["loras"] == [{"name": "sd_xl_offset_example-lora_1.0.safetensors", "weight": 0.1}]


def test_fooocus_a1111_scheme_reads_as_fooocus():
    parsed = readers.parse_fields({"parameters": fx.A1111_TEXT, "fooocus_scheme": "a1111"})
    assert parsed.source == "fooocus" and parsed.seed == 965400086


def test_novelai(alice_api):
    meta = metadata_of(alice_api, import_one(alice_api, "nai.png", fx.novelai_png()))
    assert meta["source"] == "novelai"
    assert meta["prompt"] == "1girl, silver hair, night sky, stars"
    assert meta["negative_prompt"] == "lowres, bad anatomy, bad hands"
    assert meta["seed"] == 2830485 and meta["parameters"]["steps"] == 28 and meta["parameters"]["guidance_scale"] == 5.0
    assert meta["parameters"]["sampler"] == "k_euler_ancestral" and meta["model"] == "Stable Diffusion XL C1E1DE52"


@pytest.mark.parametrize("build", [fx.png, fx.jpeg, fx.webp], ids=["png", "jpeg", "webp"])
def test_unknown_formats_import_as_plain_images(alice_api, build):
    item = import_one(alice_api, "photo", build())
    assert item["prompt"] == "" and item["seed"] is None
    meta = metadata_of(alice_api, item)
    assert meta["source"] == "none" and meta["prompt"] == "" and meta["parameters"] == {}
    assert (meta["width"], meta["height"]) == (64, 48)
    image = Image.objects.get(pk=item["id"])
    assert image.metadata["source_type"] == ""  # we do not claim a photo is AI-made
    assert len(image.phash) == 16


def test_our_own_export_imports_with_its_recipe_and_model(alice, alice_api):
    from tests.factories import make_image

    original = make_image(user=alice, prompt="a violet square, exported", seed=99)
    with default_storage.open(original.file.name, "rb") as fh:
        data = fh.read()
    item = import_one(alice_api, "ours.png", data)
    meta = metadata_of(bearer_client(alice), item)
    assert meta["source"] == "imagestudio" and meta["prompt"] == "a violet square, exported" and meta["seed"] == 99
    assert item["model_id"] == "offline/studio-v1"  # remix uses the same catalog model


def test_import_reencodes_pixels_and_embeds_our_metadata(alice_api):
    data = fx.a1111_png()
    item = import_one(alice_api, "fox.png", data)
    stored = stored_bytes(item["id"])
    assert np.array_equal(np.asarray(PILImage.open(io.BytesIO(stored))), np.asarray(PILImage.open(io.BytesIO(data))))
    fields = readers.extract_fields(stored)
    assert "trainedAlgorithmicMedia" in fields["XML:com.adobe.xmp"]
    assert json.loads(fields["imagestudio_metadata"])["import"] == {"source": "a1111", "filename": "fox.png"}
    assert readers.read_metadata(stored).seed == 965400086
    assert Image.objects.get(pk=item["id"]).metadata["sha256"] and item["file_size"] == len(stored)


def test_several_files_in_one_request(alice_api):
    response = post(
        alice_api,
        upload("a.png", fx.a1111_png()),
        upload("b.png", fx.invokeai_png()),
        upload("c.jpg", fx.jpeg(), "image/jpeg"),
    )
    assert response.status_code == 201
    items = response.json()["items"]
    assert [i["seed"] for i in items] == [965400086, 3456789012, None]
    assert [i["format"] for i in items] == ["png", "png", "jpeg"]


def test_import_into_a_project_and_not_into_someone_elses(alice, alice_api, bob):
    from tests.factories import make_project

    mine = make_project(user=alice)
    response = post(alice_api, upload("a.png", fx.png()), project_id=str(mine.pk))
    assert response.status_code == 201 and response.json()["items"][0]["project_id"] == str(mine.pk)
    theirs = make_project(user=bob)
    assert post(alice_api, upload("a.png", fx.png()), project_id=str(theirs.pk)).status_code == 404
    assert post(alice_api, upload("a.png", fx.png()), project_id="nope").json()["field"] == "project_id"


# -- abuse -----------------------------------------------------------------------------------------


def _png_with_ihdr(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image (the pixel data is a few bytes of zlib)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return fx.png()[:8] + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b"")


def _zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


ABUSE = {
    "gif": (fx.png, lambda: b"GIF89a" + b"\x00" * 64, 415, "GIF"),
    "text-named-png": (None, lambda: b"hello, I am not an image", 415, "PNG, JPEG or WebP"),
    "svg": (
        None,
        lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        415,
        "SVG",
    ),
    "svg-bare": (None, lambda: b"  <svg onload=alert(1)></svg>", 415, "SVG"),
    "png+zip": (None, lambda: fx.png() + _zip_bytes(), 422, "polyglot"),
    "png+html": (None, lambda: fx.png() + b"<html><script>alert(1)</script></html>", 422, "polyglot"),
    "jpeg+html": (None, lambda: fx.jpeg() + b"<html><body>hi</body></html>", 422, "polyglot"),
    "png-with-script-chunk": (None, lambda: fx.png({"Comment": "<script>alert(1)</script>"}), 422, "polyglot"),
    "truncated-png": (None, lambda: fx.png()[:60], 422, "damaged"),
    "bomb-header": (None, lambda: _png_with_ihdr(100_000, 100_000), 422, "decompression bomb"),
    "empty": (None, lambda: b"", 422, "empty"),
}


@pytest.mark.parametrize("case", ABUSE)
def test_upload_abuse_is_refused_and_nothing_is_stored(alice_api, case):
    _, build, status, words = ABUSE[case]
    before = media_files()
    response = post(alice_api, upload(f"{case}.png", build()))
    assert response.status_code == status, response.content
    body = response.json()
    assert words.lower() in body["detail"].lower() and body["field"] == "files" and body["file"] == f"{case}.png"
    assert Image.objects.count() == 0
    assert media_files() == before


def test_jpeg_padding_after_eoi_is_accepted(alice_api):
    assert post(alice_api, upload("pad.jpg", fx.jpeg() + b"\x00" * 16)).status_code == 201


def test_a_real_decompression_bomb_is_refused_before_decoding(alice_api):
    """A 6000×6000 single-colour PNG is ~100 KB on disk and 108 MB decoded."""
    out = io.BytesIO()
    PILImage.new("RGB", (6000, 6000)).save(out, "PNG")
    data = out.getvalue()
    assert len(data) < 200_000
    with override_settings(IMPORT_MAX_PIXELS=20_000_000):
        response = post(alice_api, upload("bomb.png", data))
    assert response.status_code == 422
    assert "decompression bomb" in response.json()["detail"] and "36 megapixels" in response.json()["detail"]
    assert Image.objects.count() == 0


def test_too_many_pixels_for_a_normal_file_says_scale_it_down(alice_api):
    with override_settings(IMPORT_MAX_PIXELS=1000):
        response = post(alice_api, upload("big.jpg", fx.jpeg()))
    assert response.status_code == 422 and "Scale it down" in response.json()["detail"]


def test_a_file_over_the_size_limit_answers_413(alice_api):
    out = io.BytesIO()
    PILImage.frombytes("RGB", (100, 100), os.urandom(30_000)).save(out, "PNG")  # noise: ~30 KB
    with override_settings(IMPORT_MAX_FILE_BYTES=10_000):
        response = post(alice_api, upload("big.png", out.getvalue()))
    assert response.status_code == 413
    assert "limit per file" in response.json()["detail"]
    assert Image.objects.count() == 0


def test_zero_files_answers_422(alice_api):
    response = alice_api.post(URL, {})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Choose at least one image file (field `files`).",
        "field": "files",
        "file": "",
    }


def test_more_files_than_the_per_request_limit_answers_422(alice_api):
    with override_settings(IMPORT_MAX_FILES=2):
        response = post(alice_api, *(upload(f"{i}.png", fx.png()) for i in range(3)))
    assert response.status_code == 422 and "At most 2 files" in response.json()["detail"]
    assert Image.objects.count() == 0


def test_one_bad_file_in_a_batch_stores_none_of_them(alice_api):
    before = media_files()
    response = post(alice_api, upload("good.png", fx.a1111_png()), upload("bad.svg", b"<svg></svg>"))
    assert response.status_code == 415 and response.json()["file"] == "bad.svg"
    assert Image.objects.count() == 0 and media_files() == before


def test_animated_images_are_refused(alice_api):
    frames = [fx.pixels(seed=s) for s in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:])
    response = post(alice_api, upload("anim.webp", out.getvalue()))
    assert response.status_code == 422 and "animated" in response.json()["detail"]


def test_import_needs_an_account(client):
    assert client.post(URL, {"files": [upload("a.png", fx.png())]}).status_code == 401


# -- the page --------------------------------------------------------------------------------------


def test_the_import_page_shows_the_drop_zone(alice_browser):
    page = alice_browser.get("/images/import/").content.decode()
    assert 'data-testid="import-zone"' in page and 'type="file" name="files" multiple' in page
    assert 'hx-post="/images/import/"' in page


def test_dropping_files_on_the_page_lists_them_with_their_parsed_prompts(alice_browser):
    response = alice_browser.post(
        "/images/import/",
        {"files": [upload("fox.png", fx.a1111_png()), upload("comfy.png", fx.comfyui_png())]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="import-result"') == 2
    assert "a lighthouse on a cliff at dusk" in html and "ComfyUI" in html
    assert "AUTOMATIC1111 / Forge / SD.Next" in html and "965400086" in html
    assert "<html" not in html  # a partial


def test_a_refused_file_on_the_page_says_why(alice_browser):
    response = alice_browser.post("/images/import/", {"files": [upload("x.svg", b"<svg/>")]})
    assert response.status_code == 415
    assert "SVG images are not accepted" in response.content.decode()
    htmx = alice_browser.post(
        "/images/import/", {"files": [upload("x.svg", b"<svg/>")]}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200 and 'data-testid="import-error"' in htmx.content.decode()
    assert Image.objects.count() == 0


def test_an_imported_image_can_be_remixed_with_its_prompt_and_seed(alice_api, alice_browser):
    item = import_one(alice_api, "fox.png", fx.invokeai_png())
    page = alice_browser.get(f"/generate/?remix={item['id']}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "a cosy cabin in a snowy forest, warm light" in html and "3456789012" in html
