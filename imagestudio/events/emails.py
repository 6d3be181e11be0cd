"""Notification emails: one per owed EmailDelivery, sent by the worker after the event's transaction commits.

Each email goes through Django's configured mail backend (SMTP in production, Mailpit in compose, the
console by default), in plain text and HTML, in the recipient's language and time zone, with a link to
what happened and one to Settings › Notifications to choose which emails arrive.
"""

from __future__ import annotations

import logging
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from imagestudio.demo.access import is_demo
from imagestudio.events.models import EmailDelivery, Notification
from imagestudio.events.notices import present
from imagestudio.preferences import services as preferences

log = logging.getLogger(__name__)


def send_event_emails(event_id: str) -> int:
    """Send the event's unsent emails; returns how many went out. Each is claimed (sent_at set) before it is
    sent, so two runs never send one twice; a failed send is released for the next run and re-raised."""
    sent, failure = 0, None
    owed = EmailDelivery.objects.filter(event_id=event_id, sent_at=None).select_related(
        "user", "event", "event__actor", "notification"
    )
    for delivery in owed:
        if not EmailDelivery.objects.filter(pk=delivery.pk, sent_at=None).update(sent_at=timezone.now()):
            continue  # another run took it
        try:
            sent += _send(delivery)
        except Exception as exc:  # the mail server is down: keep it owed, try the others
            EmailDelivery.objects.filter(pk=delivery.pk).update(sent_at=None)
            log.warning("Notification email %s could not be sent", delivery.pk, exc_info=True)
            failure = exc
    if failure is not None:
        raise failure
    return sent


def _send(delivery: EmailDelivery) -> int:
    user = delivery.user
    if not user.is_active or not user.email or is_demo(user):  # a demo's address is never delivered
        return 0
    row = preferences.settings_for(user)
    language = preferences.value(row, "language") or settings.LANGUAGE_CODE
    zone = preferences.value(row, "timezone")
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone) if zone else None):
        message = build_message(delivery)
    message.send()
    return 1


def build_message(delivery: EmailDelivery) -> EmailMultiAlternatives:
    notification = delivery.notification or Notification(
        user=delivery.user, event=delivery.event, reason=delivery.reason
    )
    notice = present(notification)
    if delivery.notification is not None:  # through the notification, so opening the email's link marks it read
        link = settings.APP_URL + reverse("notification_open", args=[delivery.notification.pk])
    else:
        link = settings.APP_URL + (notice.url or reverse("notifications"))
    context = {
        "notice": notice,
        "link": link,
        "has_page": bool(notice.url),
        "settings_link": settings.APP_URL + reverse("settings_notifications"),
        "name": delivery.user.display_name,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    message = EmailMultiAlternatives(
        subject=notice.text[:150],
        body=render_to_string("events/email/notification.txt", context),
        to=[delivery.user.email],
        headers={"List-Unsubscribe": f"<{context['settings_link']}>"},
    )
    message.attach_alternative(render_to_string("events/email/notification.html", context), "text/html")
    return message


# The worker's entry point: thin, taking an id. It lives beside its service (like accountdata's) because
# events.services enqueues it, and a tasks.py importing the services back would be an import loop.


@task()
def send_event_emails_task(event_id: str) -> int:
    return send_event_emails(event_id)
