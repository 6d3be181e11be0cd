"""Every place the studio takes a file goes through the one upload validator (imagestudio.gallery.upload):
the API import, the import page, image-to-image's upload, and inpainting masks (multipart file, JSON data
URL, the page's painted mask). Each refuses an SVG, a polyglot, a decompression bomb and an oversized file
with the validator's status and message, and stores nothing. The text uploads (a batch's CSV, a prompt
library import) have their own size and encoding limits, checked here too."""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image as PILImage

from imagestudio.batches.models import Batch
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from imagestudio.prompts.models import Prompt
from tests.factories import RECORD_TASKS_ONLY, make_image, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_task_runs(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


def _bomb() -> bytes:
    """6000×6000 of one colour: ~100 KB as a PNG, 108 MB decoded."""
    out = io.BytesIO()
    PILImage.new("L", (6000, 6000)).save(out, "PNG")
    return out.getvalue()


def _noise() -> bytes:
    out = io.BytesIO()
    PILImage.frombytes("L", (120, 120), os.urandom(14_400)).save(out, "PNG")  # ~14 KB, over the 10 KB below
    return out.getvalue()


# name: (bytes, status from the API, words in the message, limits in force)
CASES = {
    "svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', 415, "SVG", {}),
    "polyglot": (lambda: png_bytes(64, 48) + _zip(), 422, "polyglot", {}),
    "bomb": (_bomb, 422, "decompression bomb", {"IMPORT_MAX_PIXELS": 20_000_000}),
    "oversized": (_noise, 413, "limit", {"IMPORT_MAX_FILE_BYTES": 10_000}),
}


def _file(name: str, data: bytes) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def api_import(alice, client, data):
    return client.post("/api/images/import", {"files": [_file("up.png", data)]})


def api_image_to_image(alice, client, data):
    return client.post("/api/generate/image-to-image", {"file": _file("up.png", data), "prompt": "x"})


def api_inpaint_file(alice, client, data):
    image = make_image(user=alice)
    return client.post(f"/api/images/{image.pk}/inpaint", {"mask": _file("mask.png", data), "prompt": "x"})


def api_inpaint_data_url(alice, client, data):
    image = make_image(user=alice)
    body = json.dumps({"mask": _data_url(data), "prompt": "x"})
    return client.post(f"/api/images/{image.pk}/inpaint", body, content_type="application/json")


API_PATHS = {
    "import": (api_import, "files"),
    "image-to-image": (api_image_to_image, "file"),
    "inpaint-mask-file": (api_inpaint_file, "mask"),
    "inpaint-mask-data-url": (api_inpaint_data_url, "mask"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("path", API_PATHS)
def test_every_api_upload_path_refuses_abuse_with_the_validators_status(alice, alice_api, path, case):
    send, field = API_PATHS[path]
    build, status, words, limits = CASES[case]
    with override_settings(**limits):
        response = send(alice, alice_api, build())
    assert response.status_code == status, response.content
    body = response.json()
    assert words.lower() in body["detail"].lower() and body["field"] == field
    assert not GenerationJob.objects.exists()
    assert Image.objects.filter(operation="import").count() == 0  # (the inpaint paths make their source first)


@pytest.mark.parametrize("case", CASES)
def test_the_import_page_refuses_abuse_with_the_validators_status(alice_browser, case):
    build, status, words, limits = CASES[case]
    with override_settings(**limits):
        response = alice_browser.post("/images/import/", {"files": [SimpleUploadedFile("up.png", build())]})
    assert response.status_code == status
    assert words.lower() in response.content.decode().lower()
    assert not Image.objects.exists()


@pytest.mark.parametrize("case", CASES)
def test_the_inpaint_page_refuses_an_abusive_mask_and_keeps_the_form(alice, alice_browser, case):
    build, _, words, limits = CASES[case]
    image = make_image(user=alice)
    with override_settings(**limits):
        response = alice_browser.post(
            f"/images/{image.pk}/iterate/inpaint/", {"mask": _data_url(build()), "prompt": "a quiet lake"}
        )
    body = response.content.decode()
    assert response.status_code == 422
    assert words.lower() in body.lower() and "a quiet lake" in body
    assert not GenerationJob.objects.exists()


def test_a_clean_mask_still_passes_after_the_validator(alice, alice_api):
    image = make_image(user=alice)
    mask = PILImage.new("L", (image.width, image.height), 0)
    mask.paste(255, (0, 0, image.width // 2, image.height // 2))
    out = io.BytesIO()
    mask.save(out, "PNG")
    response = api_inpaint_data_url(alice, alice_api, out.getvalue())
    assert response.status_code == 202, response.content
    assert GenerationJob.objects.get().action == "inpaint"


# -- text uploads ------------------------------------------------------------------------------------


def _batch_form(**values) -> dict:
    return {"model_id": "offline/studio-turbo", "aspect_ratio": "1:1", "priority": "0", "source": "csv", **values}


def test_a_batch_csv_that_is_not_utf8_is_refused_with_a_clear_message(alice_browser):
    csv = SimpleUploadedFile("rows.csv", "prompt\nun café\n".encode("latin-1"), content_type="text/csv")
    response = alice_browser.post("/batches/new/", {**_batch_form(), "csv_file": csv})
    assert response.status_code == 422
    assert "The CSV is not UTF-8 text" in response.content.decode()
    assert not Batch.objects.exists()


def test_a_batch_csv_file_over_2_mb_is_refused(alice_browser):
    csv = SimpleUploadedFile("rows.csv", b"prompt\n" + b"a fox\n" * 400_000, content_type="text/csv")
    response = alice_browser.post("/batches/new/", {**_batch_form(), "csv_file": csv})
    assert response.status_code == 422
    assert "The CSV is over 2 MB." in response.content.decode()
    assert not Batch.objects.exists()


def test_batch_csv_text_over_2_mb_is_refused_by_the_api(alice_api):
    body = {"csv": "prompt\n" + "a fox\n" * 360_000, "model_id": "offline/studio-turbo"}  # 2.16 MB
    response = alice_api.post("/api/generate/batch", json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content[:300]
    assert response.json()["detail"][0]["loc"][-1] == "csv"
    assert not Batch.objects.exists()


def test_a_request_body_over_djangos_memory_limit_is_a_json_413(alice_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"csv": "prompt\n" + "a fox\n" * 300, "model_id": "offline/studio-turbo"}
    response = alice_api.post("/api/generate/batch", json.dumps(body), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large (at most 1000 bytes here).", "field": "body"}
    assert not Batch.objects.exists()


def test_a_batch_csv_over_the_row_limit_is_refused(alice_api):
    body = {"csv": "prompt\n" + "a fox\n" * 2001, "model_id": "offline/studio-turbo"}
    response = alice_api.post("/api/generate/batch", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "at most 2000" in json.dumps(response.json())
    assert not Batch.objects.exists()


def test_a_prompt_library_import_over_2_mb_is_refused(alice_api):
    data = b"title,prompt_text\n" + b"fox,a fox\n" * 220_000
    response = alice_api.post("/api/prompts/import", {"file": SimpleUploadedFile("big.csv", data)})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "The file is over 2 MB."
    assert not Prompt.objects.exists()


def test_a_prompt_library_import_that_is_not_utf8_is_refused(alice_api):
    data = "title,prompt_text\ncafé,un café\n".encode("latin-1")
    response = alice_api.post("/api/prompts/import", {"file": SimpleUploadedFile("lib.csv", data)})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "The file is not UTF-8 text; save it as UTF-8."
    assert not Prompt.objects.exists()
