"""The notification centre: the page (filters, "load more"), the bell's count and its dropdown panel, opening
one notification (marks it read and goes to what it is about), marking one or all read."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.events import services
from imagestudio.events.notices import present
from imagestudio.lib.pagination import BadCursor, paginate_newest_first
from imagestudio.preferences.services import NOTIFICATION_TYPES

PAGE_SIZE = 20
PANEL_SIZE = 10
# The filter chips' labels (Settings › Notifications names the same types).
TYPE_LABELS = {
    "job_finished": _("Finished"),
    "job_failed": _("Failed"),
    "batch_done": _("Batches"),
    "comment": _("Comments"),
    "mention": _("Mentions"),
    "share": _("Shares"),
    "invitation": _("Invitations"),
    "credits": _("Credits"),
}


class FilterForm(forms.Form):
    type = forms.ChoiceField(
        required=False,
        choices=[("", _("All types")), *((kind, TYPE_LABELS[kind]) for kind in NOTIFICATION_TYPES)],
        error_messages={"invalid_choice": _("Unknown notification type “%(value)s”; pick one of the filters.")},
    )
    unread = forms.BooleanField(required=False)
    cursor = forms.CharField(required=False, max_length=200)


def _items(rows) -> list[dict]:
    return [{"n": n, "notice": present(n)} for n in rows]


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """Your notifications, newest first, by type and/or unread only, a page at a time; POST marks all read."""
    if request.method == "POST":
        services.mark_all_read(request.user)
        return redirect("notifications")
    form = FilterForm(request.GET)
    problem, status, page = "", 200, None
    if form.is_valid():
        kind, unread = form.cleaned_data["type"], form.cleaned_data["unread"]
        rows = services.notifications_for(request.user, kind=kind, unread=unread)
        try:
            page = paginate_newest_first(rows, form.cleaned_data["cursor"] or None, PAGE_SIZE)
        except BadCursor as exc:
            problem, status = str(exc), 400
    else:
        kind, unread = "", False
        problem, status = " ".join(str(e) for errors in form.errors.values() for e in errors), 400
    context = {
        "items": _items(page.items) if page else [],
        "next_cursor": page.next_cursor if page else None,
        "kind": kind,
        "unread_only": unread,
        "problem": problem,
        "types": [(key, TYPE_LABELS[key]) for key in NOTIFICATION_TYPES],
        "unread": services.unread_count(request.user),
    }
    more = request.htmx and form.is_valid() and form.cleaned_data["cursor"] and page is not None
    template = "events/notifications.html#rows" if more else "events/notifications.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


@login_required
@require_GET
def notification_badge(request: AuthenticatedRequest) -> HttpResponse:
    """The bell's unread count; the layout loads it after the page and every minute, so no page pays for the
    count in its own queries."""
    return render(request, "events/partials/count.html", {"unread": services.unread_count(request.user)})


@login_required
@require_GET
def notification_panel(request: AuthenticatedRequest) -> HttpResponse:
    """The bell's dropdown: the latest notifications, loaded each time it opens (with a fresh count)."""
    return _panel(request)


def _panel(request: AuthenticatedRequest) -> HttpResponse:
    rows = services.notifications_for(request.user).order_by("-created_at", "-id")[:PANEL_SIZE]
    context = {"items": _items(rows), "unread": services.unread_count(request.user)}
    return render(request, "events/partials/panel.html", context)


@login_required
@require_GET
def notification_open(request: AuthenticatedRequest, notification_id) -> HttpResponse:
    """Mark it read and go to what it is about. A plain link (GET) so it opens in a new tab and works without
    JavaScript; marking read is harmless to repeat."""
    notification = services.mark_read(services.get_notification_for(request.user, notification_id))
    return redirect(present(notification).url or "notifications")


@login_required
@require_POST
def notification_read(request: AuthenticatedRequest, notification_id) -> HttpResponse:
    notification = services.mark_read(services.get_notification_for(request.user, notification_id))
    if request.htmx:
        context = {
            "item": {"n": notification, "notice": present(notification)},
            "unread": services.unread_count(request.user),
        }
        return render(request, "events/partials/read_row.html", context)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: AuthenticatedRequest) -> HttpResponse:
    """The panel's "Mark all read": the panel again (htmx), else back to the notifications page."""
    services.mark_all_read(request.user)
    if request.htmx:
        return _panel(request)
    return redirect("notifications")
