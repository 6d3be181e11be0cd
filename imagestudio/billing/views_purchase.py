"""Settings › Billing › Buy credits: the packages, Stripe Checkout or a labelled test purchase, and the pages
Stripe sends the buyer back to. Credits come only from billing.purchases (the webhook, or test mode)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.billing import purchases, stripe_checkout
from imagestudio.billing.packages import CREDIT_PACKAGES, package
from imagestudio.preferences.rendering import render_tab

MAX_POLLS = 30  # the success page asks every 2 s for a minute, then asks the buyer to reload


def _mode() -> str:
    """ "stripe", "test" or "off": how this studio sells credits right now."""
    if purchases.stripe_enabled():
        return "stripe"
    return "test" if purchases.test_mode_enabled() else "off"


def _page(request: AuthenticatedRequest, *, error: str = "", chosen: str = "", status: int = 200) -> HttpResponse:
    offers = [{"package": p, "per_hundred": f"${p.price_cents / p.credits:,.2f}"} for p in CREDIT_PACKAGES]
    context = {"offers": offers, "mode": _mode(), "error": error, "chosen": chosen}
    return render_tab(request, "billing", "settings/billing_buy.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def buy(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    chosen = package(request.POST.get("package", ""))
    if chosen is None:
        return _page(request, error=gettext("Choose one of the packages."), status=422)
    if _mode() == "stripe":
        return _checkout(request, chosen)
    try:
        bought = purchases.buy_in_test_mode(user=request.user, package=chosen)
    except purchases.PurchaseError as exc:
        return _page(request, error=exc.message, chosen=chosen.slug, status=403)
    return redirect(f"{reverse('billing_buy_success')}?session_id={bought.session_id}")


def _checkout(request: AuthenticatedRequest, chosen) -> HttpResponse:
    success = request.build_absolute_uri(reverse("billing_buy_success")) + "?session_id={CHECKOUT_SESSION_ID}"
    cancel = request.build_absolute_uri(reverse("billing_buy_cancelled"))
    try:
        url = stripe_checkout.start_checkout(user=request.user, chosen=chosen, success_url=success, cancel_url=cancel)
    except stripe_checkout.CheckoutError as exc:
        return _page(request, error=str(exc), chosen=chosen.slug, status=502)
    return HttpResponseRedirect(url, status=303)


@login_required
def buy_success(request: AuthenticatedRequest) -> HttpResponse:
    """Where Stripe (or a test purchase) sends the buyer. Stripe's webhook may arrive a moment later: the
    status part polls until the purchase is credited."""
    session_id = request.GET.get("session_id", "")[:255]
    bought = purchases.purchase_for(request.user, session_id)
    request.user.refresh_from_db(fields=["credits_balance"])
    tries = _whole(request.GET.get("tries"))
    context = {"purchase": bought, "session_id": session_id, "tries": tries + 1, "polling": tries < MAX_POLLS}
    if request.htmx:
        return render(request, "settings/billing_buy_success.html#purchase-status", context)
    return render_tab(request, "billing", "settings/billing_buy_success.html", context)


def _whole(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 4 else 0


@login_required
def buy_cancelled(request: AuthenticatedRequest) -> HttpResponse:
    return render_tab(request, "billing", "settings/billing_buy_cancelled.html", {})
