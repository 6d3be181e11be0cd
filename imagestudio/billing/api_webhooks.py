"""POST /api/webhooks/stripe: Stripe's signed events, the only thing that credits a card purchase.

No session or token: the `Stripe-Signature` header (HMAC-SHA256 of "timestamp.body" with
STRIPE_WEBHOOK_SECRET, checked by the official SDK) is the authentication. A paid checkout credits its
package once per Checkout Session, however often Stripe delivers or anyone replays it.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from pydantic import Field

from imagestudio.billing import purchases, stripe_checkout

router = Router(tags=["webhooks"])


class WebhookOut(Schema):
    status: str = Field(description="credited, duplicate (credited before), unpaid (waiting) or ignored")


class WebhookErrorOut(Schema):
    detail: str


@router.post(
    "/stripe",
    auth=None,
    response={200: WebhookOut, 400: WebhookErrorOut, 404: WebhookErrorOut},
    url_name="stripe_webhook",
)
def stripe_webhook(request: HttpRequest):
    """For Stripe only. `checkout.session.completed` (or `async_payment_succeeded`) with payment_status
    `paid` credits the package; other events answer "ignored". A bad or missing signature answers 400 and
    changes nothing; 404 when this studio takes no card payments."""
    if not purchases.stripe_enabled():
        return Status(404, {"detail": gettext("This studio takes no card payments.")})
    try:
        status = stripe_checkout.handle_webhook(request.body, request.headers.get("Stripe-Signature"))
    except stripe_checkout.WebhookRefused:
        return Status(400, {"detail": gettext("Invalid Stripe signature.")})
    return {"status": status}
