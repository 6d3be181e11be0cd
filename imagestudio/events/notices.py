"""What a notification says: one sentence (plain and HTML, the actor in bold), an icon and tone, a short
excerpt and the page it leads to. The list, the bell's panel, the API and the emails all read it from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from imagestudio.events.activity import describe
from imagestudio.events.models import Event, Notification


@dataclass(frozen=True)
class Notice:
    text: str  # the sentence, plain (emails, the API)
    html: SafeString  # the same sentence with the actor in <strong>
    icon: str
    tone: str  # primary, success, error, warning, neutral: the icon's colour
    url: str = ""  # the page it is about (a path); "" when there is none to open
    excerpt: str = ""  # what was said or what went wrong, shown under the sentence


def _say(template: str, who: str | None = None, **values: object) -> tuple[str, SafeString]:
    """The sentence `template % values` as text and as HTML (values escaped, `who` in bold)."""
    text = template % {"who": who, **values}
    escaped: dict[str, object] = {key: escape(value) for key, value in values.items()}
    if who is not None:
        escaped["who"] = format_html("<strong>{}</strong>", who)
    return text, mark_safe(escape(template) % escaped)  # noqa: S308 - template and values are escaped above


def _url(name: str, *args: object) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # data from an older shape of the event: no link rather than an error page
        return ""


def _who(event: Event) -> str:
    return event.actor.display_name if event.actor else _("Someone")


def _role(value: object) -> str:
    names = {"admin": _("admin"), "editor": _("editor"), "viewer": _("viewer")}
    return names.get(str(value), str(value or ""))


def _int(data: dict, key: str) -> int:
    try:
        return int(data.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _date(value: object) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATE_FORMAT")


# -- one function per verb ------------------------------------------------------------------------------


def _comment(n: Notification) -> Notice:
    event, data = n.event, n.event.data
    if n.reason == "mention":
        text, html = _say(_("%(who)s mentioned you in a comment"), _who(event))
        icon = "at-sign"
    else:
        text, html = _say(_("%(who)s commented on your image"), _who(event))
        icon = "message"
    url = _url("image_detail", event.target_id)
    return Notice(text, html, icon, "primary", f"{url}#comments" if url else "", str(data.get("excerpt", "")))


def _review(n: Notification) -> Notice:
    data = n.event.data
    who = str(data.get("reviewer") or _("A reviewer"))
    verdict = data.get("verdict")
    if verdict == "approve":
        text, html = _say(_("%(who)s approved an image in your client review"), who)
        icon, tone = "check-circle", "success"
    elif verdict == "reject":
        text, html = _say(_("%(who)s rejected an image in your client review"), who)
        icon, tone = "x-circle", "error"
    else:
        text, html = _say(_("%(who)s commented on an image in your client review"), who)
        icon, tone = "message", "primary"
    url = _url("review_summary", data["link"]) if data.get("link") else _url("image_detail", n.event.target_id)
    return Notice(text, html, icon, tone, url, str(data.get("excerpt", "")))


def _joined(n: Notification) -> Notice:
    role = _role(n.event.data.get("role"))
    text, html = _say(_("%(who)s accepted your invitation and joined as %(role)s"), _who(n.event), role=role)
    return Notice(text, html, "user-plus", "primary", _url("team_members", n.event.target_id))


def _invited(n: Notification) -> Notice:
    data = n.event.data
    text, html = _say(
        _("%(who)s invited you to join the team “%(team)s” as %(role)s"),
        _who(n.event),
        team=str(data.get("workspace") or _("a team")),
        role=_role(data.get("role")),
    )
    # The accept link carries a secret sent only by email (its hash is all we keep), so there is no page here.
    return Notice(text, html, "users", "primary", "", _("Open the invitation email we sent you to accept or decline."))


def _shared(n: Notification) -> Notice:
    event, data = n.event, n.event.data
    who = _who(event)
    if event.verb == "project.shared":
        text, html = _say(_("%(who)s made a share link for your project “%(name)s”"), who, name=data.get("project", ""))
        url = _url("project_detail", event.target_id)
    elif event.verb == "collection.shared":
        template = _("%(who)s made a share link for your collection “%(name)s”")
        text, html = _say(template, who, name=data.get("collection", ""))
        url = _url("collection_detail", event.target_id)
    else:
        text, html = _say(_("%(who)s made a share link for your image"), who)
        url = _url("image_detail", event.target_id)
    return Notice(text, html, "share", "primary", url, str(data.get("excerpt", "")))


def _job_finished(n: Notification) -> Notice:
    data = n.event.data
    count = _int(data, "count") or 1
    template = ngettext("Your image is ready: “%(prompt)s”", "Your %(count)s images are ready: “%(prompt)s”", count)
    text, html = _say(template, count=count, prompt=data.get("prompt", ""))
    url = _url("image_detail", data["image_id"]) if data.get("image_id") else _url("generate")
    return Notice(text, html, "check-circle", "success", url)


def _job_failed(n: Notification) -> Notice:
    data = n.event.data
    text, html = _say(_("Your image could not be made: “%(prompt)s”"), prompt=data.get("prompt", ""))
    return Notice(text, html, "alert-triangle", "error", _url("queue"), str(data.get("error", "")))


def _batch_done(n: Notification) -> Notice:
    data = n.event.data
    text, html = _say(_("Your batch “%(name)s” is done"), name=data.get("name") or _("Untitled batch"))
    succeeded, failed = _int(data, "succeeded"), _int(data, "failed")
    excerpt = ngettext("%(count)s item made", "%(count)s items made", succeeded) % {"count": succeeded}
    if failed:
        excerpt += " · " + ngettext("%(count)s failed", "%(count)s failed", failed) % {"count": failed}
    return Notice(
        text, html, "layers", "success" if not failed else "warning", _url("batch_detail", n.event.target_id), excerpt
    )


def _credits_alert(n: Notification) -> Notice:
    data = n.event.data
    text, html = _say(_("You have used %(threshold)s%% of your monthly credit cap"), threshold=_int(data, "threshold"))
    excerpt = _("%(spent)s of %(cap)s credits spent this month.") % {
        "spent": _int(data, "spent"),
        "cap": _int(data, "cap"),
    }
    return Notice(text, html, "gauge", "warning", _url("settings_billing"), excerpt)


def _credits_cap(n: Notification) -> Notice:
    data = n.event.data
    text, html = _say(_("You reached your monthly credit cap of %(cap)s credits"), cap=_int(data, "cap"))
    excerpt = _("New generations wait until next month, or until you raise the cap in Billing.")
    return Notice(text, html, "ban", "error", _url("settings_billing"), excerpt)


def _credits_expiring(n: Notification) -> Notice:
    data = n.event.data
    amount = _int(data, "amount")
    template = ngettext("%(amount)s credit expires on %(date)s", "%(amount)s credits expire on %(date)s", amount)
    text, html = _say(template, amount=amount, date=_date(data.get("expires_at")))
    return Notice(text, html, "clock", "warning", _url("settings_billing"), _("Use them before then."))


def _credits_purchased(n: Notification) -> Notice:
    credits = _int(n.event.data, "credits")
    template = ngettext(
        "%(credits)s credit was added to your balance", "%(credits)s credits were added to your balance", credits
    )
    text, html = _say(template, credits=credits)
    return Notice(text, html, "coins", "success", _url("settings_billing"))


def _other(n: Notification) -> Notice:
    """A verb without its own sentence: the activity feed's wording."""
    event = n.event
    text, html = _say("%(who)s %(what)s", _who(event), what=describe(event))
    links = {"image": "image_detail", "project": "project_detail", "collection": "collection_detail"}
    url = _url(links[event.target_type], event.target_id) if event.target_type in links else ""
    return Notice(text, html, "bell", "neutral", url, str(event.data.get("excerpt", "")))


BY_VERB: dict[str, Callable[[Notification], Notice]] = {
    "job.finished": _job_finished,
    "job.failed": _job_failed,
    "batch.completed": _batch_done,
    "project.shared": _shared,
    "image.shared": _shared,
    "collection.shared": _shared,
    "member.invited": _invited,
    "member.joined": _joined,
    "review.verdict": _review,
    "comment.added": _comment,
    "credits.alert": _credits_alert,
    "credits.cap_reached": _credits_cap,
    "credits.grant_expiring": _credits_expiring,
    "credits.purchased": _credits_purchased,
}


def present(notification: Notification) -> Notice:
    return BY_VERB.get(notification.event.verb, _other)(notification)
