"""Exports of a whole account: requested on the page (or API), built by the worker into storage, mailed
when ready, downloadable by their owner only, and deleted EXPORT_RETENTION_HOURS later by the sweep."""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.tasks import task, task_backends
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from imagestudio.accountdata import archive
from imagestudio.accountdata.models import OPEN, DataExport, Status

log = logging.getLogger(__name__)
PROGRESS_EVERY = 10  # images between progress writes: the page polls every 2 s, no need for more
PAST_EXPORTS = 10


class ExportError(ValueError):
    pass


def retention() -> timedelta:
    return timedelta(hours=getattr(settings, "EXPORT_RETENTION_HOURS", 72))


def exports_of(user) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at")


def get_export_for(user, export_id) -> DataExport:
    """The user's own export, else 404 (another person's export does not exist for them)."""
    export = DataExport.objects.filter(pk=export_id, user=user).first() if user.is_authenticated else None
    if export is None:
        raise Http404(_("No such export."))
    return export


def request_export(*, user) -> DataExport:
    """Queue an export of everything the user owns; one at a time (a second request while one runs is refused)."""
    with transaction.atomic():
        if DataExport.objects.filter(user=user, status__in=OPEN).exists():
            raise ExportError(_("An export is already being prepared; wait for it to finish."))
        export = DataExport.objects.create(user=user, total=archive.owned_images(user).count())
        transaction.on_commit(lambda: build_export_task.enqueue(str(export.pk)))
    return export


def build_export(export_id) -> DataExport | None:
    """Write the archive to a temporary file, then into storage; mark it ready and email the link.
    Only a queued export is built (compare-and-set), so a repeated task does no work twice."""
    if not DataExport.objects.filter(pk=export_id, status=Status.QUEUED).update(status=Status.RUNNING):
        return None
    export = DataExport.objects.select_related("user").get(pk=export_id)
    try:
        with tempfile.TemporaryFile() as out:
            counts = archive.write_archive(export.user, out, on_progress=lambda n: _progress(export, n))
            size = out.tell()
            out.seek(0)
            name = default_storage.save(f"exports/{export.user_id}/{export.pk}.zip", File(out))
    except Exception as exc:
        log.exception("Export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(
            status=Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        return None
    now = timezone.now()
    export.file.name, export.size, export.counts = name, size, counts
    export.status, export.finished_at, export.expires_at = Status.READY, now, now + retention()
    export.done = export.total = counts["images"] + counts["missing_images"]
    export.save(update_fields=["file", "size", "counts", "status", "finished_at", "expires_at", "done", "total"])
    send_ready_email(export)
    _schedule_sweep(export.expires_at)
    return export


def _progress(export: DataExport, written: int) -> None:
    if written % PROGRESS_EVERY == 0:
        DataExport.objects.filter(pk=export.pk).update(done=written)


def download_path(export: DataExport) -> str:
    return reverse("settings_data_export_download", args=[export.pk])


def send_ready_email(export: DataExport) -> None:
    link = settings.APP_URL + download_path(export)
    expires = timezone.localtime(export.expires_at).strftime("%Y-%m-%d %H:%M %Z") if export.expires_at else ""
    send_mail(
        subject=_("Your AI Image Studio export is ready"),
        message=_(
            "The export of your account is ready, in one ZIP file. Images: %(images)s, prompts: %(prompts)s, "
            "projects: %(projects)s, collections: %(collections)s.\n\nDownload it (you will be asked to sign in): "
            "%(link)s\n\nThe file is deleted on %(expires)s. If you did not ask for this export, change your "
            "password."
        )
        % {**export.counts, "link": link, "expires": expires},
        from_email=None,
        recipient_list=[export.user.email],
    )


def usable(export: DataExport) -> bool:
    """Ready, not past its expiry (the sweep may not have run yet) and with a file."""
    return (
        export.status == Status.READY
        and bool(export.file.name)
        and export.expires_at is not None
        and export.expires_at > timezone.now()
    )


def expire_exports(now=None) -> int:
    """The sweep: delete the files of exports past their expiry and mark them expired. Idempotent."""
    now = now or timezone.now()
    expired = 0
    for export in DataExport.objects.filter(status=Status.READY, expires_at__lte=now):
        if DataExport.objects.filter(pk=export.pk, status=Status.READY).update(status=Status.EXPIRED, size=0):
            _delete_file(export.file.name or "")
            DataExport.objects.filter(pk=export.pk).update(file="")
            expired += 1
    return expired


def delete_all_files(user) -> None:
    """Every export file of the user (the account purge)."""
    for name in DataExport.objects.filter(user=user).exclude(file="").values_list("file", flat=True):
        _delete_file(name)


def _delete_file(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:  # a storage hiccup must not stop the sweep; the next run tries again only for new ones
        log.warning("Could not delete export file %s", name, exc_info=True)


def _schedule_sweep(when) -> None:
    """On a backend that can defer tasks (the database worker), sweep when this export expires."""
    if task_backends["default"].supports_defer:
        expire_exports_task.using(run_after=when + timedelta(seconds=5)).enqueue()


# The worker's entry points: thin, taking ids. They live beside their service rather than in a tasks.py,
# because the service enqueues them and a tasks.py importing the service back would be an import loop.


@task()
def build_export_task(export_id: str) -> str:
    export = build_export(export_id)
    return export.status if export is not None else "skipped"


@task()
def expire_exports_task() -> int:
    return expire_exports()
