"""The credit packages a person can buy: one list read by the pricing section of the landing page, the
purchase page and the checkout (Stripe or test mode)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CreditPackage:
    slug: str
    name: str | Promise  # translated lazily
    credits: int
    price_cents: int  # in `currency`
    currency: str = "usd"
    popular: bool = False

    @property
    def price(self) -> str:
        """ "$9.00"-style label (the studio sells in one currency)."""
        return f"${self.price_cents / 100:,.2f}"


CREDIT_PACKAGES: tuple[CreditPackage, ...] = (
    CreditPackage("starter", _("Starter"), credits=500, price_cents=500),
    CreditPackage("creator", _("Creator"), credits=2_200, price_cents=2_000, popular=True),
    CreditPackage("studio", _("Studio"), credits=6_000, price_cents=5_000),
)


def package(slug: str) -> CreditPackage | None:
    return next((p for p in CREDIT_PACKAGES if p.slug == slug), None)
