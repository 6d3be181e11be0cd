"""Settings → API keys (/settings/api-keys/): create a key and see it once, revoke behind a confirmation, errors
that keep what was typed, and the user's own fal.ai key (saved, shown only by its last four characters, removed)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from imagestudio.accounts.models import ApiToken, ProviderKey
from imagestudio.events.models import Event

pytestmark = pytest.mark.django_db

URL = "/settings/api-keys/"
OWN_KEY = "alice-own-key-1111:bbbbbbbbbbbbWXYZ"


def post(client: Client, action: str, **data):
    return client.post(URL, {"action": action, **data})


def shown_key(html: str) -> str:
    match = re.search(r'data-testid="new-key-value">([^<]+)<', html)
    assert match, "the new key is not on the page"
    return match[1]


def test_the_tab_is_wired_at_its_url_name():
    assert reverse("settings_api_keys") == URL


def test_an_empty_account_sees_the_empty_state_the_form_and_the_usage_snippet(alice_browser):
    response = alice_browser.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for testid in (
        "keys-empty",
        "create-key",
        "usage-snippet",
        "fal-key",
        "scope-read",
        "scope-generate",
        "scope-manage",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert 'data-testid="new-key"' not in html
    assert "Authorization: Bearer $STUDIO_KEY" in html and "http://testserver/api/images" in html


def test_creating_a_key_shows_it_once(alice_browser, alice):
    response = post(alice_browser, "create", name="render farm", scopes=["read", "generate"], expires="30")
    html = response.content.decode()
    assert response.status_code == 200
    raw = shown_key(html)
    assert "you won&#x27;t see it again" in html.lower() or "you won't see it again" in html.lower()
    assert 'data-testid="new-key-copy"' in html
    key = ApiToken.objects.get(user=alice, kind=ApiToken.Kind.KEY)
    assert key.name == "render farm" and key.scopes == ["read", "generate"] and key.hint == raw[:10]
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/auth/me").status_code == 200
    later = alice_browser.get(URL).content.decode()
    assert raw not in later and 'data-testid="new-key"' not in later
    assert f"{key.hint}…" in later and later.count('data-testid="key-row"') == 1
    assert Event.objects.filter(verb="security.api_key_created").count() == 1


def test_a_key_that_never_expires_says_so(alice_browser):
    post(alice_browser, "create", name="forever", scopes=["read"], expires="never")
    assert ApiToken.objects.get(kind=ApiToken.Kind.KEY).expires_at is None
    assert "never expires" in alice_browser.get(URL).content.decode()


def test_a_missing_name_re_renders_the_form_with_what_was_chosen(alice_browser):
    response = post(alice_browser, "create", name="", scopes=["generate", "manage"], expires="365")
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html
    assert re.search(r'value="generate" class="checkbox mt-0.5" checked', html)
    assert re.search(r'value="manage" class="checkbox mt-0.5" checked', html)
    assert not re.search(r'value="read" class="checkbox mt-0.5" checked', html)
    assert re.search(r'<option value="365" selected>', html)
    assert ApiToken.objects.filter(kind=ApiToken.Kind.KEY).count() == 0


def test_no_scope_is_refused_keeping_the_name(alice_browser):
    response = post(alice_browser, "create", name="my script", expires="90")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one scope." in html and 'value="my script"' in html
    assert ApiToken.objects.filter(kind=ApiToken.Kind.KEY).count() == 0


def test_the_cap_is_explained_on_the_form(alice_browser, settings):
    settings.API_MAX_KEYS = 1
    post(alice_browser, "create", name="first", scopes=["read"], expires="30")
    response = post(alice_browser, "create", name="second", scopes=["read"], expires="30")
    html = response.content.decode()
    assert response.status_code == 400
    assert "You already have 1 active keys" in html and 'value="second"' in html
    assert ApiToken.objects.filter(kind=ApiToken.Kind.KEY).count() == 1


def test_revoke_sits_behind_a_confirmation_and_stops_the_key(alice_browser, alice):
    raw = shown_key(post(alice_browser, "create", name="ci", scopes=["read"], expires="30").content.decode())
    key = ApiToken.objects.get(user=alice, kind=ApiToken.Kind.KEY)
    html = alice_browser.get(URL).content.decode()
    assert f'data-dialog-open="revoke-{key.pk}"' in html and f'<dialog id="revoke-{key.pk}"' in html
    response = post(alice_browser, "revoke", key_id=str(key.pk))
    assert response.status_code == 302 and response["Location"] == URL
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/auth/me").status_code == 401
    after = alice_browser.get(URL).content.decode()
    assert "Revoked" in after and f'<dialog id="revoke-{key.pk}"' not in after


def test_revoking_another_users_key_changes_nothing(alice_browser, bob):
    bob_key, raw = ApiToken.issue(bob, "bob's", kind=ApiToken.Kind.KEY, scopes=["read"])
    response = post(alice_browser, "revoke", key_id=str(bob_key.pk))
    assert response.status_code == 302
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/auth/me").status_code == 200
    assert "That key was not found" in alice_browser.get(URL).content.decode()


def test_an_unknown_action_changes_nothing(alice_browser):
    response = post(alice_browser, "explode")
    assert response.status_code == 302
    assert ApiToken.objects.filter(kind=ApiToken.Kind.KEY).count() == 0


def test_the_page_needs_a_login():
    response = Client().get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


# -- the user's own fal key -------------------------------------------------------------------------


def test_saving_a_fal_key_shows_only_its_date_and_last_four(alice_browser, alice):
    response = post(alice_browser, "fal_key_set", fal_key=OWN_KEY)
    assert response.status_code == 302
    html = alice_browser.get(URL).content.decode()
    assert 'data-testid="fal-key-set"' in html and "…WXYZ" in html
    assert OWN_KEY not in html and OWN_KEY[:-4] not in html
    assert ProviderKey.objects.get(user=alice).last4 == "WXYZ"


def test_a_malformed_fal_key_is_refused_and_never_echoed(alice_browser):
    bad = "not a key at all"
    response = post(alice_browser, "fal_key_set", fal_key=bad)
    html = response.content.decode()
    assert response.status_code == 400
    assert "no spaces or line breaks" in html and bad not in html
    assert ProviderKey.objects.count() == 0


def test_removing_the_fal_key(alice_browser, alice):
    post(alice_browser, "fal_key_set", fal_key=OWN_KEY)
    html = alice_browser.get(URL).content.decode()
    assert '<dialog id="remove-fal-key"' in html
    assert post(alice_browser, "fal_key_remove").status_code == 302
    assert ProviderKey.objects.filter(user=alice).count() == 0
    assert 'data-testid="fal-key-set"' not in alice_browser.get(URL).content.decode()


def test_without_studio_fal_models_the_page_says_the_key_waits(alice_browser, settings):
    settings.FAL_KEY = ""
    assert 'data-testid="fal-key-offline"' in alice_browser.get(URL).content.decode()
    settings.FAL_KEY = "studio-key"
    assert 'data-testid="fal-key-offline"' not in alice_browser.get(URL).content.decode()
