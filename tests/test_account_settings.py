"""Settings → Account: name, profile picture (validated, cut to a square, re-encoded without metadata),
the address with its verified badge and a pending change, the password section; and Argon2 hashing."""

from __future__ import annotations

import io
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from PIL import Image as PILImage

from imagestudio.accounts.models import User
from imagestudio.accounts.profile import AVATAR_SIZE
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ARGON2_FIRST = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def photo(size=(640, 400), fmt: str = "JPEG") -> io.BytesIO:
    """A photo carrying EXIF (camera, GPS position) as phones write them."""
    image = PILImage.new("RGB", size, (200, 80, 40))
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPS
    data = io.BytesIO()
    image.save(data, fmt, exif=exif.tobytes())
    data.seek(0)
    data.name = "me.jpg"
    return data


def test_the_tab_shows_profile_email_and_password(alice_browser):
    html = alice_browser.get("/settings/account/").content.decode()
    for testid in (
        "profile-form",
        "avatar-input",
        "profile-name",
        "current-email",
        "email-unverified",
        "password-change",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert re.search(r'data-testid="current-email">alice@example.com<', html)
    assert 'href="/accounts/email/"' in html


def test_a_verified_address_gets_the_verified_badge(alice_browser, alice):
    EmailAddress.objects.filter(user=alice).update(verified=True)
    html = alice_browser.get("/settings/account/").content.decode()
    assert 'data-testid="email-verified"' in html and 'data-testid="email-unverified"' not in html


def test_saving_the_name(alice_browser, alice):
    response = alice_browser.post("/settings/account/", {"name": "Alice Liddell"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.name == "Alice Liddell"


def test_a_too_long_name_is_refused_and_kept_in_the_form(alice_browser, alice):
    response = alice_browser.post("/settings/account/", {"name": "x" * 151})
    assert response.status_code == 200
    assert "x" * 151 in response.content.decode()
    alice.refresh_from_db()
    assert alice.name == "Alice"


def test_a_picture_is_cut_to_a_square_webp_without_metadata(alice_browser, alice):
    response = alice_browser.post("/settings/account/", {"name": "Alice", "avatar": photo()})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.avatar.name.startswith(f"avatars/{alice.pk}-") and alice.avatar.name.endswith(".webp")
    with alice.avatar.open("rb") as handle:
        stored = PILImage.open(io.BytesIO(handle.read()))
    assert (stored.format, stored.size) == ("WEBP", (AVATAR_SIZE, AVATAR_SIZE))
    assert "exif" not in stored.info and len(stored.getexif()) == 0


def test_the_picture_replaces_the_initials_and_is_served(alice_browser, alice):
    alice_browser.post("/settings/account/", {"name": "Alice", "avatar": photo()})
    html = alice_browser.get("/dashboard/").content.decode()
    src = re.search(r'<img src="(/settings/account/avatar/[^"]+)"[^>]*data-testid="avatar-image"', html)[1]
    served = alice_browser.get(src.replace("&amp;", "&"))
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert Client().get(src).status_code == 302  # signed-in users only


def test_a_new_picture_deletes_the_old_file(alice_browser, alice):
    alice_browser.post("/settings/account/", {"name": "Alice", "avatar": photo()})
    alice.refresh_from_db()
    first = alice.avatar.name
    alice_browser.post("/settings/account/", {"name": "Alice", "avatar": photo(size=(300, 900))})
    alice.refresh_from_db()
    assert alice.avatar.name != first
    assert not alice.avatar.storage.exists(first)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "SVG images are not accepted"),
        (b"GIF89a" + b"\x00" * 40, "a GIF"),
        (b"just some text", "not an image"),
    ],
)
def test_a_bad_picture_is_refused_with_the_reason(alice_browser, alice, content, message):
    upload = io.BytesIO(content)
    upload.name = "evil.png"
    response = alice_browser.post("/settings/account/", {"name": "Renamed", "avatar": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="avatar-error"' in html and message in html
    alice.refresh_from_db()
    assert not alice.avatar and alice.name == "Alice"  # nothing saved


def test_removing_the_picture(alice_browser, alice):
    alice_browser.post("/settings/account/", {"name": "Alice", "avatar": photo()})
    alice.refresh_from_db()
    name = alice.avatar.name
    assert alice_browser.post("/settings/account/", {"remove_avatar": "1"}).status_code == 302
    alice.refresh_from_db()
    assert not alice.avatar and not alice.avatar.storage.exists(name)


def test_a_pending_address_change_is_shown(alice_browser):
    alice_browser.put(
        "/api/auth/profile",
        json.dumps({"name": "Alice", "email": "alice@new.example"}),
        content_type="application/json",
    )
    html = alice_browser.get("/settings/account/").content.decode()
    assert 'data-testid="pending-email"' in html and "alice@new.example" in html
    assert re.search(r'data-testid="current-email">alice@example.com<', html)


def test_an_account_without_a_password_is_offered_to_set_one(alice_browser, alice):
    alice.set_unusable_password()
    alice.save()
    alice_browser.force_login(alice)
    html = alice_browser.get("/settings/account/").content.decode()
    assert 'data-testid="password-set"' in html and 'data-testid="password-change"' not in html


@pytest.mark.parametrize("path", ["/settings/account/", "/settings/security/"])
def test_the_tabs_need_a_login(catalog, path):
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@override_settings(PASSWORD_HASHERS=ARGON2_FIRST)
def test_an_older_pbkdf2_hash_becomes_argon2_at_the_next_login(alice):
    User.objects.filter(pk=alice.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    client = Client()
    assert client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD}).status_code == 302
    alice.refresh_from_db()
    assert alice.password.startswith("argon2$")
    assert alice.check_password(PASSWORD)


def test_the_studio_hashes_with_argon2_first():
    from imagestudio import settings as studio

    assert studio.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in studio.PASSWORD_HASHERS[1:]
