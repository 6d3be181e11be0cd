"""Stripe Checkout through the official SDK: a Checkout Session per package bought, and crediting from
Stripe's signed webhook (never from the browser's return to the success page, which anyone can open).

The session carries our package in `metadata` and the buyer's id in `client_reference_id`. The SDK talks to
STRIPE_API_BASE (Stripe's by default), so the tests run it against a local fake over real sockets.
"""

from __future__ import annotations

import logging
import uuid

import stripe
from django.conf import settings
from django.utils.translation import gettext
from stripe.params.checkout import SessionCreateParams

from imagestudio.accounts.models import User
from imagestudio.billing import purchases
from imagestudio.billing.packages import CreditPackage, package
from imagestudio.demo.access import refuse

log = logging.getLogger(__name__)
# Completed checkouts: paid at once (card), or later for delayed methods (the second event then says so).
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


class CheckoutError(Exception):
    """Stripe refused or could not be reached: nothing was charged."""


class WebhookRefused(ValueError):
    """A webhook whose signature does not verify, or whose body is not an event."""


def _client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}, max_network_retries=1
    )


def start_checkout(*, user: User, chosen: CreditPackage, success_url: str, cancel_url: str) -> str:
    """Create a Checkout Session for one package; returns the URL to send the buyer to. Raises CheckoutError.

    `success_url` should contain {CHECKOUT_SESSION_ID}, which Stripe fills in."""
    refuse(user, "buy_credits")
    params: SessionCreateParams = {
        "mode": "payment",
        "client_reference_id": str(user.pk),
        "customer_email": user.email,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": chosen.currency,
                    "unit_amount": chosen.price_cents,
                    "product_data": {"name": f"{chosen.credits:,} credits ({chosen.name})"},
                },
            }
        ],
        "metadata": {"package": chosen.slug, "credits": str(chosen.credits)},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        session = _client().v1.checkout.sessions.create(params=params)
    except stripe.StripeError as exc:
        log.warning("Stripe refused a checkout session: %s", exc)
        raise CheckoutError(
            gettext("Stripe could not start the payment. Nothing was charged; please try again in a moment.")
        ) from exc
    if not session.url:
        raise CheckoutError(gettext("Stripe did not return a payment page. Nothing was charged; please try again."))
    return session.url


def handle_webhook(payload: bytes, signature: str | None) -> str:
    """Verify and act on one webhook delivery. Returns what happened: "credited", "duplicate" (credited
    before), "unpaid" (wait for the async payment), or "ignored". Raises WebhookRefused for a bad signature."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookRefused(str(exc)) from exc
    body = event.to_dict()
    if body.get("type") not in PAID_EVENTS:
        return "ignored"
    session = (body.get("data") or {}).get("object") or {}
    if session.get("payment_status") != "paid":
        return "unpaid"
    return _credit(session)


def _credit(session: dict) -> str:
    metadata = session.get("metadata") or {}
    chosen = package(str(metadata.get("package", "")))
    user_id = _user_id(session.get("client_reference_id"))
    known = user_id is not None and User.objects.filter(pk=user_id).exists()
    if chosen is None or not known or not session.get("id"):
        log.error("A paid Stripe checkout %s names no package or user of ours", session.get("id"))
        return "ignored"
    credits = int(metadata["credits"]) if str(metadata.get("credits", "")).isdigit() else chosen.credits
    _purchase, credited = purchases.credit_purchase(
        user_id=user_id,
        package=chosen,
        session_id=str(session["id"]),
        credits=credits,
        amount_cents=session.get("amount_total"),
        currency=session.get("currency"),
    )
    return "credited" if credited else "duplicate"


def _user_id(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None
