"""`{% trash_cards images retention_days %}`: the trash's cards, drawn in Jinja2 like the gallery's tiles (40
cards with two forms each took ~25 ms in the Django template language). Their words are made here, with the
gallery's catalog, so the template only places them."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext

from imagestudio.gallery import trash
from imagestudio.gallery.models import Image
from imagestudio.gallery.templatetags.gallery_files import render_jinja

register = template.Library()


def card(image: Image, now: datetime, retention_days: int) -> dict:
    days = trash.days_left(image, now)
    if days <= 1:
        days_label = gettext("Last day")
    else:
        days_label = ngettext("%(counter)s day left", "%(counter)s days left", days) % {"counter": days}
    purge_title = gettext("Deleted for good on %(deleted_at)s + %(retention_days)s days") % {
        "deleted_at": format_date(image.deleted_at, "j M Y"),
        "retention_days": retention_days,
    }
    ago = gettext("%(deleted_at)s ago") % {"deleted_at": timesince(image.deleted_at, now)} if image.deleted_at else ""
    return {"image": image, "days_left": days, "days_label": days_label, "purge_title": purge_title, "deleted_ago": ago}


def labels() -> dict:
    return {
        "untitled": gettext("Untitled image"),
        "deleted": gettext("Deleted"),
        "restore": gettext("Restore"),
        "delete": gettext("Delete for good"),
        "cancel": gettext("Cancel"),
        "confirm": gettext("Delete for good?"),
        "cannot_undo": gettext("The image and its files are removed. This can't be undone."),
    }


@register.simple_tag(takes_context=True)
def trash_cards(context, images, retention_days: int) -> SafeString:
    now = timezone.now()
    return render_jinja(
        "gallery/trash_cards.jinja",
        {
            "cards": [card(image, now, retention_days) for image in images],
            "t": labels(),
            "csrf_token": str(context.get("csrf_token", "")),
        },
    )
