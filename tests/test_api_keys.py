"""API keys over the API: GET/POST /api/settings/api-keys and DELETE /api/settings/api-keys/{id} — the key shown
once, used from a fresh client, expiry, revocation at once, another user's key, the cap and the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from imagestudio.accounts import api_keys
from imagestudio.accounts.models import ApiToken
from imagestudio.events.models import Event

pytestmark = pytest.mark.django_db

URL = "/api/settings/api-keys"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def create(client: Client, **body):
    payload = {"name": "render farm", "scopes": ["read"], "expires_in_days": 30, **body}
    return client.post(URL, json.dumps(payload), content_type="application/json")


def audit(verb: str) -> list[dict]:
    return list(Event.objects.filter(verb=f"security.{verb}").order_by("created_at").values_list("data", flat=True))


def test_a_new_key_is_shown_once_and_the_list_never_shows_it(alice_api):
    response = create(alice_api, scopes=["read", "generate"])
    assert response.status_code == 201, response.content
    body = response.json()
    raw = body["key"]
    assert raw.startswith("isk_") and len(raw) > 40
    assert body["name"] == "render farm" and body["scopes"] == ["read", "generate"]
    assert body["prefix"] == raw[:10] and body["status"] == "active" and body["last_used_at"] is None
    assert set(body) == {"id", "name", "prefix", "scopes", "status", "created_at", "expires_at", "last_used_at", "key"}
    listed = alice_api.get(URL)
    assert listed.status_code == 200
    assert [key["id"] for key in listed.json()] == [body["id"]]
    assert "key" not in listed.json()[0] and raw not in listed.content.decode()
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.kind == ApiToken.Kind.KEY and raw not in (stored.token_hash, stored.hint)


def test_the_key_works_from_a_fresh_client_and_records_its_use(alice_api, alice):
    raw = create(alice_api).json()["key"]
    response = bearer(raw).get("/api/auth/me")
    assert response.status_code == 200 and response.json()["email"] == alice.email
    listed = alice_api.get(URL).json()
    assert listed[0]["last_used_at"] is not None


def test_scopes_come_back_in_a_fixed_order_whatever_order_they_were_sent(alice_api):
    assert create(alice_api, scopes=["manage", "read"]).json()["scopes"] == ["read", "manage"]


def test_expiry_sets_the_date_and_an_expired_key_answers_401(alice_api):
    body = create(alice_api, expires_in_days=90).json()
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    assert bearer(body["key"]).get("/api/auth/me").status_code == 200
    ApiToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(body["key"]).get("/api/auth/me").status_code == 401
    assert alice_api.get(URL).json()[0]["status"] == "expired"


def test_a_key_without_expiry_never_expires(alice_api):
    body = create(alice_api, expires_in_days=None).json()
    assert body["expires_at"] is None
    assert ApiToken.objects.get(pk=body["id"]).expires_at is None


def test_revoking_a_key_stops_it_at_once(alice_api):
    body = create(alice_api).json()
    key = bearer(body["key"])
    assert key.get("/api/auth/me").status_code == 200  # used (and cached nowhere) just before
    response = alice_api.delete(f"{URL}/{body['id']}")
    assert response.status_code == 204
    assert key.get("/api/auth/me").status_code == 401
    assert alice_api.get(URL).json()[0]["status"] == "revoked"
    assert alice_api.delete(f"{URL}/{body['id']}").status_code == 204  # again: nothing changes


def test_another_users_key_is_not_found_and_keeps_working(alice_api, bob_api):
    body = create(alice_api).json()
    response = bob_api.delete(f"{URL}/{body['id']}")
    assert response.status_code == 404 and response.json()["detail"] == "You have no API key with this id."
    assert bob_api.get(URL).json() == []
    assert bearer(body["key"]).get("/api/auth/me").status_code == 200


def test_login_tokens_are_not_listed_or_revocable_as_keys(alice_api, alice):
    login = ApiToken.objects.get(user=alice, kind=ApiToken.Kind.LOGIN)
    assert alice_api.get(URL).json() == []
    assert alice_api.delete(f"{URL}/{login.pk}").status_code == 404


def test_live_keys_are_capped_per_user(alice_api, settings):
    settings.API_MAX_KEYS = 2
    first = create(alice_api, name="one").json()
    assert create(alice_api, name="two").status_code == 201
    refused = create(alice_api, name="three")
    assert refused.status_code == 400
    assert refused.json()["field"] == "name" and "2 active keys" in refused.json()["detail"]
    assert ApiToken.objects.filter(kind=ApiToken.Kind.KEY).count() == 2
    alice_api.delete(f"{URL}/{first['id']}")  # a revoked key frees its place
    assert create(alice_api, name="three").status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "   "}, 400, "name"),
        ({"scopes": []}, 422, None),
        ({"scopes": ["admin"]}, 422, None),
        ({"expires_in_days": 0}, 422, None),
        ({"expires_in_days": api_keys.MAX_EXPIRY_DAYS + 1}, 422, None),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(alice_api, body, status, field):
    response = create(alice_api, **body)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    if field:
        assert response.json()["field"] == field
    assert ApiToken.objects.filter(kind=ApiToken.Kind.KEY).count() == 0


def test_the_service_refuses_unknown_and_missing_scopes(alice):
    from imagestudio.accounts.services import AccountError

    with pytest.raises(AccountError) as unknown:
        api_keys.create_key(user=alice, name="x", scopes=["read", "admin"], expires_in_days=None)
    assert unknown.value.field == "scopes" and "'admin'" in unknown.value.message
    with pytest.raises(AccountError) as empty:
        api_keys.create_key(user=alice, name="x", scopes=[], expires_in_days=None)
    assert empty.value.field == "scopes"


def test_creating_and_revoking_write_one_audit_event_each(alice_api, alice):
    body = create(alice_api, name="backup script").json()
    alice_api.delete(f"{URL}/{body['id']}")
    alice_api.delete(f"{URL}/{body['id']}")  # revoking again records nothing more
    created, revoked = audit("api_key_created"), audit("api_key_revoked")
    assert len(created) == 1 and len(revoked) == 1
    for data in (created[0], revoked[0]):
        assert data["name"] == "backup script" and data["prefix"] == body["prefix"]
        assert data["ip"] == "127.0.0.1"
    assert Event.objects.filter(verb__startswith="security.api_key", target_id=str(alice.pk)).count() == 2


def test_a_key_logging_itself_out_is_revoked_and_audited_once(alice_api):
    body = create(alice_api, name="one-off job").json()
    assert bearer(body["key"]).post("/api/auth/logout").status_code == 204
    assert bearer(body["key"]).get("/api/auth/me").status_code == 401
    revoked = audit("api_key_revoked")
    assert len(revoked) == 1 and revoked[0]["prefix"] == body["prefix"] and revoked[0]["name"] == "one-off job"


def test_a_login_token_logging_out_is_not_an_api_key_event(alice_api):
    assert alice_api.post("/api/auth/logout").status_code == 204
    assert audit("api_key_revoked") == []


def test_a_refused_create_writes_no_audit_event(alice_api):
    create(alice_api, name="")
    assert audit("api_key_created") == []


def test_the_routes_need_a_signed_in_user():
    anonymous = Client()
    assert anonymous.get(URL).status_code == 401
    assert create(anonymous).status_code == 401


def test_the_routes_are_documented_at_their_exact_paths(alice_api):
    paths = alice_api.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/settings/api-keys"]) == {"get", "post"}
    assert set(paths["/api/settings/api-keys/{key_id}"]) == {"delete"}
    assert set(paths["/api/settings/api-keys"]["post"]["responses"]) >= {"201", "400", "401", "403"}
    assert set(paths["/api/settings/api-keys/{key_id}"]["delete"]["responses"]) >= {"204", "404"}


def test_keys_made_before_scopes_existed_keep_every_scope(alice):
    token, _raw = ApiToken.issue(alice, "old script", kind=ApiToken.Kind.KEY)
    assert token.scopes == ["read", "generate", "manage"]
