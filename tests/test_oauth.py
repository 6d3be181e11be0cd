"""Sign in with Google / GitHub: offered only when the provider's client id and secret are configured."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GOOGLE = {"APPS": [{"client_id": "google-client-123", "secret": "google-secret"}]}
GITHUB = {"APPS": [{"client_id": "github-client-456", "secret": "github-secret"}]}


@pytest.fixture
def both_configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"SCOPE": ["profile", "email"], **GOOGLE}, "github": GITHUB}
    return settings


@pytest.fixture
def none_configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"SCOPE": ["profile", "email"]}, "github": {}}
    return settings


@pytest.mark.parametrize("page", ["/accounts/login/", "/accounts/signup/"])
def test_the_buttons_show_when_configured(catalog, both_configured, page):
    html = Client().get(page).content.decode()
    posting = re.findall(
        r'<form method="post" action="/accounts/(\w+)/login/"><input type="hidden" name="csrfmiddlewaretoken"', html
    )
    assert posting == ["google", "github"]  # each button's form posts with its CSRF token (login CSRF)
    assert 'data-testid="oauth-google"' in html and "Continue with Google" in html
    assert 'data-testid="oauth-github"' in html and "Continue with GitHub" in html


@pytest.mark.parametrize("page", ["/accounts/login/", "/accounts/signup/"])
def test_no_buttons_without_configuration(catalog, none_configured, page):
    html = Client().get(page).content.decode()
    assert "oauth-buttons" not in html
    assert "Continue with" not in html


def test_only_the_configured_provider_is_offered(catalog, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {}, "github": GITHUB}
    html = Client().get("/accounts/login/").content.decode()
    assert 'data-testid="oauth-github"' in html
    assert 'data-testid="oauth-google"' not in html


@pytest.mark.parametrize(
    ("provider", "authorize", "client_id"),
    [
        ("google", "https://accounts.google.com/o/oauth2/v2/auth", "google-client-123"),
        ("github", "https://github.com/login/oauth/authorize", "github-client-456"),
    ],
)
def test_the_login_url_redirects_to_the_providers_authorize_url_with_our_client_id(
    catalog, both_configured, provider, authorize, client_id
):
    response = Client().post(f"/accounts/{provider}/login/", {"process": "login"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == authorize
    query = parse_qs(location.query)
    assert query["client_id"] == [client_id]
    assert query["redirect_uri"] == [f"http://testserver/accounts/{provider}/login/callback/"]
    assert query["state"][0]


@pytest.mark.parametrize("provider", ["google", "github"])
def test_the_login_url_is_404_when_not_configured(catalog, none_configured, provider):
    assert Client().post(f"/accounts/{provider}/login/", {"process": "login"}).status_code == 404
    assert Client().get(f"/accounts/{provider}/login/callback/?code=x&state=y").status_code == 404


def test_settings_read_the_client_ids_from_the_environment(monkeypatch):
    """Only a provider with both an id and a secret gets an app (settings are re-read in a subprocess-free way)."""
    import importlib

    import imagestudio.settings as studio_settings

    monkeypatch.setenv("GOOGLE_CLIENT_ID", "gid")
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", "gsecret")
    monkeypatch.setenv("GITHUB_CLIENT_ID", "only-an-id")
    monkeypatch.delenv("GITHUB_CLIENT_SECRET", raising=False)
    reloaded = importlib.reload(studio_settings)
    try:
        assert reloaded.SOCIALACCOUNT_PROVIDERS["google"]["APPS"] == [{"client_id": "gid", "secret": "gsecret"}]
        assert "APPS" not in reloaded.SOCIALACCOUNT_PROVIDERS["github"]
    finally:
        monkeypatch.undo()
        importlib.reload(studio_settings)
