"""CSRF on the JSON API, route by route from the OpenAPI schema (so a new route cannot slip through): every
unsafe call made with a browser session and no CSRF token is refused with 403, while the same call with a
bearer token needs no CSRF token. Path parameters are random UUIDs: the refusal must come before any
lookup, and with a token the answer is whatever the route says about a missing thing, never a CSRF 403."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.test import Client

from imagestudio.accounts.services import issue_token
from imagestudio.api import api

pytestmark = pytest.mark.django_db

UNSAFE = ("post", "put", "patch", "delete")
_PARAM = re.compile(r"\{[^}]+\}")


def unsafe_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    found = []
    for path, item in schema["paths"].items():
        for method in UNSAFE:
            if method in item:
                found.append((method, path))
    return found


OPERATIONS = unsafe_operations()


def concrete(path: str) -> str:
    return _PARAM.sub(lambda _: str(uuid.uuid4()), path)


def call(client: Client, method: str, path: str):
    return getattr(client, method)(concrete(path), json.dumps({}), content_type="application/json")


def test_the_schema_has_unsafe_routes_to_check():
    """Guards the parametrisation below: an empty list would pass every case vacuously."""
    assert len(OPERATIONS) > 50
    assert ("post", "/api/images/import") in OPERATIONS


@pytest.fixture
def session_without_csrf(alice) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
def test_a_session_call_without_a_csrf_token_is_refused(session_without_csrf, method, path):
    response = call(session_without_csrf, method, path)
    assert response.status_code == 403, response.content
    assert response.json()["detail"].startswith("CSRF check failed")


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
def test_a_bearer_call_needs_no_csrf_token(alice, method, path):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {issue_token(alice)}"})
    response = call(client, method, path)
    assert response.status_code != 403 or "csrf" not in response.content.decode().lower(), response.content


def test_a_session_call_with_the_csrf_token_passes(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/images/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/projects",
        json.dumps({"name": "Checked"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content


def test_an_anonymous_call_to_an_open_route_needs_no_csrf_token(alice):
    response = Client(enforce_csrf_checks=True).post(
        "/api/auth/login",
        json.dumps({"email": "alice@example.com", "password": "wrong-password-1"}),
        content_type="application/json",
    )
    assert response.status_code == 401
