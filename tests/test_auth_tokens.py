"""API tokens: login tokens expire (sliding), every token dies with a password change or reset, and
POST /api/auth/logout revokes the token it was called with."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.utils import timezone

from imagestudio.accounts.models import ApiToken
from imagestudio.accounts.services import issue_token

pytestmark = pytest.mark.django_db

PASSWORD = "correct-Horse-battery-9"


class NewerHasher(MD5PasswordHasher):
    """Stands in for a stronger hasher a later release prefers (fast, like the suite's MD5)."""

    algorithm = "md5-newer"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def login_token(email: str = "alice@example.com", password: str = PASSWORD) -> str:
    response = Client().post(
        "/api/auth/login", json.dumps({"email": email, "password": password}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_login_tokens_expire_after_the_ttl(alice, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    raw = login_token()
    token = ApiToken.objects.get(user=alice)
    assert token.kind == ApiToken.Kind.LOGIN
    assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert bearer(raw).get("/api/auth/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(raw).get("/api/auth/me").status_code == 401


def test_using_a_login_token_pushes_its_expiry_back(alice, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    raw = login_token()
    soon = timezone.now() + timedelta(days=1)
    ApiToken.objects.filter(user=alice).update(expires_at=soon, last_used_at=timezone.now() - timedelta(minutes=5))
    assert bearer(raw).get("/api/auth/me").status_code == 200
    token = ApiToken.objects.get(user=alice)
    assert token.expires_at > timezone.now() + timedelta(days=29)
    assert token.last_used_at > timezone.now() - timedelta(minutes=1)


def test_api_keys_keep_their_fixed_expiry(alice):
    fixed = timezone.now() + timedelta(days=2)
    token, raw = ApiToken.issue(alice, "script", kind=ApiToken.Kind.KEY, expires_at=fixed)
    assert bearer(raw).get("/api/auth/me").status_code == 200
    token.refresh_from_db()
    assert token.expires_at == fixed and token.last_used_at is not None


def test_logout_revokes_only_the_calling_token(alice):
    first, second = login_token(), login_token()
    response = bearer(first).post("/api/auth/logout")
    assert response.status_code == 204
    assert bearer(first).get("/api/auth/me").status_code == 401
    assert bearer(second).get("/api/auth/me").status_code == 200
    assert bearer(first).post("/api/auth/logout").status_code == 401


def test_logout_with_a_session_ends_the_session(alice_browser):
    assert alice_browser.get("/api/auth/me").status_code == 200
    assert alice_browser.post("/api/auth/logout").status_code == 204
    assert alice_browser.get("/api/auth/me").status_code == 401


def test_changing_the_password_on_the_page_revokes_every_token(alice, alice_browser):
    tokens = [login_token(), issue_token(alice, "script", kind=ApiToken.Kind.KEY)]
    response = alice_browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-New-strong-pass-77", "password2": "a-New-strong-pass-77"},
    )
    assert response.status_code == 302
    for raw in tokens:
        assert bearer(raw).get("/api/auth/me").status_code == 401
    assert ApiToken.objects.filter(user=alice, revoked_at__isnull=True).count() == 0
    assert bearer(login_token(password="a-New-strong-pass-77")).get("/api/auth/me").status_code == 200


def test_resetting_the_password_by_email_revokes_every_token(alice):
    raw = login_token()
    client = Client()
    assert client.post("/accounts/password/reset/", {"email": "alice@example.com"}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)[1]
    form_url = client.get(link)["Location"]  # allauth moves the key into the session, then shows the form
    response = client.post(form_url, {"password1": "a-Reset-strong-pass-55", "password2": "a-Reset-strong-pass-55"})
    assert response.status_code == 302
    assert bearer(raw).get("/api/auth/me").status_code == 401


def test_a_password_hash_upgrade_at_login_revokes_nothing(alice, settings):
    raw = login_token()
    # Logging in with a hash from an older hasher re-hashes the same password: not a password change.
    settings.PASSWORD_HASHERS = ["tests.test_auth_tokens.NewerHasher", "django.contrib.auth.hashers.MD5PasswordHasher"]
    old_hash = alice.password
    login_token()
    alice.refresh_from_db()
    assert alice.password != old_hash and alice.password.startswith("md5-newer$")
    assert bearer(raw).get("/api/auth/me").status_code == 200


def test_logging_in_past_the_cap_revokes_the_oldest_login_tokens(alice, settings):
    settings.API_MAX_LOGIN_TOKENS = 3
    key = issue_token(alice, "script", kind=ApiToken.Kind.KEY)  # API keys are not login tokens: untouched
    raws = [login_token() for _ in range(5)]
    alive = [bearer(raw).get("/api/auth/me").status_code for raw in raws]
    assert alive == [401, 401, 200, 200, 200]
    assert bearer(key).get("/api/auth/me").status_code == 200
