"""Sessions: the idle timeout and absolute lifetime (time moved, no sleeps), the session list with this
device marked, and signing other sessions out."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from imagestudio.accounts import middleware
from imagestudio.events.models import Event
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = 1_900_000_000.0
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def clock(monkeypatch):
    now = {"t": START}
    monkeypatch.setattr(middleware, "clock", lambda: now["t"])

    def advance(*, minutes: float = 0, hours: float = 0) -> None:
        now["t"] += minutes * 60 + hours * 3600

    return advance


def logged_in(user_agent: str = FIREFOX, email: str = "alice@example.com") -> Client:
    client = Client(headers={"User-Agent": user_agent})
    assert client.post("/accounts/login/", {"login": email, "password": PASSWORD}).status_code == 302
    return client


def is_signed_in(client: Client) -> bool:
    return client.get("/dashboard/").status_code == 200


def test_an_idle_session_is_logged_out_with_a_message(alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    client = logged_in()
    clock(minutes=29)
    assert is_signed_in(client)
    clock(minutes=31)
    response = client.get("/dashboard/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "after 30 minutes without activity" in response.content.decode()
    assert not is_signed_in(client)
    assert Event.objects.filter(verb="security.session_expired", target_id=str(alice.pk)).count() == 1
    assert Event.objects.filter(verb="security.logout", target_id=str(alice.pk)).count() == 0


def test_activity_keeps_a_session_alive_past_the_idle_timeout(alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    client = logged_in()
    for _ in range(4):  # 100 minutes in all, never 30 idle
        clock(minutes=25)
        assert is_signed_in(client)


def test_the_absolute_lifetime_ends_even_an_active_session(alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 60
    settings.SESSION_ABSOLUTE_LIFETIME_HOURS = 2
    client = logged_in()
    for _ in range(2):
        clock(minutes=50)
        assert is_signed_in(client)
    clock(minutes=21)  # 121 minutes after logging in
    response = client.get("/dashboard/", follow=True)
    assert "after 2 hours" in response.content.decode()
    assert not is_signed_in(client)


def test_zero_turns_the_limits_off(alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 0
    settings.SESSION_ABSOLUTE_LIFETIME_HOURS = 0
    client = logged_in()
    clock(hours=24 * 400)
    assert is_signed_in(client)


def test_the_defaults_are_twelve_hours_idle_and_thirty_days(settings):
    from imagestudio import settings as studio

    assert (studio.SESSION_IDLE_TIMEOUT_MINUTES, studio.SESSION_ABSOLUTE_LIFETIME_HOURS) == (720, 720)


def test_api_tokens_are_not_subject_to_the_session_limits(alice_api, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 1
    alice_api.get("/api/auth/me")
    clock(minutes=10)
    assert alice_api.get("/api/auth/me").status_code == 200


def test_the_session_list_marks_this_device(alice, clock):
    laptop = logged_in(FIREFOX)
    logged_in(IPHONE)
    html = laptop.get("/settings/security/").content.decode()
    assert html.count('data-testid="session-row"') == 2
    assert html.count('data-testid="session-current"') == 1
    assert "Firefox on Windows" in html and "Safari on iPhone" in html
    assert html.index("Firefox on Windows") < html.index('data-testid="session-current"') < html.index("Safari")


def test_last_seen_is_written_at_most_once_a_minute(alice, clock):
    client = logged_in()
    session = UserSession.objects.get(user=alice)
    first_seen = session.last_seen_at
    clock(minutes=0.5)
    client.get("/dashboard/")
    assert client.session[middleware.SEEN_AT] == START
    clock(minutes=1)
    client.get("/dashboard/")
    assert client.session[middleware.SEEN_AT] == START + 90
    session.refresh_from_db()
    assert session.last_seen_at > first_seen


def test_a_session_from_elsewhere_is_listed_on_its_first_request(alice_browser, alice, clock):
    """force_login (and sessions from before the list existed) skip allauth's login signal."""
    assert not UserSession.objects.filter(user=alice).exists()
    alice_browser.get("/dashboard/")
    assert UserSession.objects.filter(user=alice).count() == 1


def test_sign_out_others_ends_every_other_session(alice, clock):
    laptop, phone, tablet = logged_in(FIREFOX), logged_in(IPHONE), logged_in(IPHONE)
    response = laptop.post("/settings/security/sessions/sign-out-others/")
    assert response.status_code == 302
    assert is_signed_in(laptop)
    assert not is_signed_in(phone) and not is_signed_in(tablet)
    assert UserSession.objects.filter(user=alice).count() == 1
    assert Event.objects.filter(verb="security.session_signed_out", target_id=str(alice.pk)).count() == 2


def test_sign_out_one_session(alice, clock):
    laptop, phone = logged_in(FIREFOX), logged_in(IPHONE)
    other = UserSession.objects.get(user=alice, user_agent=IPHONE)
    assert laptop.post(f"/settings/security/sessions/{other.pk}/sign-out/").status_code == 302
    assert not is_signed_in(phone) and is_signed_in(laptop)


def test_nobody_signs_out_someone_elses_session(alice, bob, clock):
    logged_in(IPHONE, email="bob@example.com")
    bobs = UserSession.objects.get(user=bob)
    assert logged_in().post(f"/settings/security/sessions/{bobs.pk}/sign-out/").status_code == 404
    assert UserSession.objects.filter(pk=bobs.pk).exists()


def test_sign_out_needs_a_post(alice, clock):
    assert logged_in().get("/settings/security/sessions/sign-out-others/").status_code == 405
