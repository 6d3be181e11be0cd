"""Two-factor authentication (allauth.mfa): setting up an authenticator app from its QR code and secret,
logging in with a code or a recovery code, turning it off; the API's login asks for the code too."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from django.test import Client, RequestFactory

from imagestudio.events.models import Event
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0  # a fixed moment: every test steps its own authenticator-app clock from here


@pytest.fixture
def clock(monkeypatch):
    """allauth's TOTP clock, moved by tests (a code counts once, so each login takes the next 30 s window)."""
    now = {"t": START}
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: now["t"]))

    def step(seconds: float = 30) -> None:
        now["t"] += seconds

    step.now = lambda: now["t"]
    return step


def code_for(secret: str, at: float) -> str:
    """What an authenticator app shows at `at` (RFC 6238: HOTP of the 30-second counter)."""
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, int(at) // 30))


def password_login(client: Client, email: str = "alice@example.com"):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def activate_totp(client: Client, clock) -> str:
    """Set up the authenticator app through the page, as a person would; returns the secret."""
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": code_for(secret, clock.now())})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    return secret


@pytest.fixture
def alice_logged_in(alice) -> Client:
    EmailAddress.objects.filter(user=alice).update(verified=True)  # allauth turns 2FA on for verified addresses only
    client = Client()
    assert password_login(client).status_code == 302
    # Changing two-factor settings asks for the password again (allauth's recent re-authentication).
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def test_the_setup_page_shows_the_qr_code_and_the_secret(alice_logged_in):
    html = alice_logged_in.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'value="([A-Z2-7]{32})"[^>]*data-testid="totp-secret"', html)[1]
    assert re.search(r'src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"[^>]*data-testid="totp-qr"', html)
    assert 'data-testid="totp-code"' in html
    assert alice_logged_in.session[totp_auth.SECRET_SESSION_KEY] == secret


def test_a_wrong_code_does_not_turn_it_on(alice_logged_in, alice, clock):
    alice_logged_in.get("/accounts/2fa/totp/activate/")
    response = alice_logged_in.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not Authenticator.objects.filter(user=alice).exists()


def test_turning_it_on_makes_recovery_codes_and_shows_them(alice_logged_in, alice, clock):
    activate_totp(alice_logged_in, clock)
    assert set(Authenticator.objects.filter(user=alice).values_list("type", flat=True)) == {"totp", "recovery_codes"}
    html = alice_logged_in.get("/accounts/2fa/recovery-codes/").content.decode()
    assert 'data-testid="recovery-codes"' in html
    assert len(re.findall(r'data-testid="recovery-code"', html)) == 10
    security = alice_logged_in.get("/settings/security/").content.decode()
    assert 'data-testid="mfa-status-on"' in security and "Recovery codes (10 left)" in security


def test_login_then_asks_for_a_code(alice_logged_in, alice, clock):
    secret = activate_totp(alice_logged_in, clock)
    client = Client()
    response = password_login(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/dashboard/").status_code == 302  # not logged in yet
    clock(30)
    response = client.post("/accounts/2fa/authenticate/", {"code": code_for(secret, clock.now())})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_code_at_login_keeps_the_door_shut(alice_logged_in, clock):
    activate_totp(alice_logged_in, clock)
    client = Client()
    password_login(client)
    response = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert response.status_code == 200
    assert client.get("/dashboard/").status_code == 302


def test_a_recovery_code_logs_in_once(alice_logged_in, alice, clock):
    activate_totp(alice_logged_in, clock)
    codes = Authenticator.objects.get(user=alice, type="recovery_codes").wrap().get_unused_codes()
    first = Client()
    password_login(first)
    assert first.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert first.get("/dashboard/").status_code == 200
    again = Client()
    password_login(again)
    assert again.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200
    assert again.get("/dashboard/").status_code == 302
    assert len(Authenticator.objects.get(user=alice, type="recovery_codes").wrap().get_unused_codes()) == 9


def test_regenerating_recovery_codes_replaces_them(alice_logged_in, alice, clock):
    activate_totp(alice_logged_in, clock)
    before = Authenticator.objects.get(user=alice, type="recovery_codes").wrap().get_unused_codes()
    assert alice_logged_in.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    after = Authenticator.objects.get(user=alice, type="recovery_codes").wrap().get_unused_codes()
    assert len(after) == 10 and not set(before) & set(after)


def test_turning_it_off_removes_the_authenticators(alice_logged_in, alice, clock):
    activate_totp(alice_logged_in, clock)
    assert alice_logged_in.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=alice).exists()
    response = password_login(Client())
    assert response["Location"] == "/dashboard/"


def test_the_api_login_needs_the_code_when_two_factor_is_on(alice_logged_in, clock):
    secret = activate_totp(alice_logged_in, clock)
    body = {"email": "alice@example.com", "password": PASSWORD}
    response = Client().post("/api/auth/login", json.dumps(body), content_type="application/json")
    assert response.status_code == 401
    assert response.json()["field"] == "code"
    wrong = Client().post("/api/auth/login", json.dumps({**body, "code": "000000"}), content_type="application/json")
    assert wrong.status_code == 401 and wrong.json()["field"] == "code"
    clock(30)
    right = {**body, "code": code_for(secret, clock.now())}
    response = Client().post("/api/auth/login", json.dumps(right), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["token"].startswith("isk_")


def test_the_api_login_accepts_a_recovery_code(alice_logged_in, alice, clock):
    activate_totp(alice_logged_in, clock)
    code = Authenticator.objects.get(user=alice, type="recovery_codes").wrap().get_unused_codes()[0]
    body = {"email": "alice@example.com", "password": PASSWORD, "code": code}
    assert Client().post("/api/auth/login", json.dumps(body), content_type="application/json").status_code == 200
    assert Client().post("/api/auth/login", json.dumps(body), content_type="application/json").status_code == 401


def test_the_security_tab_asks_to_verify_the_address_first(alice_browser):
    html = alice_browser.get("/settings/security/").content.decode()
    assert 'data-testid="mfa-verify-first"' in html
    assert 'data-testid="mfa-activate"' not in html


def test_the_security_tab_links_into_the_setup(alice_logged_in):
    html = alice_logged_in.get("/settings/security/").content.decode()
    assert re.search(r'href="/accounts/2fa/totp/activate/"[^>]*data-testid="mfa-activate"', html)
    assert 'data-testid="mfa-status-off"' in html


def test_passkeys_are_offered(alice_logged_in):
    html = alice_logged_in.get("/settings/security/").content.decode()
    assert re.search(r'href="/accounts/2fa/webauthn/add/"[^>]*data-testid="passkey-add"', html)
    assert alice_logged_in.get("/accounts/2fa/webauthn/add/").status_code == 200
    login_page = Client().get("/accounts/login/").content.decode()
    assert 'data-testid="passkey-login"' in login_page and "mfa/js/webauthn.js" in login_page


def test_two_factor_changes_are_in_the_security_log(alice_logged_in, alice, clock, django_capture_on_commit_callbacks):
    # allauth signals these after the commit, which the test's transaction holds back to the block's end;
    # the request context stands in for the request that is over by then (its notice emails need one).
    with context.request_context(RequestFactory().get("/")), django_capture_on_commit_callbacks(execute=True):
        activate_totp(alice_logged_in, clock)
        alice_logged_in.post("/accounts/2fa/recovery-codes/generate/")
        alice_logged_in.post("/accounts/2fa/totp/deactivate/")
    verbs = Event.objects.filter(target_id=str(alice.pk)).values_list("verb", flat=True)
    assert sorted(v for v in verbs if v != "security.login") == [
        "security.mfa_disabled",
        "security.mfa_enabled",
        "security.recovery_codes_regenerated",
    ]


def test_allauths_overview_pages_lead_to_the_security_tab(alice_browser):
    for path in ("/accounts/2fa/", "/accounts/sessions/"):
        response = alice_browser.get(path)
        assert (response.status_code, response["Location"]) == (302, "/settings/security/")
