"""Email verification: no API token before verification when it is mandatory, and starting credits that
arrive with the verified address (GRANT_CREDITS_ON=verified), once."""

from __future__ import annotations

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from imagestudio.accounts import services
from imagestudio.accounts.models import ApiToken, User
from imagestudio.billing.models import CreditEntry
from imagestudio.generation.models import GenerationJob

pytestmark = pytest.mark.django_db

PASSWORD = "a-Strong-pass-123"


def post_json(client: Client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def confirm_from_outbox(client: Client | None = None) -> None:
    """Follow the verification link of the last email, as the user would (a POST: confirm-on-GET is off)."""
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)[1]
    assert (client or Client()).post(path).status_code == 302


def grants(email: str) -> int:
    return CreditEntry.objects.filter(user__email=email, kind="grant").count()


@pytest.fixture
def verified_mode(settings):
    settings.GRANT_CREDITS_ON = "verified"
    return settings


def test_mandatory_verification_gives_no_token_until_the_address_is_verified(catalog, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = post_json(Client(), "/api/auth/register", {"email": "new@example.com", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["token"] is None
    assert "verification link" in body["detail"] and "log in" in body["detail"]
    assert body["user"]["email_verified"] is False
    assert not ApiToken.objects.filter(user__email="new@example.com").exists()
    login = {"email": "new@example.com", "password": PASSWORD}
    assert post_json(Client(), "/api/auth/login", login).status_code == 403
    confirm_from_outbox()
    response = post_json(Client(), "/api/auth/login", login)
    assert response.status_code == 200 and response.json()["token"].startswith("isk_")


def test_the_schema_documents_the_null_token(catalog):
    schema = Client().get("/api/openapi.json").json()
    register = schema["paths"]["/api/auth/register"]["post"]
    assert "token: null" in register["description"]
    ref = register["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    token = schema["components"]["schemas"][ref]["properties"]["token"]
    assert {"type": "null"} in token["anyOf"]


def test_starting_credits_arrive_with_verification_once(catalog, verified_mode):
    response = post_json(Client(), "/api/auth/register", {"email": "new@example.com", "password": PASSWORD})
    assert response.status_code == 201
    assert response.json()["user"]["credits_balance"] == 0
    assert "500 starting credits arrive when the address is verified" in response.json()["detail"]
    assert response.json()["token"]  # verification is optional here: a token, but no credits yet
    confirm_from_outbox()
    user = User.objects.get(email="new@example.com")
    assert user.credits_balance == 500 and grants(user.email) == 1
    # Verifying again, or another address, grants nothing more.
    services.on_email_confirmed(EmailAddress.objects.get(user=user))
    second = EmailAddress.objects.create(user=user, email="second@example.com", primary=False, verified=True)
    services.on_email_confirmed(second)
    user.refresh_from_db()
    assert user.credits_balance == 500 and grants(user.email) == 1


def test_page_signups_wait_for_verification_too(catalog, verified_mode):
    client = Client()
    response = client.post(
        "/accounts/signup/", {"email": "page@example.com", "password1": PASSWORD, "password2": PASSWORD, "name": "Page"}
    )
    assert response.status_code == 302
    assert User.objects.get(email="page@example.com").credits_balance == 0
    page = client.get("/dashboard/")
    banner = re.search(r'data-testid="verify-email-banner".*?</div>\s*</div>', page.content.decode(), re.S)[0]
    assert "Verify your email address to receive your 500 starting credits" in banner
    confirm_from_outbox(client)
    assert User.objects.get(email="page@example.com").credits_balance == 500
    assert 'data-testid="verify-email-banner"' not in client.get("/dashboard/").content.decode()


def test_grant_on_signup_keeps_the_old_behaviour(catalog, settings):
    settings.GRANT_CREDITS_ON = "signup"
    response = post_json(Client(), "/api/auth/register", {"email": "new@example.com", "password": PASSWORD})
    assert response.json()["user"]["credits_balance"] == 500
    assert "starting credits" not in response.json()["detail"]
    confirm_from_outbox()
    assert User.objects.get(email="new@example.com").credits_balance == 500 and grants("new@example.com") == 1


def test_the_banner_says_nothing_about_credits_when_they_came_at_signup(catalog, settings):
    settings.GRANT_CREDITS_ON = "signup"
    user = services.register("plain@example.com", PASSWORD)
    client = Client()
    client.force_login(user)
    html = client.get("/dashboard/").content.decode()
    assert 'data-testid="verify-email-banner"' in html and "starting credits" not in html


def test_without_verification_at_all_credits_come_at_signup(catalog, settings):
    settings.GRANT_CREDITS_ON = "verified"
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    assert services.register("none@example.com", PASSWORD).credits_balance == 500


def test_an_unverified_user_without_credits_still_generates_offline_for_free(catalog, verified_mode):
    user = services.register("broke@example.com", PASSWORD)
    assert user.credits_balance == 0
    client = Client(headers={"Authorization": f"Bearer {services.issue_token(user)}"})
    response = post_json(client, "/api/generate/text-to-image", {"model_id": "offline/studio-v1", "prompt": "a fox"})
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(user=user)
    assert job.credits_reserved == 0
