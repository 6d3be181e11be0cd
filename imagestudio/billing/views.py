"""Settings → Billing: balance, this month's spending, the spending cap and its alerts, expiring grants and
the credit history. The cap form saves through billing.limits, the same rules as PUT /api/credits/limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.billing import limits, purchases, selectors, services, usage
from imagestudio.lib.pagination import BadCursor
from imagestudio.preferences.rendering import render_tab

PRESET_THRESHOLDS = (25, 50, 75, 80, 90, 100)


class LimitsForm(forms.Form):
    monthly_cap = forms.IntegerField(
        label=_("Monthly cap (credits)"),
        required=False,
        min_value=0,
        max_value=limits.MAX_CAP,
        error_messages={
            "invalid": _("Enter a whole number of credits, or leave it empty for no cap."),
            "min_value": _("The cap cannot be negative."),
            "max_value": _("At most %(limit_value)s credits."),
        },
    )
    alert_thresholds = forms.TypedMultipleChoiceField(
        label=_("Alert me at"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose the alert percentages from the list.")},
    )

    def __init__(self, *args: Any, chosen: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        values = sorted(set(PRESET_THRESHOLDS) | set(chosen or []))  # percentages set through the API show too
        self.fields["alert_thresholds"].choices = [(str(p), f"{p} %") for p in values]  # type: ignore[attr-defined]


def _limits_context(request: AuthenticatedRequest, form: LimitsForm | None = None) -> dict[str, Any]:
    row = limits.limits_for(request.user)
    since = limits.month_start(request.user.pk)
    spent = limits.spent_since(request.user.pk, since)
    cap = row.monthly_cap
    if form is None:
        form = LimitsForm(
            initial={"monthly_cap": cap, "alert_thresholds": [str(p) for p in row.alert_thresholds]},
            chosen=row.alert_thresholds,
        )
    checked = form.data.getlist("alert_thresholds") if form.is_bound else form.initial["alert_thresholds"]  # type: ignore[attr-defined]
    choices = form.fields["alert_thresholds"].choices  # type: ignore[attr-defined]
    fraction = 0.0
    if cap is not None:
        fraction = min(1.0, spent / cap) if cap else 1.0  # a zero cap is all spent
    return {
        "limits_form": form,
        "cap": cap,
        "cap_spent": spent,
        "cap_left": None if cap is None else max(0, cap - spent),
        "cap_fraction": fraction,
        "cap_reached": cap is not None and spent >= cap,
        "thresholds": [{"value": value, "label": label, "on": value in checked} for value, label in choices],
        "resets_on": (since.replace(day=28) + timedelta(days=4)).replace(day=1),
        "cap_value": form.data.get("monthly_cap", "") if form.is_bound else ("" if cap is None else cap),
    }


def _save_limits(request: AuthenticatedRequest) -> LimitsForm | None:
    """Store the posted cap and thresholds; the form with its errors when they are refused."""
    form = LimitsForm(request.POST, chosen=limits.limits_for(request.user).alert_thresholds)
    if not form.is_valid():
        return form
    try:
        limits.set_limits(
            user=request.user,
            monthly_cap=form.cleaned_data["monthly_cap"],
            alert_thresholds=form.cleaned_data["alert_thresholds"],
        )
    except limits.LimitError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return form
    return None


@login_required
def billing_tab(request: AuthenticatedRequest) -> HttpResponse:
    form = None
    if request.method == "POST":
        form = _save_limits(request)
        if form is None:
            messages.success(request, _("Spending cap saved."))
            return redirect("settings_billing")
    try:
        page = usage.ledger_history(request.user, cursor=request.GET.get("cursor") or None, limit=selectors.LEDGER_PAGE)
    except BadCursor as exc:
        return HttpResponseBadRequest(str(exc))
    context: dict[str, Any] = {"entries": page.items, "next_cursor": page.next_cursor}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "settings/partials/ledger_rows.html", context)
    context.update(
        _limits_context(request, form),
        month=selectors.month_summary(request.user),
        credit_usd=settings.CREDIT_USD,
        balance_usd=request.user.credits_balance * settings.CREDIT_USD,
        grants=list(services.live_grants(request.user.pk).select_related("entry")),
        can_buy=purchases.stripe_enabled() or purchases.test_mode_enabled(),
    )
    return render_tab(request, "billing", "settings/billing.html", context, status=422 if form else 200)
