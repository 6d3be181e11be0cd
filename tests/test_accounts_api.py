from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client

from imagestudio.billing.models import CreditEntry

pytestmark = pytest.mark.django_db


def post_json(client: Client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_it_registers_with_token_credits_and_verification_email(catalog):
    response = post_json(
        Client(), "/api/auth/register", {"email": "New@Example.com", "password": "a-Strong-pass-123", "name": "Neo"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("isk_")
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["credits_balance"] == 500
    assert body["user"]["email_verified"] is False
    assert CreditEntry.objects.filter(user__email="new@example.com", kind="grant", amount=500).count() == 1
    assert len(mail.outbox) == 1 and "new@example.com" in mail.outbox[0].to


def test_it_rejects_a_duplicate_email(alice):
    response = post_json(
        Client(), "/api/auth/register", {"email": "alice@example.com", "password": "a-Strong-pass-123"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "email"


def test_it_rejects_a_weak_password(catalog):
    response = post_json(Client(), "/api/auth/register", {"email": "x@example.com", "password": "123"})
    assert response.status_code == 400
    assert response.json()["field"] == "password"
    assert "short" in response.json()["detail"]


def test_it_logs_in_and_the_token_works(alice):
    response = post_json(
        Client(), "/api/auth/login", {"email": "ALICE@example.com", "password": "correct-Horse-battery-9"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["name"] == "Alice"


def test_it_rejects_a_wrong_password(alice):
    response = post_json(Client(), "/api/auth/login", {"email": "alice@example.com", "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong email or password."


def test_it_requires_a_valid_bearer_token(alice):
    assert Client().get("/api/auth/me").status_code == 401
    bad = Client(headers={"Authorization": "Bearer isk_not-a-real-token"}).get("/api/auth/me")
    assert bad.status_code == 401


def test_it_validates_the_request_body(catalog):
    response = post_json(Client(), "/api/auth/login", {"email": "a@b.c"})
    assert response.status_code == 422
    assert any("password" in str(item["loc"]) for item in response.json()["detail"])


def test_it_refuses_unverified_logins_when_verification_is_mandatory(alice, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = post_json(
        Client(), "/api/auth/login", {"email": "alice@example.com", "password": "correct-Horse-battery-9"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("email", ["@example.com", "a@b", "two words@example.com", "x@@example.com", "a@exa mple.com"])
def test_it_validates_email_addresses_like_django(catalog, email):
    response = post_json(Client(), "/api/auth/register", {"email": email, "password": "a-Strong-pass-123"})
    assert response.status_code == 400
    assert response.json()["field"] == "email"


def test_a_registration_that_loses_the_race_for_its_email_is_a_400_not_a_500(catalog, monkeypatch):
    from imagestudio.accounts import services
    from imagestudio.accounts.models import User

    real_validate = services.validate_password

    def validate_while_someone_else_registers(password, user=None):
        # Runs after the "already exists?" check and before the insert: the window two requests race in.
        User.objects.create_user(email="race@example.com", password="other-Strong-pass-1")
        real_validate(password, user=user)

    monkeypatch.setattr(services, "validate_password", validate_while_someone_else_registers)
    response = post_json(Client(), "/api/auth/register", {"email": "race@example.com", "password": "a-Strong-pass-123"})
    assert response.status_code == 400
    assert response.json()["field"] == "email"
    assert User.objects.filter(email="race@example.com").count() == 1


def test_passwords_need_twelve_characters(catalog):
    response = post_json(Client(), "/api/auth/register", {"email": "x@example.com", "password": "Elev3n-char"})
    assert response.status_code == 400
    assert "at least 12 characters" in response.json()["detail"]
    ok = post_json(Client(), "/api/auth/register", {"email": "x@example.com", "password": "Twelv3-chars"})
    assert ok.status_code == 201


def test_an_inactive_account_cannot_log_in(alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    response = post_json(
        Client(), "/api/auth/login", {"email": "alice@example.com", "password": "correct-Horse-battery-9"}
    )
    assert response.status_code == 401
