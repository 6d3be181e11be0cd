"""Deleting an account: confirmed with the account's email and current password, then a grace period of
ACCOUNT_DELETION_GRACE_DAYS during which the account is locked but restorable, then a purge by the worker.

While locked: every session is ended and every API token revoked; signing in again leads only to the
"Keep my account" page (the middleware reads a session flag set at login, so other requests cost nothing).

The purge removes every row the user owns and every file of theirs in storage (originals, thumbnails,
renditions, masks, exports, uploaded archives, the avatar). What is kept, and why:
- A team's credit ledger must still sum to the team's balance, so the ledger rows of teams the user spent
  in stay, re-attributed to an anonymous "deleted account" (no name, no email of theirs). Their personal
  ledger and usage log go with the account: no balance depends on them any more.
- Projects and collections the user created in other people's teams belong to those teams: they stay,
  re-attributed to the same anonymous account. The images the user made in them are theirs and go.
- Prompts they wrote in teams stay with no author (the prompt table's own rule: SET_NULL).
A team the user owns that has other members blocks the deletion until its ownership is transferred (or
the members are removed): its members' work must not vanish with one person's account.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import task, task_backends
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from imagestudio.accountdata import exports, imports
from imagestudio.accountdata.models import AccountDeletion
from imagestudio.accounts.models import User
from imagestudio.accounts.services import revoke_tokens
from imagestudio.billing.models import CreditEntry
from imagestudio.collections.models import Collection
from imagestudio.gallery import trash
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from imagestudio.projects.models import Project
from imagestudio.workspaces.models import Membership, Workspace

log = logging.getLogger(__name__)
SESSION_FLAG = "account_deletion_pending"
DELETED_ACCOUNT_EMAIL = "deleted-account@deleted.invalid"
PURGE_BATCH = 500


class DeletionError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def grace() -> timedelta:
    return timedelta(days=getattr(settings, "ACCOUNT_DELETION_GRACE_DAYS", 7))


def pending_deletion(user) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(user=user).first() if user.is_authenticated else None


def blocking_teams(user) -> list[Workspace]:
    """Team workspaces the user owns that have other members: they must change hands first."""
    others = Membership.objects.filter(workspace=OuterRef("pk")).exclude(user=user)
    return list(Workspace.objects.filter(owner=user, kind=Workspace.Kind.TEAM).filter(Exists(others)).order_by("name"))


def schedule_deletion(*, user, email: str, password: str) -> AccountDeletion:
    """Check the confirmation, lock the account and schedule its purge; raises DeletionError."""
    if " ".join(str(email or "").split()).casefold() != user.email.casefold():
        raise DeletionError(
            "email", _("Type the email address of this account exactly: %(email)s") % {"email": user.email}
        )
    if not user.has_usable_password():
        raise DeletionError("password", _("This account has no password yet. Set one under Settings → Security first."))
    if not user.check_password(password or ""):
        raise DeletionError("password", _("That is not your current password."))
    teams = blocking_teams(user)
    if teams:
        raise DeletionError("teams", teams_message(teams))
    with transaction.atomic():
        now = timezone.now()
        deletion, _created = AccountDeletion.objects.update_or_create(
            user=user, defaults={"requested_at": now, "purge_after": now + grace()}
        )
        revoke_tokens(user)
    end_sessions(user)
    send_scheduled_email(deletion)
    _schedule_purge(deletion)
    return deletion


def teams_message(teams: list[Workspace]) -> str:
    names = ", ".join(f"“{team.name}”" for team in teams)
    return _(
        "You own team workspaces that other people use: %(names)s. Make another member the owner, or remove "
        "the members, before deleting your account."
    ) % {"names": names}


def keep_account(*, user) -> bool:
    """Cancel a scheduled deletion; False when none was scheduled."""
    deleted, _rows = AccountDeletion.objects.filter(user=user).delete()
    if deleted:
        send_mail(
            subject=_("Your AI Image Studio account stays"),
            message=_("You chose to keep your account; it will not be deleted. Everything in it is as you left it."),
            from_email=None,
            recipient_list=[user.email],
        )
    return bool(deleted)


def send_scheduled_email(deletion: AccountDeletion) -> None:
    user = deletion.user
    when = timezone.localtime(deletion.purge_after).strftime("%Y-%m-%d %H:%M %Z")
    link = settings.APP_URL + reverse("settings_danger")
    send_mail(
        subject=_("Your AI Image Studio account will be deleted on %(when)s") % {"when": when},
        message=_(
            "You asked to delete your account %(email)s. It is locked now and will be deleted for good on "
            "%(when)s: every image, project, collection, prompt and setting, and every file we store for you.\n\n"
            "Changed your mind? Sign in before then and press “Keep my account”: %(link)s\n\n"
            "If you did not ask for this, sign in, keep your account and change your password."
        )
        % {"email": user.email, "when": when, "link": link},
        from_email=None,
        recipient_list=[user.email],
    )


def mark_session_on_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: a locked account's session may only reach the "Keep my account" page."""
    if request is not None and hasattr(request, "session") and AccountDeletion.objects.filter(user=user).exists():
        request.session[SESSION_FLAG] = True


def end_sessions(user) -> int:
    """Sign the user out everywhere. allauth's list knows the sessions that made a request; a session
    signed in but not used since is found by reading the live sessions (deletions are rare: the scan is fine)."""
    from allauth.usersessions.models import UserSession

    keys = set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            keys.add(session.session_key)
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def _schedule_purge(deletion: AccountDeletion) -> None:
    """On a backend that can defer tasks (the database worker), purge when the grace period ends."""
    if task_backends["default"].supports_defer:
        when = deletion.purge_after + timedelta(seconds=5)
        transaction.on_commit(lambda: purge_due_task.using(run_after=when).enqueue())


@task()
def purge_due_task() -> int:
    """The worker's entry point (beside its service: see exports.build_export_task)."""
    return purge_due()


# -- the purge --------------------------------------------------------------------------------------


def purge_due(now=None) -> int:
    """Purge every account whose grace period has ended; returns how many were purged."""
    purged = 0
    due = AccountDeletion.objects.filter(purge_after__lte=now or timezone.now()).select_related("user")
    for deletion in due:
        try:
            if purge_account(deletion.user):
                purged += 1
        except Exception:  # one account's failure must not keep the others
            log.exception("Purging account %s failed", deletion.user_id)
    return purged


def purge_account(user: User) -> bool:
    """Delete the account, its rows and its files (see the module's docstring for what is kept)."""
    teams = blocking_teams(user)
    if teams:  # someone joined during the grace period: wait until the owner hands the team over
        log.warning("Not purging account %s: it owns teams with members (%s)", user.pk, [t.pk for t in teams])
        return False
    exports.delete_all_files(user)
    imports.delete_all_files(user)
    _delete_masks(user)
    _purge_images(user)
    if avatar := user.avatar.name:
        default_storage.delete(avatar)
    end_sessions(user)
    with transaction.atomic():
        _hand_over_team_rows(user)
        user.delete()
    log.info("Purged account %s", user.pk)
    return True


def _purge_images(user: User) -> None:
    """Rows and files of every image of the user, trashed or not (files go once the deletion commits)."""
    queryset = Image.objects.filter(user=user).order_by("pk")
    while ids := list(queryset.values_list("pk", flat=True)[:PURGE_BATCH]):
        trash._purge(ids)


def _delete_masks(user: User) -> None:
    for inputs in GenerationJob.objects.filter(user=user).exclude(inputs={}).values_list("inputs", flat=True):
        name = (inputs or {}).get("mask") if isinstance(inputs, dict) else None
        if isinstance(name, str) and name:
            default_storage.delete(name)


def deleted_account() -> User:
    """The anonymous account that team rows are re-attributed to: no password, inactive, no personal data."""
    user = User.objects.filter(email=DELETED_ACCOUNT_EMAIL).first()
    if user is None:
        user = User.objects.create_user(DELETED_ACCOUNT_EMAIL, None, name=_("Deleted account"), is_active=False)
    return user


def _hand_over_team_rows(user: User) -> None:
    """Rows that belong to other people's teams outlive the account, attributed to the deleted account."""
    others = ~Q(workspace__owner=user)
    projects = Project.objects.filter(others, user=user)
    collections = Collection.objects.filter(others, created_by=user)
    ledger = CreditEntry.objects.filter(workspace__isnull=False).filter(others, user=user)
    if not (projects.exists() or collections.exists() or ledger.exists()):
        return
    stand_in = deleted_account()
    projects.update(user=stand_in)
    collections.update(created_by=stand_in)
    ledger.update(user=stand_in)
