"""Settings › Notifications and Settings › Privacy (with data retention).

Both save through services.update_settings, so the page obeys the same rules as the API; a bad post
re-renders the form with the values sent and a message per field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.events.services import REASON_TYPES
from imagestudio.gallery.trash import retention_days as trash_retention_days
from imagestudio.preferences import retention, services
from imagestudio.preferences.privacy import privacy_of
from imagestudio.preferences.rendering import render_tab
from imagestudio.preferences.services import MAX_RETENTION_DAYS, NOTIFICATION_CHANNELS, NOTIFICATION_TYPES

# (label, what it is about) per services.NOTIFICATION_TYPES entry.
TYPE_TEXT = {
    "job_finished": (_("Job finished"), _("A generation you started is ready (not while you watch it on the page).")),
    "job_failed": (
        _("Job failed"),
        _("A generation you started failed; its credits are refunded (not while you watch it)."),
    ),
    "batch_done": (_("Batch done"), _("Every item of a batch has finished.")),
    "comment": (_("Comments"), _("Someone commented on your image, or a client reviewed one.")),
    "mention": (_("Mentions"), _("Someone @mentioned you in a comment.")),
    "share": (_("Shares"), _("A teammate made a share link for your image, project or collection.")),
    "invitation": (_("Invitations"), _("Someone invited you to a team, or accepted your invitation.")),
    "credits": (_("Credit alerts"), _("Spending alerts, the monthly cap, expiring credits and purchases.")),
}
SENT_IN_APP = frozenset(REASON_TYPES.values())  # the types something already notifies about
DEFAULT_PREVIEW_DAYS = 365


class Toggle(forms.Field):
    """A checkbox read strictly: absent = off, "on" = on, anything else is refused (not silently on)."""

    default_error_messages = {"invalid": _("A switch is either on or off.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> bool:
        if value in (None, "", "off", "false", "0"):
            return False
        if value in ("on", "true", "1"):
            return True
        raise ValidationError(self.error_messages["invalid"], code="invalid")


def _toggle_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class NotificationsForm(forms.Form):
    notifications_enabled = Toggle(label=_("Notifications"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NOTIFICATION_TYPES:
            for channel in NOTIFICATION_CHANNELS:
                self.fields[_toggle_name(kind, channel)] = Toggle(label=TYPE_TEXT[kind][0])

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "notifications_enabled": data["notifications_enabled"],
            "notifications": {
                kind: {channel: data[_toggle_name(kind, channel)] for channel in NOTIFICATION_CHANNELS}
                for kind in NOTIFICATION_TYPES
            },
        }


class PrivacyForm(forms.Form):
    public_profile = Toggle(label=_("Show my name in Explore"))
    images_public_by_default = Toggle(label=_("New images are public"))
    retention_enabled = Toggle(label=_("Move old images to the trash automatically"))
    retention_days = forms.IntegerField(
        label=_("Older than (days)"),
        required=False,
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        error_messages={
            "invalid": _("Enter a whole number of days."),
            "min_value": _("Keep images at least 1 day."),
            "max_value": _("At most %(limit_value)s days (ten years)."),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("retention_enabled") and data.get("retention_days") is None and "retention_days" not in self.errors:
            self.add_error("retention_days", _("How many days should images be kept?"))
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "privacy": {
                "public_profile": data["public_profile"],
                "images_public_by_default": data["images_public_by_default"],
            },
            "retention_days": data["retention_days"] if data["retention_enabled"] else None,
        }


class PreviewForm(forms.Form):
    """The live preview's one parameter (as the number field changes)."""

    retention_days = forms.IntegerField(min_value=1, max_value=MAX_RETENTION_DAYS)


def _save(request: AuthenticatedRequest, form: NotificationsForm | PrivacyForm) -> bool:
    """Store a valid form's changes; a SettingsError becomes the named field's error."""
    if not form.is_valid():
        return False
    try:
        services.update_settings(user=request.user, changes=form.changes())
    except services.SettingsError as error:
        form.add_error(None, error.message)
        return False
    return True


# -- Notifications ------------------------------------------------------------------------------------


def _notification_rows(form: NotificationsForm) -> list[dict]:
    """One row per type with its two switches' names and states (the posted ones on a re-render)."""
    rows = []
    for kind in NOTIFICATION_TYPES:
        label, about = TYPE_TEXT[kind]
        cells = []
        for channel in NOTIFICATION_CHANNELS:
            name = _toggle_name(kind, channel)
            cells.append({"channel": channel, "name": name, "on": _is_on(form, name), "errors": form[name].errors})
        rows.append({"kind": kind, "label": label, "about": about, "sent": kind in SENT_IN_APP, "cells": cells})
    return rows


def _is_on(form: forms.Form, name: str) -> bool:
    if form.is_bound:
        return form.data.get(name) in ("on", "true", "1")
    return bool(form.initial.get(name))


def _notification_initial(request: AuthenticatedRequest) -> dict[str, bool]:
    row = services.settings_for(request.user)
    chosen = services.value(row, "notifications")
    initial = {"notifications_enabled": row.notifications_enabled}
    for kind in NOTIFICATION_TYPES:
        for channel in NOTIFICATION_CHANNELS:
            initial[_toggle_name(kind, channel)] = bool(chosen.get(kind, {}).get(channel, True))
    return initial


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        form = NotificationsForm(request.POST)
        if _save(request, form):
            messages.success(request, _("Notification settings saved."))
            return redirect("settings_notifications")
        status = 422
    else:
        form = NotificationsForm(initial=_notification_initial(request))
        status = 200
    context = {"form": form, "rows": _notification_rows(form), "master_on": _is_on(form, "notifications_enabled")}
    return render_tab(request, "notifications", "settings/notifications.html", context, status=status)


# -- Privacy --------------------------------------------------------------------------------------------


def _privacy_initial(request: AuthenticatedRequest) -> dict[str, Any]:
    row = services.settings_for(request.user)
    days = services.value(row, "retention_days")
    return {
        **privacy_of(row),
        "retention_enabled": days is not None,
        "retention_days": days or DEFAULT_PREVIEW_DAYS,
    }


def _preview_days(form: PrivacyForm) -> int:
    """The days the preview counts for: the number shown in the form when it is one, else the default."""
    if form.is_bound:
        data = PreviewForm({"retention_days": form.data.get("retention_days")})
        return data.cleaned_data["retention_days"] if data.is_valid() else DEFAULT_PREVIEW_DAYS
    return int(form.initial["retention_days"])


@login_required
def privacy(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "GET" and request.htmx and "retention_days" in request.GET:
        return _retention_preview(request)
    if request.method == "POST":
        form = PrivacyForm(request.POST)
        if _save(request, form):
            messages.success(request, _("Privacy settings saved."))
            return redirect("settings_privacy")
        status = 422
    else:
        form = PrivacyForm(initial=_privacy_initial(request))
        status = 200
    days = _preview_days(form)
    context = {
        "form": form,
        "on": {
            name: _is_on(form, name) for name in ("public_profile", "images_public_by_default", "retention_enabled")
        },
        "days_value": form.data.get("retention_days", "") if form.is_bound else form.initial["retention_days"],
        "preview": _preview(request.user, days),
        "max_days": MAX_RETENTION_DAYS,
        "trash_days": trash_retention_days(),
    }
    return render_tab(request, "privacy", "settings/privacy.html", context, status=status)


def _preview(user, days: int | None) -> dict:
    """The preview line's numbers: how many images would move (counted up to PREVIEW_CAP), and whether more."""
    if days is None:
        return {"days": None, "count": None, "more": False}
    count = retention.preview_count(user, days)
    return {"days": days, "count": min(count, retention.PREVIEW_CAP), "more": count > retention.PREVIEW_CAP}


def _retention_preview(request: AuthenticatedRequest) -> HttpResponse:
    """The preview line alone, for the number field's live update (an unusable number says so)."""
    form = PreviewForm(request.GET)
    if form.is_valid():
        days = form.cleaned_data["retention_days"]
        preview = _preview(request.user, days)
    else:
        preview = _preview(request.user, None)
    return render(
        request, "settings/privacy.html#retention-preview", {"preview": preview, "max_days": MAX_RETENTION_DAYS}
    )
