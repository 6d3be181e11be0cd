"""The general API rate limit: every /api/ call counts per API key, per user and (without a user) per client
IP; beyond the limit the answer is JSON 429 with Retry-After, whatever the route."""

from __future__ import annotations

import pytest
from django.test import Client

from imagestudio.accounts.services import issue_token
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(rate_limits):
    rate_limits.API_RATE_LIMIT = "3/m"
    rate_limits.API_ANON_RATE_LIMIT = "2/m"
    return rate_limits


def statuses(client: Client, path: str, count: int, **extra) -> list[int]:
    return [client.get(path, **extra).status_code for _ in range(count)]


def test_a_user_over_the_limit_gets_json_429_with_retry_after(alice_api, small_limits):
    assert statuses(alice_api, "/api/images", 3) == [200, 200, 200]
    response = alice_api.get("/api/projects")  # another route: the limit covers the whole API
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    assert response.json() == {
        "detail": f"Too many requests. Try again in {retry_after} second{'s' if retry_after != 1 else ''}.",
        "retry_after": retry_after,
    }


def test_each_user_has_their_own_count(alice_api, bob_api, small_limits):
    assert statuses(alice_api, "/api/images", 4) == [200, 200, 200, 429]
    assert statuses(bob_api, "/api/images", 1) == [200]


def test_a_users_keys_share_the_users_count(alice, small_limits):
    first, second = bearer_client(alice), bearer_client(alice)
    assert statuses(first, "/api/images", 2) == [200, 200]
    assert statuses(second, "/api/images", 2) == [200, 429]


def test_a_session_counts_against_its_user_like_a_token(alice, alice_browser, small_limits):
    assert statuses(alice_browser, "/api/images", 2) == [200, 200]
    assert statuses(bearer_client(alice), "/api/images", 2) == [200, 429]


def test_anonymous_calls_count_per_ip_at_the_anonymous_rate(catalog, small_limits):
    here, there = Client(REMOTE_ADDR="203.0.113.5"), Client(REMOTE_ADDR="203.0.113.6")
    assert statuses(here, "/api/models", 3) == [200, 200, 429]
    assert statuses(there, "/api/models", 1) == [200]


def test_invalid_tokens_count_against_the_ip(catalog, small_limits):
    """Guessing tokens is slowed down like any anonymous call (each guess is a new 'key')."""
    codes = [
        Client(REMOTE_ADDR="203.0.113.9", headers={"Authorization": f"Bearer guess-{n}"}).get("/api/images").status_code
        for n in range(3)
    ]
    assert codes == [401, 401, 429]


def test_a_revoked_token_is_anonymous_to_the_limit(alice, small_limits):
    from imagestudio.accounts.models import ApiToken

    token = issue_token(alice)
    ApiToken.objects.filter(user=alice).update(revoked_at="2020-01-01T00:00:00Z")
    client = Client(REMOTE_ADDR="203.0.113.10", headers={"Authorization": f"Bearer {token}"})
    assert statuses(client, "/api/images", 3) == [401, 401, 429]


def test_unknown_api_paths_are_counted_too(alice_api, small_limits):
    assert statuses(alice_api, "/api/no-such-thing", 4) == [404, 404, 404, 429]


def test_pages_are_not_counted(alice_browser, small_limits):
    assert statuses(alice_browser, "/images/", 4) == [200, 200, 200, 200]
    assert alice_browser.get("/api/images").status_code == 200


def test_an_empty_rate_means_no_limit(alice_api, rate_limits):
    rate_limits.API_RATE_LIMIT = ""
    assert statuses(alice_api, "/api/images", 5) == [200] * 5


def test_limits_are_off_when_disabled(alice_api, settings):
    settings.DISABLE_RATE_LIMITS = True
    settings.API_RATE_LIMIT = "1/m"
    assert statuses(alice_api, "/api/images", 3) == [200, 200, 200]


def test_provider_webhooks_are_not_counted(catalog, small_limits):
    """fal and Stripe sign their calls and retry refused ones: a 429 would only delay results and money."""
    stripe = Client(REMOTE_ADDR="203.0.113.7")
    answers = [
        stripe.post("/api/webhooks/stripe", b"{}", content_type="application/json").status_code for _ in range(4)
    ]
    assert 429 not in answers and len(set(answers)) == 1
    assert statuses(stripe, "/api/models", 3) == [200, 200, 429]  # the same address's API calls still are
