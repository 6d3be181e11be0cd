"""The security log: what allauth's flows and our API do to an account is recorded (with IP and device),
and Settings → Security lists the user's own events, newest first."""

from __future__ import annotations

import json
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client, RequestFactory

from imagestudio.accounts.audit import security_event
from imagestudio.events.models import Event
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"
)
NEW_PASSWORD = "violet-Harbour-lamp-42"


def verbs(user) -> list[str]:
    rows = Event.objects.filter(target_id=str(user.pk), verb__startswith="security.").order_by("created_at", "id")
    return [verb.removeprefix("security.") for verb in rows.values_list("verb", flat=True)]


def page_login(password: str = PASSWORD, email: str = "alice@example.com") -> Client:
    client = Client(headers={"User-Agent": UA}, REMOTE_ADDR="203.0.113.7")
    client.post("/accounts/login/", {"login": email, "password": password})
    return client


def test_a_page_login_is_recorded_with_ip_and_device(alice):
    page_login()
    event = Event.objects.get(verb="security.login", target_id=str(alice.pk))
    assert event.data["ip"] == "203.0.113.7"
    assert event.data["user_agent"] == UA
    assert event.actor_id == alice.pk


def test_failed_logins_are_recorded_for_the_account_they_tried(alice):
    page_login(password="wrong-password-1")
    Client().post(
        "/api/auth/login",
        json.dumps({"email": "ALICE@example.com", "password": "wrong-password-2"}),
        content_type="application/json",
    )
    assert verbs(alice) == ["login_failed", "login_failed"]


def test_a_failed_login_for_an_unknown_address_records_nothing(catalog):
    page_login(email="nobody@example.com")
    assert not Event.objects.filter(verb__startswith="security.").exists()


def test_an_api_login_is_recorded(alice):
    body = {"email": "alice@example.com", "password": PASSWORD}
    Client().post("/api/auth/login", json.dumps(body), content_type="application/json")
    event = Event.objects.get(verb="security.login", target_id=str(alice.pk))
    assert event.data["method"] == "api"


def test_logout_is_recorded(alice):
    client = page_login()
    client.post("/accounts/logout/")
    assert verbs(alice) == ["login", "logout"]


def test_a_password_change_on_the_page_is_recorded(alice):
    client = page_login()
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert verbs(alice) == ["login", "password_changed"]


def test_a_password_reset_through_the_emailed_link_is_recorded(alice):
    client = Client()
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)[1]
    form_url = client.get(link)["Location"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert verbs(alice) == ["password_reset"]


def test_email_added_verified_and_changed_are_recorded(alice_api, alice):
    mail.outbox.clear()
    alice_api.put(
        "/api/auth/profile",
        json.dumps({"name": "Alice", "email": "alice@new.example"}),
        content_type="application/json",
    )
    key = re.search(r"/accounts/confirm-email/(\S+?)/", mail.outbox[-1].body)[1]
    Client().post("/api/auth/verify-email", json.dumps({"key": key}), content_type="application/json")
    assert verbs(alice) == ["email_added", "email_verified", "email_changed"]
    changed = Event.objects.get(verb="security.email_changed")
    assert (changed.data["email"], changed.data["from"]) == ("alice@new.example", "alice@example.com")
    assert mail.outbox[-1].to == ["alice@example.com"]  # the old address hears about it


@pytest.mark.parametrize(
    ("kind", "signal", "verb"),
    [
        ("webauthn", mfa_signals.authenticator_added, "passkey_added"),
        ("webauthn", mfa_signals.authenticator_removed, "passkey_removed"),
        ("recovery_codes", mfa_signals.authenticator_used, "recovery_code_used"),
        ("totp", mfa_signals.authenticator_used, None),  # an ordinary code at login: the login is the event
    ],
)
def test_authenticator_signals_map_to_their_events(alice, kind, signal, verb):
    authenticator = Authenticator(user=alice, type=kind, data={})
    request = RequestFactory().post("/", HTTP_USER_AGENT=UA)
    signal.send(sender=Authenticator, request=request, user=alice, authenticator=authenticator)
    assert verbs(alice) == ([verb] if verb else [])


def test_the_security_tab_lists_the_users_own_events_newest_first(alice, bob):
    page_login()
    page_login(password="wrong-password-1")
    page_login(email="bob@example.com")
    client = page_login()
    html = client.get("/settings/security/").content.decode()
    rows = re.findall(r'data-testid="security-event" data-verb="(\w+)"', html)
    assert rows == ["login", "login_failed", "login"]
    assert "Failed login" in html and "203.0.113.7" in html and "Safari on macOS" in html


def test_the_security_tab_shows_at_most_thirty_events(alice_browser, alice):
    for _ in range(35):
        security_event(user=alice, verb="login")
    html = alice_browser.get("/settings/security/").content.decode()
    assert html.count('data-testid="security-event"') == 30


def test_email_addresses_of_other_users_never_show(alice_browser, alice, bob):
    security_event(user=bob, verb="email_changed", data={"email": "bob-secret@example.com"})
    assert "bob-secret@example.com" not in alice_browser.get("/settings/security/").content.decode()
    assert EmailAddress.objects.filter(user=alice).count() == 1


def test_connecting_and_disconnecting_a_provider_is_recorded(alice):
    from types import SimpleNamespace

    from allauth.socialaccount import signals as social
    from allauth.socialaccount.models import SocialAccount

    account = SocialAccount(user=alice, provider="github", uid="42")
    request = RequestFactory().post("/", HTTP_USER_AGENT=UA)
    social.social_account_added.send(
        sender=SocialAccount, request=request, sociallogin=SimpleNamespace(account=account)
    )
    social.social_account_removed.send(sender=SocialAccount, request=request, socialaccount=account)
    assert verbs(alice) == ["social_connected", "social_disconnected"]
    assert set(Event.objects.values_list("data__provider", flat=True)) == {"github"}
