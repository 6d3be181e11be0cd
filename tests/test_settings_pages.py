"""The settings frame: every tab answers a signed-in user, shows every tab link, and sends visitors to log in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from imagestudio.preferences.tabs import TABS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("slug", "url_name"), [(slug, name) for slug, _label, _icon, name in TABS])
def test_each_tab_renders_inside_the_frame_with_itself_marked_current(alice_browser, slug, url_name):
    response = alice_browser.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    for other_slug, _label, _icon, _name in TABS:
        assert f'data-testid="settings-tab-{other_slug}"' in html
    assert html.count('aria-current="page" data-testid="settings-tab-') == 1
    assert f'aria-current="page" data-testid="settings-tab-{slug}"' in html


@pytest.mark.parametrize("url_name", [name for _slug, _label, _icon, name in TABS])
def test_visitors_are_sent_to_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_settings_root_opens_the_account_tab(alice_browser):
    response = alice_browser.get("/settings/")
    assert response.status_code == 302
    assert response["Location"] == reverse("settings_account")
