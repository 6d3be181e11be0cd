"""A careful new user: sign up, verify, turn on two-factor, sign out, sign back in with an authenticator
code, create an API key, use it from a fresh client, and revoke it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

import httpx
import pytest

pytestmark = pytest.mark.e2e
EMAIL = "careful.user@example.com"
PASSWORD = "a-Strong-pass-456"
TOTP_PERIOD = 30


def totp(secret: str, at: float) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), computed here rather than by the code under test."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // TOTP_PERIOD), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_code(secret: str) -> str:
    """A code with at least 5 s of its 30 s window left, so it is still valid when the form arrives."""
    deadline = time.monotonic() + TOTP_PERIOD + 5
    while TOTP_PERIOD - time.time() % TOTP_PERIOD < 5:
        assert time.monotonic() < deadline, "the clock did not move on to a new TOTP window"
        time.sleep(0.2)
    return totp(secret, time.time())


def reauthenticate_if_asked(page) -> None:
    if "/reauthenticate" in page.url:
        page.fill("[name=password]", PASSWORD)
        page.locator("form [type=submit]").first.click()
        page.wait_for_load_state()


def test_two_factor_sign_in_and_an_api_key_from_creation_to_revocation(page, studio):
    page.goto("/accounts/signup/")
    page.fill("[name=email]", EMAIL)
    page.fill("[name=name]", "Careful User")
    page.fill("[name=password1]", PASSWORD)
    page.fill("[name=password2]", PASSWORD)
    page.click("[data-testid=signup-submit]")
    page.wait_for_load_state()
    link = studio.latest_link(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")
    page.goto(link)
    page.click("[data-testid=confirm-email-submit]")
    page.wait_for_load_state()

    # Two-factor on, from the Security tab.
    page.goto("/settings/security/")
    page.locator("[data-testid=mfa-status-off]").wait_for()
    page.click("[data-testid=mfa-activate]")
    page.wait_for_load_state()
    reauthenticate_if_asked(page)
    secret = page.locator("[data-testid=totp-secret]").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    assert page.locator("[data-testid=totp-qr]").get_attribute("src").startswith("data:image/svg")
    page.fill("[name=code]", fresh_code(secret))
    page.click("[data-testid=totp-activate]")
    page.wait_for_load_state()
    page.goto("/settings/security/")
    page.locator("[data-testid=mfa-status-on]").wait_for()

    # Sign out; signing in now takes the password and then a code.
    page.goto("/accounts/logout/")
    page.click("[data-testid=logout-submit]")
    page.wait_for_load_state()
    page.goto("/accounts/login/")
    page.fill("[name=login]", EMAIL)
    page.fill("[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("#id_code", "000000" if totp(secret, time.time()) != "000000" else "111111")
    page.press("#id_code", "Enter")
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url  # a wrong code does not let anyone in
    page.fill("#id_code", fresh_code(secret))
    page.press("#id_code", "Enter")
    page.wait_for_url(re.compile(r"/dashboard/"))
    page.goto("/settings/security/")
    verbs = page.locator("[data-testid=security-event]").evaluate_all("rows => rows.map(r => r.dataset.verb)")
    assert "security.mfa_enabled" in verbs or "mfa_enabled" in verbs, verbs

    # An API key: shown once, works from a client that has nothing but the key, and stops when revoked.
    page.goto("/settings/api-keys/")
    page.fill("[data-testid=key-name]", "nightly backup")
    page.click("[data-testid=key-create]")
    secret_key = page.locator("[data-testid=new-key-value]").inner_text().strip()
    assert secret_key.startswith("isk_")
    with httpx.Client(base_url=studio.url, headers={"Authorization": f"Bearer {secret_key}"}) as fresh:
        me = fresh.get("/api/auth/me")
        assert me.status_code == 200 and me.json()["email"] == EMAIL
        assert fresh.get("/api/images").status_code == 200
        page.goto("/settings/api-keys/")
        assert secret_key not in page.content()
        page.click("[data-testid=key-revoke]")
        page.click("[data-testid=key-revoke-confirm]")
        page.wait_for_load_state()
        page.locator("[data-testid=key-status]", has_text=re.compile("Revoked", re.I)).wait_for()
        assert fresh.get("/api/auth/me").status_code == 401
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
