"""Public share pages (no account needed), their image files, embeds, and the owner's link manager."""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, strip_tags
from django.utils.text import Truncator
from django.utils.timezone import make_aware
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.gallery import files
from imagestudio.gallery.models import Image
from imagestudio.lib.ratelimit import RateLimited, limit, too_many_requests
from imagestudio.projects.markdown import render_markdown
from imagestudio.projects.models import Project
from imagestudio.sharing import reviews, services
from imagestudio.sharing.api import GUESS_RATE, link_kind, link_title, review_rate, share_out
from imagestudio.sharing.models import SharedImage, SharedProject
from imagestudio.sharing.services import Link
from imagestudio.workspaces import access

SESSION_UNLOCKED = "shares_unlocked"
SESSION_REVIEWER = "share_reviewer"  # {"key": random id, "name": what the reviewer calls themselves}


class PublicRequest(HttpRequest):
    """A request to a public page (maybe anonymous); django-htmx's middleware has added `htmx`."""

    htmx: HtmxDetails


def _meta_description(link: Link, description: str) -> str:
    """One plain line for search results and link previews (a project's Markdown without its markup)."""
    if isinstance(link, SharedProject):
        text = html.unescape(strip_tags(render_markdown(description))) or "A project shared from AI Image Studio"
    elif isinstance(link, SharedImage):
        text = link.image.prompt
    else:
        text = description or "A collection shared from AI Image Studio"
    return Truncator(" ".join(text.split())).chars(160)


def _allow_framing(response: HttpResponse) -> HttpResponse:
    """Share pages may be framed by other sites (embeds); every other page keeps frame-ancestors 'none'."""
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}  # type: ignore[attr-defined]
    return response


def _unlocked(request: HttpRequest, link) -> bool:
    return not link.password_hash or link.share_token in request.session.get(SESSION_UNLOCKED, [])


@xframe_options_exempt
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    """The public page of a project, collection or image link; a password form first when it has one."""
    link = services.find_link(token)
    error = ""
    if request.method == "POST" and link.password_hash:
        try:
            services.check_link_password(link, request.POST.get("password", ""))
        except services.PasswordRequired as exc:
            try:
                limit(request, action=f"share-password:{link.share_token}", rate=GUESS_RATE)
            except RateLimited as limited:
                return too_many_requests(request, limited)
            error = str(exc)
        else:
            request.session[SESSION_UNLOCKED] = [*request.session.get(SESSION_UNLOCKED, [])[-50:], link.share_token]
            return redirect("share_page", token=link.share_token)
    if not _unlocked(request, link):
        return _allow_framing(render(request, "sharing/password.html", {"link": link, "error": error}, status=401))
    services.count_view(link)
    images = list(services.shared_images(link)[:200])
    embed = request.GET.get("embed") == "1"
    # Reviews only on the page itself: a third-party iframe gets no session cookie to post with.
    reviewing = isinstance(link, SharedProject) and link.allow_review and not embed
    if reviewing and isinstance(link, SharedProject):
        mine = reviews.verdicts_of(link, _reviewer(request).get("key", ""))
        for image in images:
            image.my_review = mine.get(image.pk)
    title, description = link_title(link)
    context = {
        "link": link,
        "images": images,
        "reviewing": reviewing,
        "reviewer": _reviewer(request) if reviewing else {},
        "is_project": isinstance(link, SharedProject),
        "kind": link_kind(link),
        "title": title,
        "description": description,
        "preview": images[0] if images else None,
        "meta_description": _meta_description(link, description),
    }
    page_url = request.build_absolute_uri(reverse("share_page", args=[link.share_token]))
    preview_url = (
        request.build_absolute_uri(reverse("share_thumb", args=[link.share_token, images[0].pk])) if images else ""
    )
    context.update(
        page_url=page_url,
        social_links=social_links(page_url, str(context["title"]), preview_url),
        web_share_attrs=format_html(
            'hidden data-web-share data-share-url="{}" data-share-title="{}"', page_url, context["title"]
        ),
    )
    # ?embed=1 (the iframe snippet): the images alone, without the site's header and footer.
    template = "sharing/embed.html" if embed else "sharing/share_page.html"
    return _allow_framing(render(request, template, context))


def social_links(url: str, title: str, image_url: str = "") -> list[dict[str, str]]:
    """Share intents of the big networks: plain links, no scripts or trackers of theirs on our page."""
    return [
        {"name": "X", "url": "https://twitter.com/intent/tweet?" + urlencode({"url": url, "text": title})},
        {"name": "Facebook", "url": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})},
        {
            "name": "Pinterest",
            "url": "https://pinterest.com/pin/create/button/?"
            + urlencode({"url": url, "media": image_url, "description": title}),
        },
        {"name": "Reddit", "url": "https://www.reddit.com/submit?" + urlencode({"url": url, "title": title})},
    ]


def _shared_image(request: HttpRequest, token: str, image_id) -> tuple:
    link = services.find_link(token)
    if not _unlocked(request, link):
        raise Http404("This link does not exist, was revoked or has expired.")
    image = services.shared_images(link).filter(pk=image_id).first()
    if image is None:
        raise Http404("No such image in this link.")
    return link, image


@xframe_options_exempt
def share_thumb(request: HttpRequest, token: str, image_id) -> HttpResponseBase:
    _, image = _shared_image(request, token, image_id)
    return files.serve(image.thumbnail or image.file)


def share_file(request: HttpRequest, token: str, image_id) -> HttpResponseBase:
    """The original, only when the link allows downloads."""
    link, image = _shared_image(request, token, image_id)
    if not link.allow_download:
        raise Http404("This link does not allow downloads.")
    name = files.download_name(image) if request.GET.get("download") else None
    return files.serve(image.file, download_name=name)


# -- client review: the reviewer's side ------------------------------------------------------------


def _reviewer(request: HttpRequest) -> dict[str, str]:
    stored = request.session.get(SESSION_REVIEWER)
    return stored if isinstance(stored, dict) else {}


def _remember_reviewer(request: HttpRequest, name: str) -> str:
    """Keep the reviewer's name and key in their session; the key is made once and never changes."""
    reviewer = _reviewer(request)
    key = reviewer.get("key") or reviews.new_reviewer_key()
    request.session[SESSION_REVIEWER] = {"key": key, "name": name}
    return key


def _open_review_link(request: HttpRequest, token: str) -> SharedProject | HttpResponse:
    """The live review link, or the answer to give instead: 404 when gone, the password form when locked."""
    link = services.find_link(token)
    if not isinstance(link, SharedProject) or not link.allow_review:
        raise Http404("This link does not take reviews.")
    if not _unlocked(request, link):
        return _allow_framing(render(request, "sharing/password.html", {"link": link}, status=401))
    return link


@require_POST
def share_reviewer(request: HttpRequest, token: str) -> HttpResponse:
    """Set (or change) the name a reviewer's verdicts go under, once for the whole link."""
    opened = _open_review_link(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    try:
        name = reviews.clean_name(request.POST.get("reviewer_name"))
    except reviews.ReviewError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("share_page", args=[opened.share_token]) + "#reviewer")
    key = _remember_reviewer(request, name)
    reviews.rename_reviewer(key, name)
    messages.success(request, gettext("Reviewing as %(name)s.") % {"name": name})
    return redirect(reverse("share_page", args=[opened.share_token]) + "#reviewer")


def _review_block(request: HttpRequest, link: SharedProject, image, mine, error: str = "") -> HttpResponse:
    image.my_review = mine
    return render(request, "sharing/partials/review_block.html", {"link": link, "image": image, "error": error})


@require_POST
def share_review(request: PublicRequest, token: str, image_id) -> HttpResponse:
    """Approve, reject or comment on one image; htmx swaps the image's review block, plain forms reload."""
    opened = _open_review_link(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    link = opened
    limit(request, action="share-review", rate=review_rate())  # RateLimitMiddleware answers 429
    before = _reviewer(request)
    verdict = request.POST.get("verdict") or None
    page = reverse("share_page", args=[link.share_token]) + f"#image-{image_id}"
    try:
        # htmx sends the reviewer bar's name field along (hx-include); plain forms rely on the session.
        name = reviews.clean_name(request.POST.get("reviewer_name") or before.get("name"))
        key = _remember_reviewer(request, name)
        if before.get("name") and name != before["name"]:
            reviews.rename_reviewer(key, name)
        row = reviews.submit_verdict(
            link,
            image_id=image_id,
            reviewer_key=key,
            reviewer_name=name,
            verdict=verdict,
            comment=request.POST.get("comment"),
            actor=request.user,
        )
    except reviews.ReviewError as exc:
        image = services.shared_images(link).filter(pk=image_id).first()
        if image is None:
            raise Http404("No such image in this link.") from exc
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect(page)
        mine = reviews.verdicts_of(link, before.get("key", "")).get(image.pk)
        return _review_block(request, link, image, mine, error=exc.message)
    said = {"approve": gettext("Approved"), "reject": gettext("Rejected")}.get(verdict or "", gettext("Comment saved"))
    if not request.htmx:
        messages.success(request, gettext("%(said)s. Thank you!") % {"said": said})
        return redirect(page)
    response = _review_block(request, link, row.image, row)
    response["HX-Trigger"] = json.dumps({"toast": {"message": f"{said}.", "level": "success"}})
    return response


# -- the owner's side -------------------------------------------------------------------------------


@login_required
def share_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every link you made: copy, embed, see views, revoke; and the form to make a new one."""
    links = services.links_of(request.user)
    counts = reviews.verdict_counts(links)
    rows = [
        {
            "link": link,
            "out": share_out(request, link),
            "img_embed": request.build_absolute_uri(reverse("share_thumb", args=[link.share_token, link.image_id]))
            if isinstance(link, SharedImage)
            else "",
            "review": counts.get(link.pk),
        }
        for link in links
    ]
    target = _target(request)
    context = {"rows": rows, "target": target, "target_kind": _target_kind(target) if target else ""}
    return render(request, "sharing/share_list.html", context)


def _target_kind(target) -> str:
    if isinstance(target, Project):
        return "project"
    return "image" if isinstance(target, Image) else "collection"


def _target(request: AuthenticatedRequest):
    """What the 'new link' form shares (?project=, ?collection= or ?image=), checked for the right to share it."""
    if project_id := request.GET.get("project") or request.POST.get("project"):
        return access.get_project_for(request.user, project_id, "manage")
    if (
        collection_id := request.GET.get("collection") or request.POST.get("collection")
    ) and services.collection_links():
        return access.get_collection_for(request.user, collection_id, "manage")
    if image_id := request.GET.get("image") or request.POST.get("image"):
        return access.get_image_for(request.user, image_id, "manage")
    return None


@login_required
@require_POST
def share_create(request: AuthenticatedRequest) -> HttpResponse:
    target = _target(request)
    if target is None:
        raise Http404(gettext("Choose a project or an image to share."))
    raw_expiry = request.POST.get("expires_at", "").strip()
    expires = parse_datetime(raw_expiry) if raw_expiry else None
    if raw_expiry and expires is None:
        messages.error(request, gettext("The expiry date could not be read; pick it again."))
        return redirect(request.get_full_path())
    if expires is not None and expires.tzinfo is None:
        expires = make_aware(expires)
    options = services.LinkOptions(
        expires_at=expires,
        password=request.POST.get("password", ""),
        allow_download=request.POST.get("allow_download") == "on",
        allow_review=isinstance(target, Project) and request.POST.get("allow_review") == "on",
    )
    link: services.Link
    try:
        if isinstance(target, Project):
            link = services.share_project(target, user=request.user, options=options)
        elif isinstance(target, Image):
            link = services.share_image(target, user=request.user, options=options)
        else:
            link = services.share_collection(target, user=request.user, options=options)
    except services.ShareError as exc:
        messages.error(request, exc.message)
        return redirect(f"/shares/?{_target_kind(target)}={target.pk}")
    messages.success(request, gettext("Link created. Copy it below."))
    return redirect(f"/shares/#link-{link.share_token}")


@login_required
@require_POST
def share_revoke(request: AuthenticatedRequest, token: str) -> HttpResponse:
    services.revoke(access.get_link_for(request.user, token))
    messages.success(request, gettext("Link revoked: it no longer opens."))
    return redirect("share_list")


@login_required
def review_summary(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The verdicts of a client review link, image by image, for whoever can view its project."""
    link = reviews.review_link_for(request.user, token)
    items = reviews.review_summary(link)
    context = {
        "link": link,
        "items": items,
        "out": share_out(request, link),
        "totals": {
            "approvals": sum(item.approvals for item in items),
            "rejections": sum(item.rejections for item in items),
            "comments": sum(item.comments for item in items),
            "reviewers": len({row.reviewer_key for item in items for row in item.verdicts}),
        },
    }
    return render(request, "sharing/review_summary.html", context)
