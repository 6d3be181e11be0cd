"""Demo accounts: made on "Try demo", kept DEMO_LIFETIME_HOURS, then purged like a deleted account.

A demo account is an ordinary, isolated user (its own personal workspace, nobody else's data in reach) with
a DemoAccount row; `demo.access` holds what it may not do. It has no password and an address under the
reserved `.invalid` domain, so nobody can sign into it but the browser that started it, and no mail reaches
anyone. Its balance stays at zero: the offline models it may use are free.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.accountdata import deletion
from imagestudio.accounts.models import User
from imagestudio.demo import sample
from imagestudio.demo.access import EMAIL_DOMAIN, forget, is_demo
from imagestudio.demo.models import DemoAccount, lifetime
from imagestudio.workspaces.services import personal_workspace

log = logging.getLogger(__name__)
SWEEP_EVERY = timedelta(minutes=5)
_next_sweep: datetime | None = None


def start_demo() -> User:
    """A fresh demo account filled with sample content (the caller signs the visitor in)."""
    with transaction.atomic():
        user = User.objects.create_user(
            f"demo-{secrets.token_hex(8)}@{EMAIL_DOMAIN}", None, name=gettext("Demo visitor")
        )  # no password given: an unusable one
        DemoAccount.objects.create(user=user)
        workspace = personal_workspace(user)
    try:
        sample.fill(user, workspace)
    except Exception:
        deletion.purge_account(user)  # no half-filled account (or its files) left behind
        raise
    return user


def remaining(user, now: datetime | None = None) -> timedelta | None:
    """How long the demo account has left; None for other accounts."""
    account = DemoAccount.objects.filter(user_id=user.pk).first() if is_demo(user) else None
    if account is None:
        return None
    return max(account.expires_at - (now or timezone.now()), timedelta(0))


def expired(now: datetime | None = None):
    return DemoAccount.objects.filter(created_at__lte=(now or timezone.now()) - lifetime())


def purge_expired(now: datetime | None = None) -> int:
    """Delete every demo account past its lifetime with all its rows and files; returns how many."""
    purged = 0
    for account in expired(now).select_related("user").order_by("created_at"):
        try:
            if deletion.purge_account(account.user):
                purged += 1
        except Exception:  # one account's failure must not keep the others
            log.exception("Purging demo account %s failed", account.user_id)
    return purged


def sweep(now: datetime | None = None) -> int:
    """The worker heartbeat's call: purge expired demo accounts every SWEEP_EVERY."""
    global _next_sweep
    now = now or timezone.now()
    if _next_sweep is not None and now < _next_sweep:
        return 0
    _next_sweep = now + SWEEP_EVERY
    purged = purge_expired(now)
    if purged:
        log.info("Purged %d expired demo accounts", purged)
    return purged


def end_demo(user) -> None:
    """The account stops being a demo (it was kept: see demo.keep)."""
    DemoAccount.objects.filter(user=user).delete()
    forget(user)
