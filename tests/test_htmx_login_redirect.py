"""A signed-out HTMX request (a badge polling after the session ended) sends the whole page to the login form,
back to the page it was on, instead of swapping the login form into a fragment."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/images/?sort=oldest"}


def test_a_signed_out_fragment_redirects_the_whole_page_back_to_where_it_was():
    response = Client().get("/notifications/badge/", **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fimages%2F%3Fsort%3Doldest"


def test_a_plain_request_still_gets_the_ordinary_redirect():
    response = Client().get("/notifications/badge/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/notifications/badge/")


def test_other_htmx_redirects_are_left_alone(alice_browser):
    response = alice_browser.get("/accounts/login/", **HTMX)  # signed in: allauth redirects elsewhere
    assert response.status_code == 302 and "HX-Redirect" not in response
