"""Webhook delivery by the emulator, and verify_webhook / fetch_jwks / parse_webhook."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from imagestudio.generation.providers import fal
from imagestudio.generation.providers.base import ProviderError, ProviderResult
from imagestudio.generation.providers.fal import fetch_jwks, parse_webhook, verify_webhook
from tests.waiting import wait_until

from .support import FLUX, SMALL, Delivery


def _deliver(provider, receiver, arguments: dict) -> Delivery:
    submission = provider.submit(FLUX, arguments, webhook_url=receiver.url)
    delivery = receiver.next()
    assert delivery.headers["X-Fal-Webhook-Request-Id"] == submission.request_id
    return delivery


@pytest.fixture
def delivery(provider, receiver) -> Delivery:
    return _deliver(provider, receiver, {"prompt": "hooked", "image_size": SMALL, "seed": 99})


def _own_jwks(key: Ed25519PrivateKey) -> dict:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}]}


def test_webhook_is_signed_and_parses_to_a_result(delivery, emulator, provider):
    jwks = fetch_jwks([emulator.jwks_url])
    assert verify_webhook(delivery.headers, delivery.body, jwks)

    body = json.loads(delivery.body)
    assert body["status"] == "OK"
    assert body["gateway_request_id"] == body["request_id"]
    request_id, outcome = parse_webhook(body)
    assert request_id == delivery.headers["X-Fal-Webhook-Request-Id"]
    assert isinstance(outcome, ProviderResult)
    assert outcome.seed == 99
    assert provider.download(outcome.images[0].url).startswith(b"\x89PNG")


def test_webhook_url_query_survives(delivery, receiver):
    # fal_client percent-encodes the webhook URL into ?fal_webhook=; the emulator must decode it exactly
    # once, so the delivery arrives at our path with our query string, escapes and all.
    assert delivery.path == receiver.path == "/hooks/fal?job=42&next=%2Fqueue%2F&note=a+b"


def test_headers_are_case_insensitive(delivery, emulator):
    lowered = {k.lower(): v for k, v in delivery.headers.items()}
    assert verify_webhook(lowered, delivery.body, fetch_jwks([emulator.jwks_url]))


def test_tampered_body_is_rejected(delivery, emulator):
    tampered = delivery.body.replace(b'"seed":99', b'"seed":98')
    assert tampered != delivery.body
    assert not verify_webhook(delivery.headers, tampered, fetch_jwks([emulator.jwks_url]))


def test_reserialised_json_is_rejected(delivery, emulator):
    reserialised = json.dumps(json.loads(delivery.body), indent=2).encode()
    assert not verify_webhook(delivery.headers, reserialised, fetch_jwks([emulator.jwks_url]))


def test_wrong_key_is_rejected_but_any_listed_key_may_match(delivery, emulator):
    stranger = _own_jwks(Ed25519PrivateKey.generate())
    assert not verify_webhook(delivery.headers, delivery.body, [stranger])
    assert verify_webhook(delivery.headers, delivery.body, [stranger, *fetch_jwks([emulator.jwks_url])])


def test_stale_or_future_timestamp_is_rejected(delivery, emulator):
    jwks = fetch_jwks([emulator.jwks_url])
    sent = int(delivery.headers["X-Fal-Webhook-Timestamp"])
    assert verify_webhook(delivery.headers, delivery.body, jwks, now=sent + 299)
    assert not verify_webhook(delivery.headers, delivery.body, jwks, now=sent + 301)
    assert not verify_webhook(delivery.headers, delivery.body, jwks, now=sent - 301)


@pytest.mark.parametrize("header", ["X-Fal-Webhook-Signature", "X-Fal-Webhook-Timestamp", "X-Fal-Webhook-User-Id"])
def test_missing_or_garbled_headers_are_rejected(delivery, emulator, header):
    jwks = fetch_jwks([emulator.jwks_url])
    without = {k: v for k, v in delivery.headers.items() if k != header}
    assert not verify_webhook(without, delivery.body, jwks)
    assert not verify_webhook({**delivery.headers, header: "zz-not-valid"}, delivery.body, jwks)


def test_signature_scheme_matches_reference_with_own_key():
    key = Ed25519PrivateKey.generate()
    body, stamp = b'{"request_id":"r1"}', str(int(time.time()))
    digest = hashlib.sha256(body).hexdigest()
    signature = key.sign(f"r1\nuser-7\n{stamp}\n{digest}".encode()).hex()
    headers = {
        "X-Fal-Webhook-Request-Id": "r1",
        "X-Fal-Webhook-User-Id": "user-7",
        "X-Fal-Webhook-Timestamp": stamp,
        "X-Fal-Webhook-Signature": signature,
    }
    assert verify_webhook(headers, body, [_own_jwks(key)])
    assert not verify_webhook({**headers, "X-Fal-Webhook-User-Id": "user-8"}, body, [_own_jwks(key)])


def test_error_webhook_maps_to_provider_error(provider, receiver, emulator):
    delivery = _deliver(provider, receiver, {"image_size": SMALL})  # no prompt: the job fails with 422
    assert verify_webhook(delivery.headers, delivery.body, fetch_jwks([emulator.jwks_url]))
    body = json.loads(delivery.body)
    assert (body["status"], body["error"]) == ("ERROR", "Invalid status code: 422")
    _, outcome = parse_webhook(body)
    assert isinstance(outcome, ProviderError)
    assert (outcome.kind, outcome.field, outcome.status_code) == ("validation", "prompt", 422)


def test_failed_job_webhook_is_retryable(provider, receiver, emulator):
    emulator.fail_next("error")
    _, outcome = parse_webhook(json.loads(_deliver(provider, receiver, {"prompt": "x", "image_size": SMALL}).body))
    assert isinstance(outcome, ProviderError)
    assert outcome.kind == "retryable"


def test_parse_webhook_edge_cases():
    with pytest.raises(ProviderError):
        parse_webhook({"status": "OK", "payload": {}})
    _, outcome = parse_webhook({"request_id": "r", "status": "OK", "payload": None, "payload_error": "too big"})
    assert isinstance(outcome, ProviderError) and "too big" in outcome.message
    _, outcome = parse_webhook(
        {"request_id": "r", "status": "ERROR", "error": "Invalid status code: 429", "payload": None}
    )
    assert isinstance(outcome, ProviderError) and outcome.kind == "retryable"


def test_emulator_retries_failed_deliveries(provider, receiver, emulator):
    receiver.fail_first = 2
    submission = provider.submit(FLUX, {"prompt": "retry me", "image_size": SMALL}, webhook_url=receiver.url)
    attempts = [receiver.next() for _ in range(3)]
    assert all(a.headers["X-Fal-Webhook-Request-Id"] == submission.request_id for a in attempts)
    assert len({a.body for a in attempts}) == 1  # same body each time
    counts = wait_until(
        lambda: (c := emulator.stats()["requests"][submission.request_id]).get("webhook_deliveries") == 1 and c,
        5,
        "the emulator to record the third attempt as delivered",
    )
    assert counts["webhook_attempts"] == 3
    assert receiver.deliveries.empty()  # the accepted third attempt was the last


def test_jwks_is_cached_and_refreshable(emulator, monkeypatch):
    first = fetch_jwks([emulator.jwks_url])
    assert fetch_jwks([emulator.jwks_url]) == first
    assert emulator.stats()["totals"]["jwks"] == 1

    httpx.post(f"{emulator.url}/_emulator/rotate-webhook-key").raise_for_status()  # SSL_CERT_FILE trusts the test CA
    assert fetch_jwks([emulator.jwks_url]) == first  # still the cached copy
    # A forced refresh within a minute of the last download is refused: forged webhooks can't make us hammer fal.
    assert fetch_jwks([emulator.jwks_url], refresh=True) == first
    assert emulator.stats()["totals"]["jwks"] == 1
    monkeypatch.setattr(fal, "JWKS_MIN_FETCH_INTERVAL", 0.0)  # as if a minute had passed
    rotated = fetch_jwks([emulator.jwks_url], refresh=True)
    assert len(rotated[0]["keys"]) == 2
    assert emulator.stats()["totals"]["jwks"] == 2


def test_unreachable_jwks_url_is_skipped(emulator):
    assert fetch_jwks(["https://127.0.0.1:9/.well-known/jwks.json", emulator.jwks_url], timeout=1) == fetch_jwks(
        [emulator.jwks_url]
    )
