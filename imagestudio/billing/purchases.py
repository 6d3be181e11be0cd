"""Buying credits: one crediting function for Stripe Checkout and the test mode.

- With STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET set, the buy page starts a Stripe Checkout Session
  (billing.stripe_checkout) and Stripe's signed `checkout.session.completed` webhook credits the account.
- Without a secret key, and with DEBUG or TEST_MODE_PURCHASES, the page offers a clearly labelled test
  purchase instead: no card, the same crediting function, a `test_…` session id.

Crediting is idempotent by the session id (CreditPurchase.session_id is unique): a replayed webhook, or
two deliveries racing, credit once. Each purchase is one `purchase` ledger entry and a "credits.purchased"
event that notifies the buyer.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from imagestudio.accounts.models import User
from imagestudio.billing import services
from imagestudio.billing.models import CreditPurchase
from imagestudio.billing.packages import CreditPackage
from imagestudio.demo.access import refuse
from imagestudio.events import services as events


class PurchaseError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def test_mode_enabled() -> bool:
    """Test purchases: never next to a Stripe key; with DEBUG, or TEST_MODE_PURCHASES (see settings)."""
    return not settings.STRIPE_SECRET_KEY and (settings.DEBUG or settings.TEST_MODE_PURCHASES)


def credit_purchase(
    *,
    user_id: Any,
    package: CreditPackage,
    session_id: str,
    credits: int | None = None,
    amount_cents: int | None = None,
    currency: str | None = None,
    test_mode: bool = False,
) -> tuple[CreditPurchase, bool]:
    """Credit a paid package once per `session_id`. Returns (the purchase, whether it was credited now).

    `credits`, `amount_cents` and `currency` default to the package's (Stripe passes what was paid)."""
    existing = CreditPurchase.objects.filter(session_id=session_id).first()
    if existing is not None:
        return existing, False
    credits = package.credits if credits is None else credits
    try:
        with transaction.atomic():
            user = User.objects.get(pk=user_id)
            # Stored in English like every ledger note (the page labels the entry itself).
            note = f"{package.slug.title()} package" + (" (test mode, no card charged)" if test_mode else "")
            entry = services.record_purchase(user, credits, note=note)
            purchase = CreditPurchase.objects.create(
                user=user,
                session_id=session_id,
                package=package.slug,
                credits=credits,
                amount_cents=package.price_cents if amount_cents is None else amount_cents,
                currency=currency or package.currency,
                test_mode=test_mode,
                entry=entry,
            )
            events.record(
                actor=None,
                verb="credits.purchased",
                target=user,
                data={"credits": credits},
                notify=[(user, "credits")],
            )
    except IntegrityError:
        # Another delivery of the same session committed first (its unique row won): nothing more to do.
        return CreditPurchase.objects.get(session_id=session_id), False
    return purchase, True


def buy_in_test_mode(*, user: User, package: CreditPackage | None) -> CreditPurchase:
    """Buy `package` in test mode (no card). Raises PurchaseError when test mode is off or no package."""
    refuse(user, "buy_credits")
    if not test_mode_enabled():
        raise PurchaseError("package", gettext("Test purchases are switched off on this studio."))
    if package is None:
        raise PurchaseError("package", gettext("Choose one of the packages."))
    purchase, _credited = credit_purchase(
        user_id=user.pk, package=package, session_id=f"test_{uuid.uuid4().hex}", test_mode=True
    )
    return purchase


def purchase_for(user: User, session_id: str) -> CreditPurchase | None:
    """The user's purchase of a checkout session, once credited (None before the webhook or for others')."""
    return CreditPurchase.objects.filter(user=user, session_id=session_id).first() if session_id else None
