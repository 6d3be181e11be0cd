"""The notifications page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.events import services
from imagestudio.events.models import Notification


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """Your latest notifications; POST marks them all read."""
    if request.method == "POST":
        services.mark_all_read(request.user)
        return redirect("notifications")
    rows = (
        Notification.objects.filter(user=request.user).select_related("event", "event__actor").order_by("-created_at")
    )
    return render(request, "events/notifications.html", {"notifications": rows[:100]})


@login_required
def notification_badge(request: AuthenticatedRequest) -> HttpResponse:
    """The top bar's bell with the unread count; the layout loads it after the page and every minute, so
    no page pays for the count in its own queries."""
    return render(request, "events/partials/badge.html", {"unread": services.unread_count(request.user)})
