"""/settings/billing/buy/…: buying credit packages (mounted by imagestudio/urls.py)."""

from __future__ import annotations

from django.urls import path

from imagestudio.billing import views_purchase

urlpatterns = [
    path("", views_purchase.buy, name="billing_buy"),
    path("success/", views_purchase.buy_success, name="billing_buy_success"),
    path("cancelled/", views_purchase.buy_cancelled, name="billing_buy_cancelled"),
]
