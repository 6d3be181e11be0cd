"""Images on S3: stored through boto3 to a real S3 server (moto over HTTP), served by short-lived links."""

from __future__ import annotations

import socket
import time
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from django.test import override_settings

from tests.factories import make_image
from tests.s3server import start_s3_server

pytestmark = [pytest.mark.django_db, pytest.mark.s3]
BUCKET = "imagestudio-storage-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    server = start_s3_server(endpoint, BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings):
    options = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
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
        yield boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def test_originals_and_thumbnails_land_in_the_bucket(s3_storage, alice):
    image = make_image(user=alice, prompt="a teal lighthouse")
    keys = {obj["Key"] for obj in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert image.file.name in keys and image.thumbnail.name in keys
    body = s3_storage.get_object(Bucket=BUCKET, Key=image.file.name)["Body"].read()
    assert body.startswith(b"\x89PNG") and b"a teal lighthouse" in body


def test_downloads_redirect_to_a_signed_link_that_works(s3_storage, alice, alice_browser):
    image = make_image(user=alice, prompt="a teal lighthouse")
    response = alice_browser.get(f"/images/{image.pk}/file?download=1")
    assert response.status_code == 302
    link = response["Location"]
    query = parse_qs(urlsplit(link).query)
    assert query["Signature"] and 0 < int(query["Expires"][0]) - time.time() <= 24 * 3600  # signed, short-lived
    fetched = httpx.get(link)
    assert fetched.status_code == 200 and fetched.content.startswith(b"\x89PNG")
    assert "attachment" in fetched.headers.get("content-disposition", "")
    unsigned = httpx.get(link.split("?")[0])
    assert unsigned.status_code == 403


def test_a_download_name_from_a_non_english_prompt_survives_the_signed_link(s3_storage, alice, alice_browser):
    image = make_image(user=alice, prompt="café au lait — 猫")
    link = alice_browser.get(f"/images/{image.pk}/file?download=1")["Location"]
    disposition = httpx.get(link).headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''caf%C3%A9-au-lait-%E7%8C%AB-7.png")


def test_healthz_checks_s3(s3_storage, catalog, client):
    assert client.get("/healthz").json()["checks"]["storage"] == {"ok": True, "backend": "S3Storage"}


def test_the_csp_lets_browsers_load_images_from_the_storage_origin():
    """Signed S3 links point at another origin; img-src must allow it or thumbnails break."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "S3_BUCKET": "b",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9999/",
        "DJANGO_SETTINGS_MODULE": "imagestudio.settings",
    }
    code = "from django.conf import settings; print(settings.SECURE_CSP['img-src'])"
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "http://127.0.0.1:9999" in out
