"""Rate limits: API login/register through allauth's limits (per IP and per email), one client IP for
allauth and the API, and the shared helper in imagestudio.lib.ratelimit."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory

from imagestudio.lib import ratelimit
from imagestudio.lib.ratelimit import RateLimited, client_ip, limit, parse_rate

pytestmark = pytest.mark.django_db

WRONG = {"email": "alice@example.com", "password": "not-her-password-1"}


@pytest.fixture
def rate_limits(rate_limits):
    """The shared fixture (limits on, clean cache, pinned clock) plus allauth's limits."""
    rate_limits.ACCOUNT_RATE_LIMITS = rate_limits.AUTH_RATE_LIMITS
    return rate_limits


def post_json(path: str, body: dict, **headers):
    return Client(headers=headers).post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_thirty_wrong_passwords_from_rotating_forwarded_ips_are_answered_429_after_the_limit(
    alice, rate_limits, trusted_proxies
):
    rate_limits.TRUSTED_PROXY_COUNT = trusted_proxies
    responses = [post_json("/api/auth/login", WRONG, x_forwarded_for=f"203.0.113.{n}") for n in range(30)]
    statuses = [response.status_code for response in responses]
    assert statuses[:5] == [401] * 5  # LOGIN_FAILED_RATE_LIMIT: 5 per email per 5 minutes
    assert statuses[5:] == [429] * 25
    retry_after = int(responses[-1]["Retry-After"])
    assert 240 < retry_after <= 300
    assert responses[-1].json()["retry_after"] == retry_after
    # Locked for everyone guessing this email, even with the right password, until the window passes.
    right = post_json(
        "/api/auth/login",
        {"email": "alice@example.com", "password": "correct-Horse-battery-9"},
        x_forwarded_for="198.51.100.7",
    )
    assert right.status_code == 429


def test_the_per_email_count_ignores_letter_case(alice, rate_limits):
    for n in range(5):
        assert (
            post_json(
                "/api/auth/login", {**WRONG, "email": "Alice@Example.com" if n % 2 else "ALICE@example.com"}
            ).status_code
            == 401
        )
    assert post_json("/api/auth/login", WRONG).status_code == 429


def test_allauth_counts_failures_per_client_ip_chosen_by_trusted_proxy_count(alice, bob, rate_limits):
    rate_limits.TRUSTED_PROXY_COUNT = 1
    # 10 failures from one client (the hop our proxy added), each for a different email: the per-IP limit.
    for n in range(10):
        response = post_json(
            "/api/auth/login",
            {"email": f"nobody{n}@example.com", "password": "x" * 12},
            x_forwarded_for=f"10.9.9.{n}, 203.0.113.5",
        )  # the left part is the client's to forge
        assert response.status_code == 401
    blocked = post_json(
        "/api/auth/login",
        {"email": "bob@example.com", "password": "correct-Horse-battery-9"},
        x_forwarded_for="1.2.3.4, 203.0.113.5",
    )
    assert blocked.status_code == 429
    other_client = post_json(
        "/api/auth/login",
        {"email": "bob@example.com", "password": "correct-Horse-battery-9"},
        x_forwarded_for="203.0.113.5, 203.0.113.77",
    )
    assert other_client.status_code == 200


def test_a_successful_login_does_not_count_as_a_failure(alice, rate_limits):
    for _ in range(4):
        assert post_json("/api/auth/login", WRONG).status_code == 401
    for _ in range(3):
        ok = post_json("/api/auth/login", {"email": "alice@example.com", "password": "correct-Horse-battery-9"})
        assert ok.status_code == 200
    assert post_json("/api/auth/login", WRONG).status_code == 401  # the 5th failure, still allowed
    assert post_json("/api/auth/login", WRONG).status_code == 429


def test_api_register_is_limited_per_ip_by_allauths_signup_limit(catalog, rate_limits):
    rate_limits.ACCOUNT_RATE_LIMITS = {**rate_limits.AUTH_RATE_LIMITS, "signup": "3/m/ip"}
    statuses = [
        post_json("/api/auth/register", {"email": f"user{n}@example.com", "password": "a-Strong-pass-123"}).status_code
        for n in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]


def test_no_limits_when_disabled(alice, settings):
    assert settings.DISABLE_RATE_LIMITS is True  # the suite's default
    cache.clear()
    assert {post_json("/api/auth/login", WRONG).status_code for _ in range(8)} == {401}


# --- imagestudio.lib.ratelimit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/m", ratelimit.Rate(30, 60)),
        ("5/10m", ratelimit.Rate(5, 600)),
        ("100/h", ratelimit.Rate(100, 3600)),
        ("3/30s", ratelimit.Rate(3, 30)),
        ("1000/d", ratelimit.Rate(1000, 86400)),
        ("", None),
        ("0/m", None),
    ],
)
def test_rates_parse(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["30", "30/x", "many/m", "30/m/ip"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError, match="Bad rate"):
        parse_rate(text)


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "127.0.0.1"),  # nothing trusted: the header is ignored
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # our proxy appended the real client
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),  # fewer hops than proxies: the farthest we have
        (1, "not-an-ip", "127.0.0.1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_our_proxies_hops(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", headers={"x-forwarded-for": forwarded}, REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == expected


def test_limit_raises_with_the_seconds_left_in_the_window(rate_limits):
    request = RequestFactory().post("/")
    for _ in range(3):
        limit(request, action="test", rate="3/m", key="user:1")
    with pytest.raises(RateLimited) as exc:
        limit(request, action="test", rate="3/m", key="user:1")
    assert exc.value.retry_after == 59  # the pinned clock is 1 s into the minute
    assert "Try again in" in exc.value.detail
    limit(request, action="test", rate="3/m", key="user:2")  # another key has its own count
    limit(request, action="other", rate="3/m", key="user:1")  # and another action


def test_limit_does_nothing_when_limits_are_disabled(settings):
    settings.DISABLE_RATE_LIMITS = True
    request = RequestFactory().post("/")
    for _ in range(5):
        limit(request, action="test", rate="1/m", key="k")


def test_the_decorator_reads_its_rate_from_settings_and_keys_by_user_or_ip(rate_limits, alice):
    rate_limits.TEST_RATE_LIMIT = "2/m"
    calls = []

    @ratelimit.rate_limit(action="decorated", rate_setting="TEST_RATE_LIMIT")
    def view(request, value):
        calls.append(value)
        return value

    anonymous = RequestFactory().post("/")
    anonymous.user = type("Anon", (), {"is_authenticated": False})()
    signed_in = RequestFactory().post("/")
    signed_in.user = alice
    assert [view(anonymous, 1), view(anonymous, 2)] == [1, 2]
    with pytest.raises(RateLimited):
        view(anonymous, 3)
    assert view(signed_in, 4) == 4  # a different key: the user, not the address
    assert calls == [1, 2, 4]


def test_pages_answer_a_rate_limit_with_the_429_page_and_retry_after(catalog):
    middleware = ratelimit.RateLimitMiddleware(lambda request: None)
    page = RequestFactory().post("/generate/")
    page.user = type("Anon", (), {"is_authenticated": False})()
    response = middleware.process_exception(page, RateLimited(42))
    assert response.status_code == 429 and response["Retry-After"] == "42"
    assert b"Too many requests" in response.content and b"42 seconds" in response.content
    api_call = RequestFactory().post("/api/generate/text-to-image")
    response = middleware.process_exception(api_call, RateLimited(7))
    assert response.status_code == 429 and json.loads(response.content)["retry_after"] == 7
    assert middleware.process_exception(page, ValueError("other")) is None


# --- The shared cache: a database table by default, Redis with REDIS_URL.

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_the_default_cache_is_the_database_table_the_migrations_create(settings):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert "studio_cache" in connection.introspection.table_names()
    cache.set("probe", 41)
    assert cache.incr("probe") == 42


def test_failed_logins_are_limited_the_same_on_redis(alice, rate_limits, redis_cache):
    from django.core.cache import caches

    assert type(caches["default"]).__name__ == "RedisCache"
    statuses = [post_json("/api/auth/login", WRONG, x_forwarded_for=f"203.0.113.{n}").status_code for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3


def test_our_limits_count_in_redis_across_requests(rate_limits, redis_cache):
    request = RequestFactory().post("/")
    limit(request, action="shared", rate="2/m", key="user:7")
    limit(RequestFactory().post("/"), action="shared", rate="2/m", key="user:7")
    with pytest.raises(RateLimited):
        limit(request, action="shared", rate="2/m", key="user:7")
