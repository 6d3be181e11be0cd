"""Who may open or change what, through every page and API route about projects, images, comments, share
links (client reviews included), workspaces (teams, members, invitations, team credits), activity and
notifications. The API routes already in test_access_matrix.py are not repeated here.

PAGES and API are the tables: one row per route (and per case of it) with the method, the path template, the
form data (pages) or JSON body (API), and the status each actor gets, in the order owner, admin, editor, viewer,
outsider, anonymous. Each row runs once per actor against fresh data (the `world` fixture builds only what the
row's placeholders name). The owner created the team workspace (an admin); admin, editor and viewer are members
with that role; the outsider has an account but is not a member; anonymous is signed out.

The rules under test (`workspaces.access`): viewers view, editors also change, admins also delete, share and
manage members; non-members get 404, never a hint that the thing exists; a role too weak gets 403. An image in
no project is its creator's alone. Share links open for anyone with the token, after their password; revoked,
expired and trashed ones are 404. Signed-out visitors of a signed-in page go to the login page (`LOGIN`, with
`next` pointing back); the API answers them 401.

A row's `changed` check says whether the row's change happened: it must have happened exactly for the actors
whose expected status is a success, and for no one else. LISTINGS checks that lists name a thing to exactly
the actors who may see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.test.client import ClientHandler
from django.utils import timezone

from imagestudio.accounts.services import issue_token
from imagestudio.billing import services as billing
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.offline import OFFLINE_MODELS
from imagestudio.catalog.services import _offline_row
from imagestudio.events.models import Notification
from imagestudio.events.services import record
from imagestudio.gallery.models import Image, ImageComment
from imagestudio.generation.models import GenerationJob
from imagestudio.projects.models import Project
from imagestudio.prompts.models import Prompt, PromptFavorite
from imagestudio.sharing.models import ReviewVerdict, SharedImage, SharedProject
from imagestudio.sharing.services import LinkOptions, revoke, share_image, share_project
from imagestudio.workspaces.models import Invitation, Membership, Role, Workspace
from imagestudio.workspaces.services import create_team, invite, personal_workspace, revoke_invitation, set_member
from tests.factories import OFFLINE, make_image, make_job, make_user
from tests.serving import served_status

ACTORS = ("owner", "admin", "editor", "viewer", "outsider", "anonymous")
MEMBERS = ("owner", "admin", "editor", "viewer")
LOGIN = "login"  # anonymous on a signed-in page: 302 to /accounts/login/?next=<the page> (HTMX: HX-Redirect)
SUCCESS = {200, 201, 202, 204, 302}
SECRET = "open-sesame"  # the password of the password-protected links
HX = {"HX-Request": "true"}
TINY = {"width": 8, "height": 8}  # images are real files (thumb/file routes serve them), but tiny


# -- the data of one test, built on first use --------------------------------------------------------------


class World:
    """The team, its project and whatever a row's placeholders name, made lazily so each test stays cheap.

    `world["image"]` (what `str.format_map` asks for) gives the id or token of the `image` property.
    """

    def __init__(self, actor: str) -> None:
        self.actor = actor
        self.people: dict[str, Any] = {}
        # The offline models only: the full catalog (sync_catalog, 40-odd rows) would double the run time.
        for spec in OFFLINE_MODELS:
            AIModel(**_offline_row(spec)).save()  # save(): it fills the capability column
        self.owner = self.person("owner")
        self.team = create_team(self.owner, "Studio team")
        self.project = Project.objects.create(workspace=self.team, user=self.owner, name="Launch")
        self.user = None if actor == "anonymous" else self.person(actor)
        self.tokens: dict[str, str] = {}

    def person(self, name: str):
        if name not in self.people:
            self.people[name] = make_user(email=f"{name}@example.com", name=name.title(), credits=None)
            if name in ("admin", "editor", "viewer", "bystander"):
                role = Role.EDITOR if name == "bystander" else Role(name)
                set_member(self.team, self.people[name], role)
        return self.people[name]

    def __getitem__(self, key: str) -> str:
        if key in self.tokens or key.endswith("_token"):
            getattr(self, key.removesuffix("_token"))
            return self.tokens[key]
        value = getattr(self, key)
        return str(getattr(value, "share_token", None) or value.pk)

    # people and places
    @property
    def me(self):  # the actor (the owner stands in for anonymous: their request never gets that far)
        return self.user or self.owner

    @cached_property
    def bystander(self):  # another editor of the team, the one members get removed
        return self.person("bystander")

    @cached_property
    def viewer_member(self):
        return self.person("viewer")

    @cached_property
    def stranger(self):  # an account in no workspace of this story
        return self.person("stranger")

    @property
    def workspace(self) -> Workspace:
        return self.team

    @cached_property
    def personal(self) -> Workspace:  # the owner's personal workspace
        return personal_workspace(self.owner)

    # images and comments
    @cached_property
    def image(self) -> Image:  # in the team's project, made by the owner
        return make_image(user=self.owner, project=self.project, **TINY)

    @cached_property
    def job_image(self) -> Image:  # in the project, from a finished job of the owner's (so it can be varied)
        job = make_job(user=self.owner, project=self.project, status="succeeded", width=256, height=256)
        return make_image(user=self.owner, project=self.project, job=job, **TINY)

    @cached_property
    def loose(self) -> Image:  # the owner's, in no project: theirs alone
        return make_image(user=self.owner, **TINY)

    @cached_property
    def mine(self) -> Image:  # the actor's own image in no project
        return make_image(user=self.me, **TINY)

    @cached_property
    def comment(self) -> ImageComment:  # the owner's comment on `image`
        return ImageComment.objects.create(image=self.image, user=self.owner, comment_text="Owner's note")

    @cached_property
    def my_comment(self) -> ImageComment:  # the actor's own comment on `image` (the outsider's: from before)
        return ImageComment.objects.create(image=self.image, user=self.me, comment_text="My note")

    # share links, all made by the owner
    def _link(self, target, **options):
        make = share_project if isinstance(target, Project) else share_image
        return make(target, user=self.owner, options=LinkOptions(**options))

    @cached_property
    def project_link(self) -> SharedProject:
        return self._link(self.project)

    @cached_property
    def image_link(self) -> SharedImage:
        return self._link(self.image)

    @cached_property
    def pw_project_link(self) -> SharedProject:
        return self._link(self.project, password=SECRET)

    @cached_property
    def pw_image_link(self) -> SharedImage:
        return self._link(self.image, password=SECRET)

    @cached_property
    def dl_project_link(self) -> SharedProject:
        return self._link(self.project, allow_download=True)

    @cached_property
    def review_link(self) -> SharedProject:  # a client review link: reviewers approve, reject, comment
        return self._link(self.project, allow_review=True)

    @cached_property
    def pw_review_link(self) -> SharedProject:
        return self._link(self.project, allow_review=True, password=SECRET)

    @cached_property
    def revoked_review_link(self) -> SharedProject:
        return self._revoked(self._link(self.project, allow_review=True))

    @cached_property
    def loose_link(self) -> SharedImage:  # to the owner's image in no project
        return self._link(self.loose)

    @cached_property
    def trashed_image_link(self) -> SharedImage:  # to an image moved to the trash since
        image = make_image(user=self.owner, project=self.project, **TINY)
        link = self._link(image)
        Image.objects.filter(pk=image.pk).update(deleted_at=timezone.now())
        return link

    def _expired(self, link):
        type(link).objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
        return link

    def _revoked(self, link):
        revoke(link)
        return link

    @cached_property
    def expired_project_link(self) -> SharedProject:
        return self._expired(self._link(self.project, expires_at=timezone.now() + timedelta(days=1)))

    @cached_property
    def expired_image_link(self) -> SharedImage:
        return self._expired(self._link(self.image, expires_at=timezone.now() + timedelta(days=1)))

    @cached_property
    def revoked_project_link(self) -> SharedProject:
        return self._revoked(self._link(self.project))

    @cached_property
    def revoked_image_link(self) -> SharedImage:
        return self._revoked(self._link(self.image))

    # invitations, all sent by the owner; `invite_token` and friends are the secret in the emailed link
    def _invite(self, name: str, email: str) -> Invitation:
        invitation, self.tokens[f"{name}_token"] = invite(self.team, by=self.owner, email=email, role=Role.EDITOR)
        return invitation

    @cached_property
    def invitation(self) -> Invitation:  # an open invitation to someone not in this story
        return self._invite("invitation", "newcomer@example.com")

    @cached_property
    def foreign_invitation(self) -> Invitation:  # an open invitation of another team
        other = create_team(self.stranger, "Other team")
        invitation, _ = invite(other, by=self.stranger, email="someone@example.com", role=Role.EDITOR)
        return invitation

    @cached_property
    def invite(self) -> Invitation:  # an open invitation to the outsider's address
        return self._invite("invite", "outsider@example.com")

    @cached_property
    def expired_invite(self) -> Invitation:
        invitation = self._invite("expired_invite", "outsider@example.com")
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(hours=1))
        return invitation

    @cached_property
    def revoked_invite(self) -> Invitation:
        invitation = self._invite("revoked_invite", "outsider@example.com")
        revoke_invitation(invitation)
        return invitation

    # notifications: one for the actor, one for someone else (a witness), both unread
    @cached_property
    def witness(self):
        return self.person("witness")

    def notify(self) -> None:
        people = [(self.witness, "mention"), *([(self.user, "mention")] if self.user else [])]
        record(
            actor=self.bystander, verb="comment.added", target=self.project, workspace_id=self.team.pk, notify=people
        )

    @cached_property
    def witness_notification(self) -> Notification:
        self.notify()
        return Notification.objects.get(user=self.witness)

    # the prompt library: the team's private prompt, and one the team published
    @cached_property
    def prompt(self) -> Prompt:
        return Prompt.objects.create(workspace=self.team, user=self.owner, title="Team prompt", prompt_text="a kite")

    @cached_property
    def public_prompt(self) -> Prompt:
        return Prompt.objects.create(
            workspace=self.team, user=self.owner, title="Shared prompt", prompt_text="a comet", is_public=True
        )


def fill(template: Any, world: World) -> Any:
    """The template with every {placeholder} replaced (in strings, lists and dicts)."""
    if isinstance(template, str):
        return template.format_map(world)
    if isinstance(template, list):
        return [fill(item, world) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, world) for key, value in template.items()}
    return template


# -- checks: did the row's change happen? -------------------------------------------------------------------


def _project(w: World) -> Project | None:
    return Project.objects.filter(pk=w.project.pk).first()


def renamed(w: World) -> bool:
    return _project(w).name == "Renamed"


def described(w: World) -> bool:
    return _project(w).description == "Changed"


def archived(w: World) -> bool:
    return _project(w).is_archived


def project_public(w: World) -> bool:
    return _project(w).is_public


def project_deleted(w: World) -> bool:
    return _project(w) is None


def duplicated(w: World) -> bool:
    return Project.objects.filter(name__startswith="Copy of").exists()


def created_project(w: World) -> bool:
    """A project "New" was made, in the team for its editors and admins, else in the actor's personal one."""
    made = Project.objects.filter(name="New").first()
    if made is not None:
        home = w.team if w.actor in ("owner", "admin", "editor") else personal_workspace(w.user)
        assert made.workspace_id == home.pk, "the new project landed in a workspace the actor may not add to"
    return made is not None


def mine_added(w: World) -> bool:
    return Image.objects.get(pk=w.mine.pk).project_id == w.project.pk


def loose_added(w: World) -> bool:
    return Image.objects.get(pk=w.loose.pk).project_id == w.project.pk


def cover_set(w: World) -> bool:
    return _project(w).cover_image_id == w.image.pk


def image_removed(w: World) -> bool:
    return Image.objects.get(pk=w.image.pk).project_id is None


def commented(w: World) -> bool:
    return ImageComment.objects.filter(comment_text="Nice").exists()


def comment_deleted(w: World) -> bool:
    return not ImageComment.objects.filter(pk=w.comment.pk).exists()


def my_comment_deleted(w: World) -> bool:
    return not ImageComment.objects.filter(pk=w.my_comment.pk).exists()


def made_public(w: World) -> bool:
    return Image.objects.filter(is_public=True).exists()


def upscaled(w: World) -> bool:
    return GenerationJob.objects.filter(action="upscale", parent_image=w.image, user=w.me).exists()


def loose_upscaled(w: World) -> bool:
    return GenerationJob.objects.filter(action="upscale", parent_image=w.loose).exists()


def varied_by_the_actor(w: World) -> bool:
    """A variation was queued: on the actor's account (never on the image owner's), and into the project only
    if the actor may add images to it."""
    jobs = list(GenerationJob.objects.filter(parent_image=w.job_image))
    for job in jobs:
        assert job.user_id == w.me.pk, f"the variation was queued on {job.user.email}'s account, not the actor's"
        if w.actor not in ("owner", "admin", "editor"):
            assert job.project_id is None, "a viewer's variation went into the team's project"
    return bool(jobs)


def queued_in_project(w: World) -> bool:
    return GenerationJob.objects.filter(project=w.project).exists()


def project_shared(w: World) -> bool:
    return SharedProject.objects.filter(project=w.project).exists()


def image_shared(w: World) -> bool:
    return SharedImage.objects.exists()


def revoked(link_name: str) -> Callable[[World], bool]:
    def check(w: World) -> bool:
        link = getattr(w, link_name)
        return type(link).objects.get(pk=link.pk).revoked_at is not None

    return check


def reviewed(w: World) -> bool:
    return ReviewVerdict.objects.exists()


def team_funded(w: World) -> bool:
    return Workspace.objects.get(pk=w.team.pk).credits_balance == 1


def limits_set(w: World) -> bool:
    return Membership.objects.get(workspace=w.team, user=w.viewer_member).monthly_credit_limit == 5


def foreign_invitation_revoked(w: World) -> bool:
    return Invitation.objects.get(pk=w.foreign_invitation.pk).revoked_at is not None


def unlocked(link_name: str) -> Callable[[World], bool]:
    def check(w: World) -> bool:  # the same browser now sees the page instead of the password form
        return w.client.get(f"/s/{w[link_name]}/").status_code == 200

    return check


def switched(w: World) -> bool:
    return w.client.session.get("workspace_id") == str(w.team.pk)


def team_created(w: World) -> bool:
    return Workspace.objects.filter(name="Second team").exists()


def invited(w: World) -> bool:
    return Invitation.objects.filter(email="new@example.com").exists()


def invitation_revoked(w: World) -> bool:
    return Invitation.objects.get(pk=w.invitation.pk).revoked_at is not None


def viewer_promoted(w: World) -> bool:
    return Membership.objects.get(workspace=w.team, user=w.viewer_member).role == Role.EDITOR


def bystander_removed(w: World) -> bool:
    return not Membership.objects.filter(workspace=w.team, user=w.bystander).exists()


def left(w: World) -> bool:
    return w.was_member and not Membership.objects.filter(workspace=w.team, user=w.user).exists()


def accepted(w: World) -> bool:
    return Invitation.objects.get(pk=w.invite.pk).accepted_at is not None


def declined(w: World) -> bool:
    return Invitation.objects.get(pk=w.invite.pk).declined_at is not None


def all_read(w: World) -> bool:
    assert Notification.objects.filter(user=w.witness, read_at=None).exists(), "someone else's were marked read"
    return w.user is not None and not Notification.objects.filter(user=w.user, read_at=None).exists()


def witness_read(w: World) -> bool:
    return Notification.objects.filter(user=w.witness, read_at__isnull=False).exists()


def prompt_created(w: World) -> bool:
    """A prompt was saved, in the team for its editors and admins, else in the actor's personal workspace."""
    made = Prompt.objects.filter(prompt_text="New prompt text").first()
    if made is not None:
        home = w.team if w.actor in ("owner", "admin", "editor") else personal_workspace(w.user)
        assert made.workspace_id == home.pk, "the new prompt landed in a workspace the actor may not add to"
    return made is not None


def prompt_renamed(w: World) -> bool:
    return Prompt.objects.get(pk=w.prompt.pk).title == "Renamed"


def prompt_gone(name: str) -> Callable[[World], bool]:
    def check(w: World) -> bool:
        return not Prompt.objects.filter(pk=getattr(w, name).pk).exists()

    return check


def prompt_favourited(name: str) -> Callable[[World], bool]:
    def check(w: World) -> bool:
        return PromptFavorite.objects.filter(user=w.me, prompt=getattr(w, name)).exists()

    return check


def prompt_used(w: World) -> bool:
    return Prompt.objects.get(pk=w.prompt.pk).usage_count == 1


def prompt_copied(name: str) -> Callable[[World], bool]:
    def check(w: World) -> bool:
        return Prompt.objects.filter(source=getattr(w, name), user=w.me).exists()

    return check


# -- before the request -------------------------------------------------------------------------------------


def work_in_team(w: World) -> None:
    """The actor picked the team in the sidebar (the outsider's stale choice falls back to their own)."""
    if w.user is not None:
        session = w.client.session
        session["workspace_id"] = str(w.team.pk)
        session.save()


def whole_team(w: World) -> None:
    """Every member exists (the owner may leave only while another admin stays)."""
    for name in ("admin", "editor", "viewer"):
        w.person(name)
    w.was_member = w.user is not None and Membership.objects.filter(workspace=w.team, user=w.user).exists()


def with_credits(w: World) -> None:
    """The actor has credits of their own to move to the team."""
    if w.user is not None:
        billing.adjust(user=w.user, amount=10, reason="Test balance")


def with_notifications(w: World) -> None:
    w.notify()


# -- the tables ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    data: dict | None
    expected: tuple  # owner, admin, editor, viewer, outsider, anonymous
    changed: Callable[[World], bool] | None = None
    before: Callable[[World], None] | None = None
    headers: dict = field(default_factory=dict)


ALL_200 = (200, 200, 200, 200, 200, 200)
ALL_404 = (404, 404, 404, 404, 404, 404)
ALL_401 = (401, 401, 401, 401, 401, 401)
SIGNED_IN = (200, 200, 200, 200, 200, LOGIN)  # any account
VIEW = (200, 200, 200, 200, 404, LOGIN)  # members
EDIT = (200, 200, 200, 403, 404, LOGIN)  # editors and admins
MANAGE = (200, 200, 403, 403, 404, LOGIN)  # admins
CREATOR = (200, 404, 404, 404, 404, LOGIN)  # the owner's image in no project, or their personal workspace
VIEW_302 = (302, 302, 302, 302, 404, LOGIN)
EDIT_302 = (302, 302, 302, 403, 404, LOGIN)
MANAGE_302 = (302, 302, 403, 403, 404, LOGIN)
CREATOR_302 = (302, 404, 404, 404, 404, LOGIN)

TO_THE_PROJECT_FORM = {
    "model": OFFLINE,
    "project": "{project}",
    "prompt": "a kite",
    "aspect_ratio": "1:1",
    "num_images": 1,
}

REVIEW_FORM = {"reviewer_name": "Client", "verdict": "approve"}

PAGES = [
    # -- projects
    Row("GET", "/projects/", None, SIGNED_IN, before=work_in_team),
    Row("GET", "/projects/new/", None, (200, 200, 200, 403, 200, LOGIN), before=work_in_team),
    Row("POST", "/projects/new/", {"name": "New"}, (302, 302, 302, 403, 302, LOGIN), created_project, work_in_team),
    Row("GET", "/projects/{project}/", None, VIEW),
    Row("GET", "/projects/{project}/rename/", None, EDIT),
    Row("GET", "/projects/{project}/rename/", None, EDIT, headers=HX),
    Row("POST", "/projects/{project}/rename/", {"name": "Renamed"}, EDIT_302, renamed),
    Row("POST", "/projects/{project}/rename/", {"name": "Renamed"}, EDIT, renamed, headers=HX),
    Row("GET", "/projects/{project}/settings/", None, EDIT),
    Row("POST", "/projects/{project}/settings/", {"description": "Changed"}, EDIT_302, described),
    Row("GET", "/projects/{project}/export/", None, VIEW),
    Row("POST", "/projects/{project}/duplicate/", {}, EDIT_302, duplicated),
    Row("POST", "/projects/{project}/archive/", {"archived": "1"}, EDIT_302, archived),
    Row("POST", "/projects/{project}/delete/", {"images": "keep"}, MANAGE_302, project_deleted),
    Row("GET", "/projects/{project}/images/add/", None, EDIT),
    Row("POST", "/projects/{project}/images/add/", {"image_ids": "{mine}"}, EDIT_302, mine_added),
    Row(
        "POST",
        "/projects/{project}/images/add/",
        {"image_ids": "{loose}"},
        (302, 404, 404, 403, 404, LOGIN),
        loose_added,
    ),
    Row("POST", "/projects/{project}/images/{image}/cover/", {}, EDIT_302, cover_set),
    Row("POST", "/projects/{project}/images/{image}/cover/", {}, EDIT, cover_set, headers=HX),
    Row("POST", "/projects/{project}/images/{image}/remove/", {}, EDIT_302, image_removed),
    Row("POST", "/projects/{project}/images/{image}/remove/", {}, EDIT, image_removed, headers=HX),
    Row("GET", "/generate/?project={project}", None, EDIT),
    Row("POST", "/generate/", TO_THE_PROJECT_FORM, (302, 302, 302, 422, 422, LOGIN), queued_in_project),
    # -- images and comments
    Row("GET", "/images/", None, SIGNED_IN),
    Row("GET", "/images/{image}/", None, VIEW),
    Row("GET", "/images/{image}/file", None, VIEW),
    Row("GET", "/images/{image}/thumb", None, VIEW),
    Row("GET", "/images/{loose}/", None, CREATOR),
    Row("GET", "/images/{loose}/file", None, CREATOR),
    Row("GET", "/images/{loose}/thumb", None, CREATOR),
    Row("GET", "/explore/{image}/thumb", None, ALL_404),  # not public: not in the public gallery
    Row("POST", "/images/{image}/comments/", {"comment_text": "Nice"}, VIEW_302, commented),
    Row("POST", "/images/{loose}/comments/", {"comment_text": "Nice"}, CREATOR_302, commented),
    Row("POST", "/images/{image}/comments/{comment}/delete/", {}, MANAGE_302, comment_deleted),
    Row("POST", "/images/{image}/comments/{my_comment}/delete/", {}, VIEW_302, my_comment_deleted),
    Row("POST", "/images/{loose}/comments/{comment}/delete/", {}, (404, 404, 404, 404, 404, LOGIN), comment_deleted),
    Row("POST", "/images/{image}/public/", {"is_public": "1"}, MANAGE_302, made_public),
    Row("POST", "/images/{loose}/public/", {"is_public": "1"}, CREATOR_302, made_public),
    Row("POST", "/images/{job_image}/vary/", {}, VIEW_302, varied_by_the_actor),
    # -- iteration tools: editors make new versions, viewers only look
    Row("GET", "/images/{image}/iterate/upscale/", None, EDIT),
    Row("GET", "/images/{image}/iterate/inpaint/", None, EDIT),
    Row("POST", "/images/{image}/iterate/upscale/", {"scale": "2"}, EDIT_302, upscaled),
    Row("POST", "/images/{loose}/iterate/upscale/", {"scale": "2"}, CREATOR_302, loose_upscaled),
    # -- share links: the owner's side
    Row("GET", "/shares/", None, SIGNED_IN),
    Row("GET", "/shares/?project={project}", None, MANAGE),
    Row("GET", "/shares/?image={image}", None, MANAGE),
    Row("POST", "/shares/new/", {"project": "{project}"}, MANAGE_302, project_shared),
    Row("POST", "/shares/new/", {"image": "{image}"}, MANAGE_302, image_shared),
    Row("POST", "/shares/new/", {"image": "{loose}"}, CREATOR_302, image_shared),
    Row("POST", "/shares/{project_link}/revoke/", {}, MANAGE_302, revoked("project_link")),
    Row("POST", "/shares/{image_link}/revoke/", {}, MANAGE_302, revoked("image_link")),
    Row("POST", "/shares/{loose_link}/revoke/", {}, CREATOR_302, revoked("loose_link")),
    # -- share links: anyone with the link
    Row("GET", "/s/{project_link}/", None, ALL_200),
    Row("GET", "/s/{project_link}/?embed=1", None, ALL_200),
    Row("GET", "/s/{image_link}/", None, ALL_200),
    Row("GET", "/s/{expired_project_link}/", None, ALL_404),
    Row("GET", "/s/{revoked_project_link}/", None, ALL_404),
    Row("GET", "/s/{expired_image_link}/", None, ALL_404),
    Row("GET", "/s/{revoked_image_link}/", None, ALL_404),
    Row("GET", "/s/{trashed_image_link}/", None, ALL_404),
    Row("POST", "/s/{revoked_project_link}/", {"password": SECRET}, ALL_404),
    Row("GET", "/s/{pw_project_link}/", None, ALL_401, unlocked("pw_project_link")),
    Row("POST", "/s/{pw_project_link}/", {}, ALL_401, unlocked("pw_project_link")),
    Row("POST", "/s/{pw_project_link}/", {"password": "wrong-guess"}, ALL_401, unlocked("pw_project_link")),
    Row("POST", "/s/{pw_project_link}/", {"password": SECRET}, (302,) * 6, unlocked("pw_project_link")),
    Row("GET", "/s/{pw_image_link}/", None, ALL_401, unlocked("pw_image_link")),
    Row("POST", "/s/{pw_image_link}/", {}, ALL_401, unlocked("pw_image_link")),
    Row("POST", "/s/{pw_image_link}/", {"password": "wrong-guess"}, ALL_401, unlocked("pw_image_link")),
    Row("POST", "/s/{pw_image_link}/", {"password": SECRET}, (302,) * 6, unlocked("pw_image_link")),
    Row("GET", "/s/{project_link}/images/{image}/thumb", None, ALL_200),
    Row("GET", "/s/{project_link}/images/{image}/file", None, ALL_404),  # downloads not allowed
    Row("GET", "/s/{dl_project_link}/images/{image}/file", None, ALL_200),
    Row("GET", "/s/{project_link}/images/{loose}/thumb", None, ALL_404),  # not in the project
    Row("GET", "/s/{expired_project_link}/images/{image}/thumb", None, ALL_404),
    Row("GET", "/s/{revoked_project_link}/images/{image}/thumb", None, ALL_404),
    Row("GET", "/s/{pw_project_link}/images/{image}/thumb", None, ALL_404),  # still locked
    Row("GET", "/s/{image_link}/images/{image}/thumb", None, ALL_200),
    Row("GET", "/s/{image_link}/images/{loose}/thumb", None, ALL_404),  # another image
    Row("GET", "/s/{expired_image_link}/images/{image}/thumb", None, ALL_404),
    Row("GET", "/s/{revoked_image_link}/images/{image}/thumb", None, ALL_404),
    Row("GET", "/s/{pw_image_link}/images/{image}/thumb", None, ALL_404),
    # -- client review links: anyone with the link reviews; members of the project read the verdicts
    Row("POST", "/s/{review_link}/reviewer/", {"reviewer_name": "Client"}, (302,) * 6),
    Row("POST", "/s/{project_link}/reviewer/", {"reviewer_name": "Client"}, ALL_404),  # not a review link
    Row("POST", "/s/{review_link}/images/{image}/review", REVIEW_FORM, (302,) * 6, reviewed),
    Row("POST", "/s/{review_link}/images/{image}/review", REVIEW_FORM, ALL_200, reviewed, headers=HX),
    Row("POST", "/s/{review_link}/images/{loose}/review", REVIEW_FORM, ALL_404, reviewed),  # not in the project
    Row("POST", "/s/{project_link}/images/{image}/review", REVIEW_FORM, ALL_404, reviewed),  # not a review link
    Row("POST", "/s/{revoked_review_link}/images/{image}/review", REVIEW_FORM, ALL_404, reviewed),
    Row("POST", "/s/{pw_review_link}/images/{image}/review", REVIEW_FORM, ALL_401, reviewed),  # still locked
    Row("GET", "/shares/{review_link}/review/", None, VIEW),
    Row("GET", "/shares/{revoked_review_link}/review/", None, VIEW),  # the verdicts outlive the link
    Row("GET", "/shares/{project_link}/review/", None, (404,) * 5 + (LOGIN,)),  # not a review link
    # -- workspaces: switching, teams, members, invitations, activity
    Row("POST", "/workspaces/switch/", {"workspace_id": "{workspace}"}, VIEW_302, switched),
    Row("GET", "/workspaces/new/", None, SIGNED_IN),
    Row("POST", "/workspaces/new/", {"name": "Second team"}, (302,) * 5 + (LOGIN,), team_created),
    Row("GET", "/workspaces/{workspace}/members/", None, VIEW),
    Row("GET", "/workspaces/{personal}/members/", None, CREATOR),
    Row("GET", "/workspaces/{workspace}/activity/", None, VIEW),
    Row("GET", "/workspaces/{personal}/activity/", None, CREATOR),
    Row("POST", "/workspaces/{workspace}/invite/", {"email": "new@example.com", "role": "editor"}, MANAGE_302, invited),
    Row("POST", "/workspaces/{workspace}/invitations/{invitation}/revoke/", {}, MANAGE_302, invitation_revoked),
    Row(
        "POST",
        "/workspaces/{workspace}/invitations/{foreign_invitation}/revoke/",  # another team's, through ours
        {},
        (404, 404, 403, 403, 404, LOGIN),
        foreign_invitation_revoked,
    ),
    Row(
        "POST", "/workspaces/{workspace}/members/{stranger}/role/", {"role": "viewer"}, (404, 404, 403, 403, 404, LOGIN)
    ),
    Row(
        "POST", "/workspaces/{workspace}/members/{viewer_member}/role/", {"role": "editor"}, MANAGE_302, viewer_promoted
    ),
    Row("POST", "/workspaces/{workspace}/members/{bystander}/remove/", {}, MANAGE_302, bystander_removed),
    Row("POST", "/workspaces/{workspace}/members/{me}/remove/", {}, VIEW_302, left, whole_team),  # leaving
    Row("GET", "/workspaces/{workspace}/credits/", None, VIEW),
    Row("GET", "/workspaces/{personal}/credits/", None, (404,) * 5 + (LOGIN,)),  # no team credits there
    Row("POST", "/workspaces/{workspace}/credits/transfer/", {"amount": 1}, MANAGE_302, team_funded, with_credits),
    Row(
        "POST",
        "/workspaces/{workspace}/members/{viewer_member}/limits/",
        {"monthly_credit_limit": 5, "models_mode": "all"},
        MANAGE_302,
        limits_set,
    ),
    # the invitation was sent to the outsider's address: only that account may answer it
    Row("GET", "/invitations/{invite_token}/", None, SIGNED_IN),
    Row("POST", "/invitations/{invite_token}/", {"answer": "accept"}, (422, 422, 422, 422, 302, LOGIN), accepted),
    Row("POST", "/invitations/{invite_token}/", {"answer": "decline"}, (422, 422, 422, 422, 302, LOGIN), declined),
    Row("GET", "/invitations/{expired_invite_token}/", None, (404,) * 5 + (LOGIN,)),
    Row("GET", "/invitations/{revoked_invite_token}/", None, (404,) * 5 + (LOGIN,)),
    Row("POST", "/invitations/{revoked_invite_token}/", {"answer": "accept"}, (404,) * 5 + (LOGIN,)),
    # -- the prompt library: viewers read and use, editors write, admins delete; public prompts are everyone's to
    # read, favourite, use and copy (into a workspace where the actor may edit: the team, or their own)
    Row("GET", "/prompts/", None, SIGNED_IN, before=work_in_team),
    Row("GET", "/prompts/public/", None, SIGNED_IN),
    Row("GET", "/prompts/history/", None, SIGNED_IN),
    Row("GET", "/prompts/export/?format=csv", None, SIGNED_IN, before=work_in_team),
    Row("GET", "/prompts/new/", None, (200, 200, 200, 403, 200, LOGIN), before=work_in_team),
    Row("GET", "/prompts/import/", None, (200, 200, 200, 403, 200, LOGIN), before=work_in_team),
    Row(
        "POST",
        "/prompts/new/",
        {"prompt_text": "New prompt text"},
        (302, 302, 302, 403, 302, LOGIN),
        prompt_created,
        work_in_team,
    ),
    Row("GET", "/prompts/{prompt}/edit/", None, EDIT),
    Row("POST", "/prompts/{prompt}/edit/", {"title": "Renamed", "prompt_text": "a kite"}, EDIT_302, prompt_renamed),
    Row("POST", "/prompts/{prompt}/delete/", {}, MANAGE_302, prompt_gone("prompt")),
    Row("POST", "/prompts/{prompt}/favorite/", {}, VIEW_302, prompt_favourited("prompt")),
    Row("POST", "/prompts/{prompt}/favorite/", {}, (200, 200, 200, 200, 404, LOGIN), headers=HX),
    Row("POST", "/prompts/{prompt}/use/", {}, VIEW_302, prompt_used),
    Row("POST", "/prompts/{prompt}/copy/", {}, (302, 302, 302, 403, 404, LOGIN), prompt_copied("prompt"), work_in_team),
    Row("GET", "/prompts/{public_prompt}/edit/", None, (200, 200, 200, 403, 403, LOGIN)),
    Row("POST", "/prompts/{public_prompt}/delete/", {}, (302, 302, 403, 403, 403, LOGIN), prompt_gone("public_prompt")),
    Row("POST", "/prompts/{public_prompt}/favorite/", {}, (302,) * 5 + (LOGIN,), prompt_favourited("public_prompt")),
    Row(
        "POST",
        "/prompts/{public_prompt}/copy/",
        {},
        (302, 302, 302, 403, 302, LOGIN),
        prompt_copied("public_prompt"),
        work_in_team,
    ),
    # -- notifications
    Row("GET", "/notifications/", None, SIGNED_IN, before=with_notifications),
    Row("POST", "/notifications/", {}, (302,) * 5 + (LOGIN,), all_read, with_notifications),
    Row("GET", "/notifications/panel/", None, SIGNED_IN, before=with_notifications),
    Row("POST", "/notifications/read-all/", {}, (302,) * 5 + (LOGIN,), all_read, with_notifications),
    Row("GET", "/notifications/{witness_notification}/open/", None, (404,) * 5 + (LOGIN,), witness_read),
    Row("POST", "/notifications/{witness_notification}/read/", {}, (404,) * 5 + (LOGIN,), witness_read),
]

API_VIEW = (200, 200, 200, 200, 404, 401)
API_EDIT = (200, 200, 200, 403, 404, 401)
API_MANAGE = (200, 200, 403, 403, 404, 401)
API_CREATOR = (200, 404, 404, 404, 404, 401)
API_SIGNED_IN = (200, 200, 200, 200, 200, 401)
NO_CONTENT_VIEW = (204, 204, 204, 204, 404, 401)
NO_CONTENT_MANAGE = (204, 204, 403, 403, 404, 401)
CREATED_MANAGE = (201, 201, 403, 403, 404, 401)
TO_THE_PROJECT = {"model_id": OFFLINE, "prompt": "a kite", "project_id": "{project}", "parameters": {"num_images": 1}}

REVIEW = {"image_id": "{image}", "reviewer_name": "Client", "verdict": "approve"}

API = [
    # -- projects (besides those in test_access_matrix.py)
    Row("GET", "/api/projects/templates", None, API_SIGNED_IN),
    Row("GET", "/api/search/projects?q=Launch", None, API_SIGNED_IN),
    Row("PUT", "/api/projects/{project}", {"is_public": True}, API_MANAGE, project_public),
    Row("PUT", "/api/projects/{project}", {"description": "Changed"}, API_EDIT, described),
    Row("PUT", "/api/projects/{project}", {"cover_image_id": "{image}"}, API_EDIT, cover_set),
    Row("GET", "/api/projects/{project}/activity", None, API_VIEW),
    Row(
        "POST",
        "/api/projects/{project}/images/add",
        {"image_ids": ["{loose}"]},
        (200, 404, 404, 403, 404, 401),
        loose_added,
    ),
    Row("POST", "/api/generate/text-to-image", TO_THE_PROJECT, (202, 202, 202, 403, 404, 401), queued_in_project),
    Row("POST", "/api/images/generate", TO_THE_PROJECT, (202, 202, 202, 403, 404, 401), queued_in_project),
    # -- images and comments
    Row("GET", "/api/images", None, API_SIGNED_IN),
    Row("GET", "/api/images/download/{image}", None, API_VIEW),
    Row("GET", "/api/images/{image}/thumbnail", None, API_VIEW),
    Row("GET", "/api/images/download/{loose}", None, API_CREATOR),
    Row("GET", "/api/images/{loose}/thumbnail", None, API_CREATOR),
    Row("GET", "/api/images/{loose}/comments", None, API_CREATOR),
    Row("POST", "/api/images/{loose}/comments", {"comment_text": "Nice"}, (201, 404, 404, 404, 404, 401), commented),
    Row("DELETE", "/api/images/{image}/comments/{comment}", None, NO_CONTENT_MANAGE, comment_deleted),
    Row("DELETE", "/api/images/{image}/comments/{my_comment}", None, NO_CONTENT_VIEW, my_comment_deleted),
    Row("PUT", "/api/images/{image}/public", {"is_public": True}, API_MANAGE, made_public),
    Row("PUT", "/api/images/{loose}/public", {"is_public": True}, API_CREATOR, made_public),
    # -- share links: the owner's side
    Row("GET", "/api/share", None, API_SIGNED_IN),
    Row("POST", "/api/share/project/{project}", {}, CREATED_MANAGE, project_shared),
    Row("POST", "/api/images/{image}/share", {}, CREATED_MANAGE, image_shared),
    Row("POST", "/api/share/image/{loose}", {}, (201, 404, 404, 404, 404, 401), image_shared),
    Row("DELETE", "/api/share/{image_link}", None, NO_CONTENT_MANAGE, revoked("image_link")),
    Row("DELETE", "/api/share/{loose_link}", None, (204, 404, 404, 404, 404, 401), revoked("loose_link")),
    # -- share links: anyone with the link
    Row("GET", "/api/share/image/{image_link}", None, ALL_200),
    Row("GET", "/api/share/image/{project_link}", None, ALL_404),  # a project token is no image link
    Row("GET", "/api/share/project/{expired_project_link}", None, ALL_404),
    Row("GET", "/api/share/project/{revoked_project_link}", None, ALL_404),
    Row("GET", "/api/share/image/{expired_image_link}", None, ALL_404),
    Row("GET", "/api/share/image/{revoked_image_link}", None, ALL_404),
    Row("GET", "/api/share/image/{trashed_image_link}", None, ALL_404),
    Row("GET", "/api/share/project/{pw_project_link}", None, ALL_401),
    Row("GET", "/api/share/project/{pw_project_link}", None, ALL_401, headers={"X-Share-Password": "wrong-guess"}),
    Row("GET", "/api/share/project/{pw_project_link}", None, ALL_200, headers={"X-Share-Password": SECRET}),
    Row("GET", "/api/share/image/{pw_image_link}", None, ALL_401),
    Row("GET", "/api/share/image/{pw_image_link}", None, ALL_401, headers={"X-Share-Password": "wrong-guess"}),
    Row("GET", "/api/share/image/{pw_image_link}", None, ALL_200, headers={"X-Share-Password": SECRET}),
    # -- client review links
    Row("POST", "/api/share/project/{review_link}/reviews", REVIEW, ALL_200, reviewed),
    Row("POST", "/api/share/project/{project_link}/reviews", REVIEW, (400,) * 6, reviewed),  # not a review link
    Row("POST", "/api/share/project/{revoked_review_link}/reviews", REVIEW, ALL_404, reviewed),
    Row("POST", "/api/share/project/{pw_review_link}/reviews", REVIEW, ALL_401, reviewed),
    Row(
        "POST",
        "/api/share/project/{pw_review_link}/reviews",
        REVIEW,
        ALL_200,
        reviewed,
        headers={"X-Share-Password": SECRET},
    ),
    Row("GET", "/api/share/{review_link}/reviews", None, API_VIEW),
    Row("GET", "/api/share/{revoked_review_link}/reviews", None, API_VIEW),
    Row("GET", "/api/share/{project_link}/reviews", None, (404,) * 5 + (401,)),
    # -- workspaces, members, invitations, activity
    Row("GET", "/api/workspaces", None, API_SIGNED_IN),
    Row("POST", "/api/workspaces", {"name": "Second team"}, (201,) * 5 + (401,), team_created),
    Row("GET", "/api/workspaces/{workspace}/members", None, API_VIEW),
    Row("GET", "/api/workspaces/{personal}/members", None, API_CREATOR),
    Row("PUT", "/api/workspaces/{workspace}/members/{viewer_member}", {"role": "editor"}, API_MANAGE, viewer_promoted),
    Row("DELETE", "/api/workspaces/{workspace}/members/{bystander}", None, NO_CONTENT_MANAGE, bystander_removed),
    Row("DELETE", "/api/workspaces/{workspace}/members/{me}", None, NO_CONTENT_VIEW, left, whole_team),  # leaving
    Row("GET", "/api/workspaces/{workspace}/invitations", None, API_MANAGE),
    Row("POST", "/api/workspaces/{workspace}/invitations", {"email": "new@example.com"}, CREATED_MANAGE, invited),
    Row("DELETE", "/api/workspaces/{workspace}/invitations/{invitation}", None, NO_CONTENT_MANAGE, invitation_revoked),
    Row(
        "DELETE",
        "/api/workspaces/{workspace}/invitations/{foreign_invitation}",  # another team's, through ours
        None,
        (404, 404, 403, 403, 404, 401),
        foreign_invitation_revoked,
    ),
    Row("PUT", "/api/workspaces/{workspace}/members/{stranger}", {"role": "viewer"}, (404, 404, 403, 403, 404, 401)),
    Row("GET", "/api/workspaces/{workspace}/activity", None, API_VIEW),
    Row("GET", "/api/workspaces/{workspace}/credits", None, API_MANAGE),
    Row("GET", "/api/workspaces/{personal}/credits", None, (422, 404, 404, 404, 404, 401)),  # no team credits
    Row(
        "POST",
        "/api/workspaces/{workspace}/credits/transfer",
        {"amount": 1},
        API_MANAGE,
        team_funded,
        with_credits,
    ),
    Row(
        "PUT",
        "/api/workspaces/{workspace}/members/{viewer_member}/limits",
        {"monthly_credit_limit": 5},
        API_MANAGE,
        limits_set,
    ),
    Row("GET", "/api/workspaces/{personal}/activity", None, API_CREATOR),
    Row("POST", "/api/invitations/{invite_token}/accept", None, (422, 422, 422, 422, 200, 401), accepted),
    Row("POST", "/api/invitations/{expired_invite_token}/accept", None, (404,) * 5 + (401,)),
    Row("POST", "/api/invitations/{revoked_invite_token}/accept", None, (404,) * 5 + (401,)),
    # -- notifications
    Row("GET", "/api/notifications", None, API_SIGNED_IN, before=with_notifications),
    Row("POST", "/api/notifications/read-all", None, API_SIGNED_IN, all_read, with_notifications),
    Row("GET", "/api/notifications/unread-count", None, API_SIGNED_IN, before=with_notifications),
    Row("POST", "/api/notifications/{witness_notification}/read", None, (404,) * 5 + (401,), witness_read),
]


def make_template(w: World) -> None:
    Project.objects.filter(pk=w.project.pk).update(is_template=True)


@dataclass(frozen=True)
class Listing:
    """A list that must name a thing (its id or token in the answer) to exactly these actors."""

    path: str
    needle: str
    shown_to: tuple[str, ...]
    before: Callable[[World], None] | None = None
    asked_by: tuple[str, ...] = ACTORS[:-1]  # everyone signed in


EDITORS = ("owner", "admin", "editor")
LISTINGS = [
    Listing("/projects/", "{project}", MEMBERS, work_in_team),
    Listing("/generate/", "{project}", EDITORS),  # "Save to project" offers only projects one may add to
    Listing("/images/", "{image}", MEMBERS),  # the gallery: one's own and one's teams' project images
    Listing("/shares/", "{project_link}", ("owner",)),  # the links one made
    Listing(
        "/workspaces/{workspace}/members/", "newcomer@example.com", ("owner", "admin"), lambda w: w.invitation, MEMBERS
    ),
    Listing("/api/projects", "{project}", MEMBERS),
    Listing("/api/search/projects?q=Launch", "{project}", MEMBERS),
    Listing("/api/projects/templates", "{project}", MEMBERS, make_template),
    Listing("/api/images", "{image}", MEMBERS),
    Listing("/api/share", "{project_link}", ("owner",)),
    Listing("/api/workspaces", "{workspace}", MEMBERS),
    Listing("/api/notifications", "{witness_notification}", ()),  # someone else's notification
    Listing("/prompts/", "{prompt}", MEMBERS, work_in_team),
    Listing("/prompts/public/?source=community", "{public_prompt}", ACTORS[:-1]),
    Listing("/api/search/prompts?q=kite", "{prompt}", MEMBERS),
]


def cases(rows: list[Row]):
    for row in rows:
        label = f"{row.method}{' (htmx)' if row.headers == HX else ''} {row.path}"
        if row.data:
            label += " " + json.dumps(row.data, separators=(",", ":"))
        if row.headers and row.headers != HX:
            label += " " + json.dumps(row.headers, separators=(",", ":"))
        for actor, expected in zip(ACTORS, row.expected, strict=True):
            yield pytest.param(row, actor, expected, id=f"{label} as {actor}")


# -- the tests ------------------------------------------------------------------------------------------------


_handler: list[ClientHandler] = []


def client(headers: dict | None = None) -> Client:
    """A test client on one shared request handler, like the requests of one server process (building the
    middleware chain anew for every client would cost more than most of these tests)."""
    made = Client(headers=headers)
    if not _handler:
        _handler.append(made.handler)
    made.handler = _handler[0]
    return made


@pytest.fixture
def world(db, settings, request) -> World:
    settings.STARTING_CREDITS = 0  # no signup grant: a third of each test's time, and no rule here needs credits
    return World(request.node.callspec.params["actor"])


def _read(response) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # a ZIP or a file: it must stream to the end


def _check(world: World, row: Row, response, path: str, expected) -> None:
    got = served_status(response)
    where = f"{row.method} {path} as {world.actor}"
    if expected == LOGIN and row.headers == HX:  # HTMX is told to take the whole page to the login form
        location = urlsplit(response.get("HX-Redirect", ""))
        assert (got, location.path) == (204, "/accounts/login/"), f"{where}: {got} {response.get('HX-Redirect')}"
    elif expected == LOGIN:
        location = urlsplit(response.get("Location", ""))
        assert (got, location.path) == (302, "/accounts/login/"), f"{where}: {got} {response.get('Location')}"
        assert parse_qs(location.query)["next"] == [path]
    else:
        assert got == expected, f"{where}: got {got}, expected {expected}"
        if got == 302 and world.actor != "anonymous":
            assert not response["Location"].startswith("/accounts/login/"), f"{where}: sent to log in"
    if row.changed is not None:
        happened = row.changed(world)
        assert happened is (expected in SUCCESS), (
            f"{where}: the change {'did not happen' if not happened else 'happened'}"
        )


@pytest.mark.parametrize(("row", "actor", "expected"), list(cases(PAGES)))
def test_page(world, row, actor, expected):
    world.client = client()
    if world.user is not None:
        world.client.force_login(world.user)
    path = fill(row.path, world)
    data = fill(row.data, world)
    if row.before is not None:
        row.before(world)
    if row.method == "GET":
        response = world.client.get(path, headers=row.headers)
    else:
        response = world.client.post(path, data or {}, headers=row.headers)
    _read(response)
    _check(world, row, response, path, expected)


@pytest.mark.parametrize(("row", "actor", "expected"), list(cases(API)))
def test_api(world, row, actor, expected):
    world.client = client() if world.user is None else client({"Authorization": f"Bearer {issue_token(world.user)}"})
    path = fill(row.path, world)
    body = fill(row.data, world)
    if row.before is not None:
        row.before(world)
    send = getattr(world.client, row.method.lower())
    if row.method == "GET":
        response = send(path, headers=row.headers)
    else:
        response = send(path, {} if body is None else body, content_type="application/json", headers=row.headers)
    _read(response)
    _check(world, row, response, path, expected)


@pytest.mark.parametrize(
    ("listing", "actor"),
    [
        pytest.param(
            listing,
            actor,
            id=f"GET {listing.path} {'shows' if actor in listing.shown_to else 'hides'} {listing.needle} to {actor}",
        )
        for listing in LISTINGS
        for actor in listing.asked_by
    ],
)
def test_listing(world, listing, actor):
    path, needle = fill(listing.path, world), fill(listing.needle, world)
    if listing.path.startswith("/api/"):
        world.client = client({"Authorization": f"Bearer {issue_token(world.user)}"})
    else:
        world.client = client()
        world.client.force_login(world.user)
    if listing.before is not None:
        listing.before(world)
    response = world.client.get(path)
    assert response.status_code == 200
    assert (needle in response.content.decode()) is (actor in listing.shown_to)
