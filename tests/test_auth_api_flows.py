"""The account self-service API: verify an address, forgot/reset password, profile (with an email change
that waits for re-verification) and change password, each through allauth's flow, with 400 + field errors."""

from __future__ import annotations

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from imagestudio.accounts.models import ApiToken, User
from imagestudio.api import api
from tests.conftest import bearer_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "violet-Harbour-lamp-42"


def send(client: Client, method: str, path: str, body: dict):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def link_key(kind: str) -> str:
    """The key at the end of the last email's link (kind: "confirm-email" or "password/reset/key")."""
    return re.search(rf"/accounts/{kind}/(\S+?)/", mail.outbox[-1].body)[1]


def test_verify_email_marks_the_address_verified(alice, alice_browser):
    assert alice.email_verified is False
    mail.outbox.clear()
    alice_browser.post("/accounts/email/", {"action_send": "1", "email": "alice@example.com"})
    response = send(Client(), "post", "/api/auth/verify-email", {"key": link_key("confirm-email")})
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert EmailAddress.objects.get(user=alice).verified is True


def test_verify_email_with_an_unknown_key_is_a_400_on_key(alice):
    response = send(Client(), "post", "/api/auth/verify-email", {"key": "not-a-real-key"})
    assert response.status_code == 400
    assert response.json()["field"] == "key"


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(alice):
    mail.outbox.clear()
    known = send(Client(), "post", "/api/auth/forgot-password", {"email": "alice@example.com"})
    unknown = send(Client(), "post", "/api/auth/forgot-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [m.to for m in mail.outbox] == [["alice@example.com"], ["nobody@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_forgot_password_with_a_malformed_address_is_a_400_on_email(catalog):
    response = send(Client(), "post", "/api/auth/forgot-password", {"email": "not an address"})
    assert response.status_code == 400
    assert response.json()["field"] == "email"


def test_reset_password_with_the_emailed_key_sets_the_password_and_revokes_tokens(alice):
    token = ApiToken.issue(alice, "cli")[0]
    mail.outbox.clear()
    send(Client(), "post", "/api/auth/forgot-password", {"email": "alice@example.com"})
    key = link_key("password/reset/key")
    response = send(Client(), "post", "/api/auth/reset-password", {"key": key, "password": NEW_PASSWORD})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    token.refresh_from_db()
    assert token.revoked_at is not None
    # The key is spent with the old password hash.
    again = send(Client(), "post", "/api/auth/reset-password", {"key": key, "password": "another-Long-pass-77"})
    assert again.status_code == 400 and again.json()["field"] == "key"


def test_reset_password_refuses_a_weak_password_on_the_password_field(alice):
    mail.outbox.clear()
    send(Client(), "post", "/api/auth/forgot-password", {"email": "alice@example.com"})
    response = send(
        Client(), "post", "/api/auth/reset-password", {"key": link_key("password/reset/key"), "password": "short"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "password"
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_profile_renames(alice_api, alice):
    response = send(alice_api, "put", "/api/auth/profile", {"name": "Alice Liddell"})
    assert response.status_code == 200
    assert response.json()["user"]["name"] == "Alice Liddell"
    assert response.json()["pending_email"] is None
    alice.refresh_from_db()
    assert alice.name == "Alice Liddell"


def test_profile_email_change_waits_for_verification(alice_api, alice):
    mail.outbox.clear()
    response = send(alice_api, "put", "/api/auth/profile", {"name": "Alice", "email": "alice@new.example"})
    assert response.status_code == 200
    assert response.json()["pending_email"] == "alice@new.example"
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # not before it is verified
    assert mail.outbox[-1].to == ["alice@new.example"]
    assert send(Client(), "post", "/api/auth/verify-email", {"key": link_key("confirm-email")}).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert list(EmailAddress.objects.filter(user=alice).values_list("email", "verified", "primary")) == [
        ("alice@new.example", True, True)
    ]


def test_profile_email_of_another_account_answers_as_usual_and_never_switches(alice_api, alice, bob):
    """No account enumeration: the answer is the usual one, but the address, verified by bob, cannot be
    verified for alice, so her account keeps its address."""
    EmailAddress.objects.filter(user=bob).update(verified=True)
    mail.outbox.clear()
    response = send(alice_api, "put", "/api/auth/profile", {"name": "Alice", "email": "bob@example.com"})
    assert response.status_code == 200
    assert response.json()["pending_email"] == "bob@example.com"
    verify = send(Client(), "post", "/api/auth/verify-email", {"key": link_key("confirm-email")})
    assert verify.status_code == 400 and verify.json()["field"] == "key"
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert EmailAddress.objects.get(user=bob).email == "bob@example.com"


def test_profile_with_a_malformed_email_is_a_400_on_email_and_saves_nothing(alice_api, alice):
    response = send(alice_api, "put", "/api/auth/profile", {"name": "Changed", "email": "not an address"})
    assert response.status_code == 400
    assert response.json()["field"] == "email"
    alice.refresh_from_db()
    assert alice.name == "Alice"


def test_profile_needs_authentication(catalog):
    assert send(Client(), "put", "/api/auth/profile", {"name": "x"}).status_code == 401


def test_change_password_with_a_bearer_token_returns_a_fresh_token(alice_api, alice):
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = send(alice_api, "put", "/api/auth/change-password", body)
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert send(alice_api, "put", "/api/auth/profile", {"name": "x"}).status_code == 401  # the old token is gone
    fresh = Client(headers={"Authorization": f"Bearer {response.json()['token']}"})
    assert fresh.get("/api/auth/me").status_code == 200


def test_change_password_keeps_the_browser_session(alice_browser, alice):
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = send(alice_browser, "put", "/api/auth/change-password", body)
    assert response.status_code == 200
    assert response.json()["token"] is None
    assert alice_browser.get("/api/auth/me").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "wrong-password-1", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "12345678"}, "new_password"),
    ],
)
def test_change_password_errors_name_their_field(alice, body, field):
    response = send(bearer_client(alice), "put", "/api/auth/change-password", body)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert User.objects.get(pk=alice.pk).check_password(PASSWORD)


@pytest.fixture
def auth_limits(rate_limits):
    rate_limits.ACCOUNT_RATE_LIMITS = rate_limits.AUTH_RATE_LIMITS  # allauth's defaults for the other actions
    return rate_limits


def test_forgot_password_is_rate_limited_per_address(alice, auth_limits):
    answers = [
        send(Client(), "post", "/api/auth/forgot-password", {"email": "alice@example.com"}).status_code
        for _ in range(6)
    ]
    assert answers == [202] * 5 + [429]


def test_change_password_is_rate_limited_per_user(alice, auth_limits):
    client = bearer_client(alice)
    body = {"current_password": "wrong-password-1", "new_password": NEW_PASSWORD}
    answers = [send(client, "put", "/api/auth/change-password", body).status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]


def test_the_routes_and_their_errors_are_in_the_openapi_schema(catalog):
    paths = api.get_openapi_schema()["paths"]
    expected = {
        ("/api/auth/verify-email", "post"): {200, 400, 429},
        ("/api/auth/forgot-password", "post"): {202, 400, 429},
        ("/api/auth/reset-password", "post"): {200, 400, 429},
        ("/api/auth/profile", "put"): {200, 400, 401, 429},
        ("/api/auth/change-password", "put"): {200, 400, 401, 429},
    }
    for (path, method), codes in expected.items():
        assert set(paths[path][method]["responses"]) == codes, path
