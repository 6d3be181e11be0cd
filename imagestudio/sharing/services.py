"""Creating, opening and revoking share links. Callers check the owner's rights (`workspaces.access`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.demo.access import refuse
from imagestudio.events.services import record
from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project
from imagestudio.sharing import models
from imagestudio.sharing.models import SharedImage, SharedProject

if TYPE_CHECKING:
    from imagestudio.collections.models import Collection, SharedCollection

MIN_PASSWORD = 4
MAX_PASSWORD = 200
type Link = SharedProject | SharedImage | SharedCollection


def collection_links():
    """The SharedCollection model (from the app registry: the collections app builds on this one)."""
    return apps.get_model("collections", "SharedCollection")


class ShareError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class PasswordRequired(Exception):
    """The link has a password and the request gave none or a wrong one (401)."""

    def __init__(self, wrong: bool) -> None:
        super().__init__(gettext("Wrong password for this link.") if wrong else gettext("This link needs a password."))
        self.wrong = wrong


@dataclass
class LinkOptions:
    expires_at: datetime | None = None
    password: str = ""
    allow_download: bool = False
    allow_review: bool = False  # project links only: viewers may approve, reject and comment


def _checked(options: LinkOptions) -> dict:
    if options.expires_at is not None and options.expires_at <= timezone.now():
        raise ShareError("expires_at", gettext("The expiry must be in the future."))
    if options.password and not MIN_PASSWORD <= len(options.password) <= MAX_PASSWORD:
        raise ShareError(
            "password",
            gettext("Passwords are %(min)s to %(max)s characters.") % {"min": MIN_PASSWORD, "max": MAX_PASSWORD},
        )
    return {
        "share_token": secrets.token_urlsafe(24),  # 192 bits: unguessable
        "expires_at": options.expires_at,
        "password_hash": make_password(options.password) if options.password else "",
        "allow_download": options.allow_download,
    }


def share_project(project: Project, *, user, options: LinkOptions) -> SharedProject:
    refuse(user, "share")
    with transaction.atomic():
        link = SharedProject.objects.create(
            project=project, created_by=user, allow_review=options.allow_review, **_checked(options)
        )
        record(
            actor=user,
            verb="project.shared",
            target=project,
            workspace_id=project.workspace_id,
            project_id=project.pk,
            data={"project": project.name, "password": bool(options.password), "review": options.allow_review},
            notify=[(project.user, "shared")],  # a teammate made the owner's project public to link holders
        )
    return link


def share_image(image: Image, *, user, options: LinkOptions) -> SharedImage:
    refuse(user, "share")
    if options.allow_review:
        raise ShareError("allow_review", gettext("Client review links are for projects; share the project instead."))
    project = image.project
    with transaction.atomic():
        link = SharedImage.objects.create(image=image, created_by=user, **_checked(options))
        record(
            actor=user,
            verb="image.shared",
            target=image,
            workspace_id=project.workspace_id if project else None,
            project_id=project.pk if project else None,
            data={"excerpt": image.prompt[:120]},
            notify=[(image.user, "shared")],
        )
    return link


def share_collection(collection: Collection, *, user, options: LinkOptions) -> SharedCollection:
    refuse(user, "share")
    if options.allow_review:
        raise ShareError("allow_review", gettext("Client review links are for projects; share a project instead."))
    with transaction.atomic():
        link = collection_links().objects.create(collection=collection, created_by=user, **_checked(options))
        record(
            actor=user,
            verb="collection.shared",
            target=collection,
            workspace_id=collection.workspace_id,
            data={"collection": collection.name, "password": bool(options.password)},
            notify=[(collection.created_by, "shared")] if collection.created_by else [],
        )
    return link


def link_by_token(token: str) -> Link | None:
    """The project, image or collection link behind `token`, live or not."""
    return models.link_by_token(token)  # type: ignore[return-value]


def find_link(token: str) -> Link:
    """The live link behind `token`; 404 when unknown, revoked or expired (all look the same)."""
    link = link_by_token(token)
    if link is None or not link.is_live:
        raise Http404("This link does not exist, was revoked or has expired.")
    if isinstance(link, SharedImage) and link.image.deleted_at is not None:
        raise Http404("This link does not exist, was revoked or has expired.")
    return link


def check_link_password(link: Link, password: str | None) -> None:
    """Raise PasswordRequired unless the link has no password or `password` is right."""
    if not link.password_hash:
        return
    if not password:
        raise PasswordRequired(wrong=False)
    if not check_password(password, link.password_hash):
        raise PasswordRequired(wrong=True)


def count_view(link: Link) -> None:
    type(link).objects.filter(pk=link.pk).update(view_count=F("view_count") + 1)


def revoke(link: Link) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def shared_images(link: Link):
    """The images a link shows: the project's live images, the collection's in its order, or the one image."""
    if isinstance(link, SharedProject):
        return Image.objects.alive().filter(project=link.project).select_related("model")
    if hasattr(link, "collection"):
        from imagestudio.collections.selectors import shared_collection_images

        return shared_collection_images(link.collection, link.created_by)
    return Image.objects.alive().filter(pk=link.image_id).select_related("model")


def links_of(user, limit: int = 200) -> list[Link]:
    """The links a user created (project, image and collection ones), newest first."""
    links: list[Link] = [
        *SharedProject.objects.filter(created_by=user).select_related("project").order_by("-created_at")[:limit],
        *SharedImage.objects.filter(created_by=user).select_related("image").order_by("-created_at")[:limit],
    ]
    links += (
        collection_links().objects.filter(created_by=user).select_related("collection").order_by("-created_at")[:limit]
    )
    links.sort(key=lambda link: link.created_at, reverse=True)
    return links[:limit]
