"""Settings → Billing: balance, this month's spending and the credit history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.billing import selectors, usage
from imagestudio.lib.pagination import BadCursor
from imagestudio.preferences.rendering import render_tab


@login_required
def billing_tab(request: AuthenticatedRequest) -> HttpResponse:
    try:
        page = usage.ledger_history(request.user, cursor=request.GET.get("cursor") or None, limit=selectors.LEDGER_PAGE)
    except BadCursor as exc:
        return HttpResponseBadRequest(str(exc))
    context: dict[str, Any] = {"entries": page.items, "next_cursor": page.next_cursor}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "settings/partials/ledger_rows.html", context)
    context.update(
        month=selectors.month_summary(request.user),
        credit_usd=settings.CREDIT_USD,
        balance_usd=request.user.credits_balance * settings.CREDIT_USD,
    )
    return render_tab(request, "billing", "settings/billing.html", context)
