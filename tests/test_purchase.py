"""Buying credits: the test-mode purchase, Stripe Checkout through the real SDK against a local fake of
POST /v1/checkout/sessions (real sockets), and the signed webhook — bad signatures refused, replays and
racing deliveries credited once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from imagestudio.accounts.models import User
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry, CreditPurchase, EntryKind
from imagestudio.billing.packages import package
from imagestudio.events.models import Event, Notification
from tests.factories import make_user

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_0123456789abcdef"
WEBHOOK = "/api/webhooks/stripe"


def balance(user) -> int:
    return User.objects.values_list("credits_balance", flat=True).get(pk=user.pk)


# -- a tiny Stripe ------------------------------------------------------------------------------------


class FakeStripe(BaseHTTPRequestHandler):
    """POST /v1/checkout/sessions, answered like Stripe (form-encoded in, JSON out); what it got is kept."""

    received: list[dict] = []
    fail_with: dict | None = None

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
        self.received.append({"path": self.path, "auth": self.headers.get("Authorization"), "form": form})
        if self.path != "/v1/checkout/sessions":
            return self._answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized URL"}})
        if self.fail_with is not None:
            return self._answer(400, self.fail_with)
        number = len(self.received)
        session = {
            "id": f"cs_test_{number}",
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/cs_test_{number}",
            "payment_status": "unpaid",
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {"package": form.get("metadata[package]"), "credits": form.get("metadata[credits]")},
        }
        self._answer(200, session)

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_fake")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_stripe():
    FakeStripe.received = []
    FakeStripe.fail_with = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe_on(settings, fake_stripe):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{fake_stripe.server_port}"
    return fake_stripe


@pytest.fixture
def stripe_off(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.TEST_MODE_PURCHASES = True


def signed(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header as Stripe makes it: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def completed(user, *, session: str = "cs_test_1", slug: str = "creator", paid: str = "paid", kind=None) -> str:
    chosen = package(slug)
    return json.dumps(
        {
            "id": f"evt_{session}",
            "object": "event",
            "type": kind or "checkout.session.completed",
            "data": {
                "object": {
                    "id": session,
                    "object": "checkout.session",
                    "client_reference_id": str(user.pk),
                    "payment_status": paid,
                    "amount_total": chosen.price_cents if chosen else 100,
                    "currency": "usd",
                    "metadata": {"package": slug, "credits": str(chosen.credits if chosen else 1)},
                }
            },
        }
    )


def deliver(client: Client, payload: str, signature: str | None = None):
    headers = {} if signature is None else {"HTTP_STRIPE_SIGNATURE": signature}
    return client.post(WEBHOOK, payload, content_type="application/json", **headers)


# -- test mode ------------------------------------------------------------------------------------------


def test_the_buy_page_lists_the_packages_and_labels_test_mode(alice_browser, stripe_off):
    html = alice_browser.get(reverse("billing_buy")).content.decode()
    assert "Test mode — no card is charged" in html
    assert html.count('data-testid="buy-package"') == 3
    assert "2,200" in html and "$20.00" in html and "Most popular" in html


def test_a_test_mode_purchase_credits_exactly_the_package(alice_browser, alice, stripe_off):
    response = alice_browser.post(reverse("billing_buy"), {"package": "creator"})
    assert response.status_code == 302
    purchase = CreditPurchase.objects.get(user=alice)
    assert response["Location"] == f"{reverse('billing_buy_success')}?session_id={purchase.session_id}"
    assert (purchase.credits, purchase.amount_cents, purchase.test_mode) == (2200, 2000, True)
    assert balance(alice) == 500 + 2200 == billing.ledger_total(alice)
    entry = CreditEntry.objects.get(user=alice, kind=EntryKind.PURCHASE)
    assert (entry.amount, entry.note) == (2200, "Creator package (test mode, no card charged)")
    event = Event.objects.get(verb="credits.purchased")
    assert event.data == {"credits": 2200} and Notification.objects.get(event=event).user == alice
    page = alice_browser.get(response["Location"]).content.decode()
    assert 'data-state="credited"' in page and "2,200 credits added" in page and "no card was charged" in page


def test_test_mode_is_off_next_to_a_stripe_key_or_when_switched_off(alice_browser, alice, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.DEBUG = True
    refused = alice_browser.post(reverse("billing_buy"), {"package": "starter"})
    assert refused.status_code == 403 and "Test purchases are switched off" in refused.content.decode()
    settings.STRIPE_SECRET_KEY = ""
    settings.DEBUG = False
    settings.TEST_MODE_PURCHASES = False
    assert 'data-testid="buy-off"' in alice_browser.get(reverse("billing_buy")).content.decode()
    assert alice_browser.post(reverse("billing_buy"), {"package": "starter"}).status_code == 403
    assert balance(alice) == 500 and not CreditPurchase.objects.exists()


def test_an_unknown_package_is_refused(alice_browser, alice, stripe_off):
    response = alice_browser.post(reverse("billing_buy"), {"package": "platinum"})
    assert response.status_code == 422 and "Choose one of the packages." in response.content.decode()
    assert balance(alice) == 500


# -- Stripe Checkout ------------------------------------------------------------------------------------


def test_buying_opens_a_stripe_checkout_session_for_the_package(alice_browser, alice, stripe_on):
    page = alice_browser.get(reverse("billing_buy")).content.decode()
    assert "Secure payment by Stripe" in page and "Test mode" not in page
    response = alice_browser.post(reverse("billing_buy"), {"package": "studio"})
    assert response.status_code == 303
    assert response["Location"] == "https://checkout.stripe.test/c/pay/cs_test_1"
    (call,) = FakeStripe.received
    form = call["form"]
    assert call["auth"] == "Bearer sk_test_fake"
    assert form["mode"] == "payment" and form["client_reference_id"] == str(alice.pk)
    assert (form["metadata[package]"], form["metadata[credits]"]) == ("studio", "6000")
    assert form["line_items[0][price_data][unit_amount]"] == "5000"
    assert form["line_items[0][price_data][currency]"] == "usd" and form["line_items[0][quantity]"] == "1"
    assert form["success_url"].endswith("/settings/billing/buy/success/?session_id={CHECKOUT_SESSION_ID}")
    assert form["cancel_url"].endswith("/settings/billing/buy/cancelled/")
    assert balance(alice) == 500 and not CreditPurchase.objects.exists()  # only the webhook credits


def test_a_stripe_error_is_shown_and_nothing_is_charged(alice_browser, alice, stripe_on):
    FakeStripe.fail_with = {"error": {"type": "invalid_request_error", "message": "Invalid currency: usd"}}
    response = alice_browser.post(reverse("billing_buy"), {"package": "starter"})
    assert response.status_code == 502
    assert "Stripe could not start the payment. Nothing was charged" in response.content.decode()
    assert balance(alice) == 500


def test_the_cancel_page_says_nothing_was_charged(alice_browser):
    response = alice_browser.get(reverse("billing_buy_cancelled"))
    assert response.status_code == 200 and "Nothing was charged" in response.content.decode()


# -- the webhook ----------------------------------------------------------------------------------------


def test_a_paid_checkout_credits_the_package_once_however_often_it_is_delivered(client, alice, stripe_on):
    payload = completed(alice, session="cs_test_9", slug="creator")
    first = deliver(client, payload, signed(payload))
    assert first.status_code == 200 and first.json() == {"status": "credited"}
    assert balance(alice) == 2700 == billing.ledger_total(alice)
    replay = deliver(client, payload, signed(payload))
    assert replay.status_code == 200 and replay.json() == {"status": "duplicate"}
    again = completed(alice, session="cs_test_9", slug="creator", kind="checkout.session.async_payment_succeeded")
    assert deliver(client, again, signed(again)).json() == {"status": "duplicate"}
    purchase = CreditPurchase.objects.get()
    assert (purchase.session_id, purchase.credits, purchase.test_mode) == ("cs_test_9", 2200, False)
    assert CreditEntry.objects.filter(kind=EntryKind.PURCHASE).count() == 1
    assert Event.objects.filter(verb="credits.purchased").count() == 1


@pytest.mark.parametrize("problem", ["wrong secret", "tampered body", "no header", "garbage header", "too old"])
def test_a_bad_signature_is_refused_with_400_and_credits_nothing(client, alice, stripe_on, problem):
    payload = completed(alice)
    header: str | None = signed(payload)
    if problem == "wrong secret":
        header = signed(payload, secret="whsec_someone_else")
    elif problem == "tampered body":
        payload = payload.replace('"credits": "2200"', '"credits": "999999"')
    elif problem == "no header":
        header = None
    elif problem == "garbage header":
        header = "v1=abc"
    elif problem == "too old":
        header = signed(payload, timestamp=int(time.time()) - 3600)
    response = deliver(client, payload, header)
    assert response.status_code == 400 and response.json() == {"detail": "Invalid Stripe signature."}
    assert balance(alice) == 500 and not CreditPurchase.objects.exists()


def test_unpaid_and_other_events_credit_nothing(client, alice, stripe_on):
    waiting = completed(alice, paid="unpaid")
    assert deliver(client, waiting, signed(waiting)).json() == {"status": "unpaid"}
    other = completed(alice, kind="checkout.session.expired")
    assert deliver(client, other, signed(other)).json() == {"status": "ignored"}
    unknown = completed(alice, slug="platinum")
    assert deliver(client, unknown, signed(unknown)).json() == {"status": "ignored"}
    assert balance(alice) == 500 and not CreditPurchase.objects.exists()


def test_the_webhook_needs_no_csrf_token_and_answers_404_without_stripe(alice, settings, stripe_off):
    strict = Client(enforce_csrf_checks=True)
    payload = completed(alice)
    assert deliver(strict, payload, signed(payload)).status_code == 404
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    assert deliver(strict, payload, signed(payload)).json() == {"status": "credited"}


@pytest.mark.django_db(transaction=True)
def test_racing_deliveries_credit_once(catalog, stripe_on):
    user = make_user(email="buyer@example.com", credits=0)
    payload = completed(user, session="cs_race", slug="starter")
    header = signed(payload)
    barrier = threading.Barrier(4)
    statuses: list[str] = []

    def post() -> None:
        barrier.wait()
        try:
            statuses.append(deliver(Client(), payload, header).json()["status"])
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a delivery hung"
    assert sorted(statuses) == ["credited", "duplicate", "duplicate", "duplicate"]
    assert balance(user) == 500 == billing.ledger_total(user)
    assert CreditPurchase.objects.count() == 1


def test_the_success_page_waits_for_the_webhook(alice_browser, client, alice, stripe_on):
    url = reverse("billing_buy_success") + "?session_id=cs_test_5"
    waiting = alice_browser.get(url).content.decode()
    assert 'data-state="waiting"' in waiting and "hx-get=" in waiting
    payload = completed(alice, session="cs_test_5", slug="starter")
    deliver(client, payload, signed(payload))
    polled = alice_browser.get(url + "&tries=3", HTTP_HX_REQUEST="true").content.decode()
    assert polled.lstrip().startswith('<div id="purchase-status"') and 'data-state="credited"' in polled
    assert "500 credits added" in polled


def test_someone_elses_session_shows_nothing_of_theirs(alice_browser, client, bob, stripe_on):
    payload = completed(bob, session="cs_bob", slug="studio")
    deliver(client, payload, signed(payload))
    page = alice_browser.get(reverse("billing_buy_success") + "?session_id=cs_bob").content.decode()
    assert 'data-state="waiting"' in page and "6,000" not in page
