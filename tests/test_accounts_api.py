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
    response = post_json(Client(), "/api/auth/register", {"email": "New@Example.com", "password": "a-Strong-pass-123", "name": "Neo"})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("isk_")
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["credits_balance"] == 500
    assert body["user"]["email_verified"] is False
    assert CreditEntry.objects.filter(user__email="new@example.com", kind="grant", amount=500).count() == 1
    assert len(mail.outbox) == 1 and "new@example.com" in mail.outbox[0].to


def test_it_rejects_a_duplicate_email(alice):
    response = post_json(Client(), "/api/auth/register", {"email": "alice@example.com", "password": "a-Strong-pass-123"})
    assert response.status_code == 400
    assert response.json()["field"] == "email"


def test_it_rejects_a_weak_password(catalog):
    response = post_json(Client(), "/api/auth/register", {"email": "x@example.com", "password": "123"})
    assert response.status_code == 400
    assert response.json()["field"] == "password"
    assert "short" in response.json()["detail"]


def test_it_logs_in_and_the_token_works(alice):
    response = post_json(Client(), "/api/auth/login", {"email": "ALICE@example.com", "password": "correct-Horse-battery-9"})
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
    response = post_json(Client(), "/api/auth/login", {"email": "alice@example.com", "password": "correct-Horse-battery-9"})
    assert response.status_code == 403
