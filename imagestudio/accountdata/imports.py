"""Importing an account archive (see `archive.py`) into an account: the same one or another.

The upload is checked at once, from the ZIP's central directory alone (no entry is unpacked): its size,
entry count, total unpacked size, compression ratios (zip bombs), entry names (no absolute paths, no
`..`, no backslashes) and a readable manifest of our format. The restore then runs on the worker: each
image goes through the gallery's upload validator (`gallery/upload.py`) and is stored through the one
write path (`gallery.services.store_image`) with its recipe, so it can be remixed; then projects,
collections with their images, prompts, tags, favourites and ratings.

Importing an archive twice duplicates nothing: an image whose bytes hash to one already in the account
(its stored `sha256`, or the hash of the archive file it was imported from) is skipped and reported, and
projects, collections and prompts with the same name (text, for prompts) are reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.tasks import task
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from imagestudio.accountdata import billing_records
from imagestudio.accountdata.archive import FORMAT, FORMAT_VERSION, IMAGE_DIR, MANIFEST
from imagestudio.accountdata.models import OPEN, DataImport, Status
from imagestudio.catalog.models import AIModel
from imagestudio.collections import services as collections
from imagestudio.collections.models import Collection
from imagestudio.gallery import manage, upload
from imagestudio.gallery.models import Image
from imagestudio.gallery.services import Recipe, lineage_root_of, store_image
from imagestudio.projects import services as projects
from imagestudio.projects.models import Project
from imagestudio.prompts import library
from imagestudio.prompts.models import Prompt
from imagestudio.workspaces.services import personal_workspace

log = logging.getLogger(__name__)
MAX_RATIO = 100  # unpacked / packed size above which a large entry is treated as a zip bomb
RATIO_FLOOR = 1024 * 1024  # entries smaller than this unpack to too little to matter
MANIFEST_MAX_BYTES = 128 * 1024 * 1024
RECIPE_MAX_CHARS = 64 * 1024  # an image's parameters, as JSON
TEXT_MAX = 10_000
SKIPPED_LISTED = 200  # skipped items listed one by one in the summary; the rest are counted
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_SEED = 2**63 - 1


class ArchiveError(ValueError):
    """The archive as a whole is refused; `message` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_upload_bytes() -> int:
    return getattr(settings, "ACCOUNT_IMPORT_MAX_BYTES", 1024 * 1024 * 1024)


def _mb(size: int) -> str:
    return str(filesizeformat(size)).replace("\xa0", " ")


# -- checking the archive ---------------------------------------------------------------------------


def check_entry_name(name: str) -> None:
    """Refuse names that would land outside a folder if unpacked (we never unpack, but others might)."""
    parts = name.split("/")
    if "\x00" in name or "\\" in name or name.startswith("/") or _DRIVE.match(name) or ".." in parts:
        raise ArchiveError(
            _("The archive is refused: the entry “%(name)s” points outside the archive (path traversal).")
            % {"name": name[:120]}
        )


def check_archive(source: IO[bytes]) -> dict[str, Any]:
    """Check a whole archive from its directory and return its manifest; raises ArchiveError."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(
            _("This is not a ZIP file (%(error)s). Upload the ZIP an export gave you.") % {"error": exc}
        ) from None
    with zf:
        _check_directory(zf.infolist())
        return _read_manifest(zf)


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    max_entries = getattr(settings, "ACCOUNT_IMPORT_MAX_ENTRIES", 20_000)
    if len(infos) > max_entries:
        raise ArchiveError(
            _("The archive is refused: it holds %(count)s entries; at most %(limit)s are accepted.")
            % {"count": f"{len(infos):,}", "limit": f"{max_entries:,}"}
        )
    names: set[str] = set()
    total = 0
    for info in infos:
        check_entry_name(info.filename)
        if info.filename in names:
            raise ArchiveError(_("The archive is refused: “%(name)s” appears twice.") % {"name": info.filename[:120]})
        names.add(info.filename)
        total += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and info.file_size / packed > MAX_RATIO:
            raise ArchiveError(
                _(
                    "The archive is refused as a zip bomb: “%(name)s” would unpack from %(packed)s bytes to "
                    "%(size)s bytes."
                )
                % {"name": info.filename[:120], "packed": f"{info.compress_size:,}", "size": f"{info.file_size:,}"}
            )
    limit = getattr(settings, "ACCOUNT_IMPORT_MAX_UNCOMPRESSED_BYTES", 4 * 1024**3)
    if total > limit:
        raise ArchiveError(
            _("The archive is refused: it would unpack to %(size)s; at most %(limit)s are accepted.")
            % {"size": _mb(total), "limit": _mb(limit)}
        )


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise ArchiveError(
            _("The archive has no manifest.json: it is not an account export from AI Image Studio.")
        ) from None
    if info.file_size > MANIFEST_MAX_BYTES:
        raise ArchiveError(_("The archive's manifest.json is too large (%(size)s).") % {"size": _mb(info.file_size)})
    try:
        manifest = json.loads(zf.read(info).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(_("The archive's manifest.json cannot be read (%(error)s).") % {"error": exc}) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(_("The archive's manifest.json is not an AI Image Studio account export."))
    version = manifest.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise ArchiveError(
            _("The archive was made by a newer version of the studio (format %(version)s); this one reads %(ours)s.")
            % {"version": version, "ours": FORMAT_VERSION}
        )
    for key in ("images", "projects", "collections", "prompts"):
        if not isinstance(manifest.get(key, []), list):
            raise ArchiveError(_("The archive's manifest.json is damaged (“%(key)s” is not a list).") % {"key": key})
    return manifest


# -- requesting an import ---------------------------------------------------------------------------


def imports_of(user) -> QuerySet[DataImport]:
    return DataImport.objects.filter(user=user).order_by("-created_at")


def get_import_for(user, import_id) -> DataImport:
    found = DataImport.objects.filter(pk=import_id, user=user).first() if user.is_authenticated else None
    if found is None:
        raise Http404(_("No such import."))
    return found


def start_import(*, user, uploaded) -> DataImport:
    """Check the uploaded archive (ArchiveError when refused), keep it in storage and queue the restore."""
    if uploaded.size > max_upload_bytes():
        raise ArchiveError(
            _("The archive is %(size)s; at most %(limit)s can be uploaded.")
            % {"size": _mb(uploaded.size), "limit": _mb(max_upload_bytes())}
        )
    if DataImport.objects.filter(user=user, status__in=OPEN).exists():
        raise ArchiveError(_("An import is already running; wait for it to finish."))
    manifest = check_archive(uploaded)
    uploaded.seek(0)
    record = DataImport(user=user, original_name=str(uploaded.name or "")[-200:], size=uploaded.size)
    record.total = len(manifest.get("images", []))
    record.file.name = default_storage.save(f"imports/{user.pk}/{record.pk}.zip", uploaded)
    with transaction.atomic():
        record.save()
        transaction.on_commit(lambda: run_import_task.enqueue(str(record.pk)))
    return record


# -- restoring --------------------------------------------------------------------------------------


KINDS = ("images", "prompts", "projects", "collections")


@dataclass
class Summary:
    imported: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    existing: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_total: int = 0

    def skip(self, item: str, reason: str) -> None:
        self.skipped_total += 1
        if len(self.skipped) < SKIPPED_LISTED:
            self.skipped.append({"item": item[:200], "reason": reason[:500]})

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "existing": self.existing,
            "skipped": self.skipped,
            "skipped_total": self.skipped_total,
        }


def run_import(import_id) -> DataImport | None:
    """The worker's restore of one queued import; the uploaded archive is deleted afterwards either way."""
    if not DataImport.objects.filter(pk=import_id, status=Status.QUEUED).update(status=Status.RUNNING):
        return None
    record = DataImport.objects.select_related("user").get(pk=import_id)
    try:
        with default_storage.open(record.file.name or "", "rb") as source:
            manifest = check_archive(source)
            source.seek(0)
            with zipfile.ZipFile(source) as zf:
                summary = Restorer(record, zf, manifest).run()
    except ArchiveError as exc:
        _finish(record, Status.FAILED, error=exc.message)
    except Exception as exc:
        log.exception("Import %s failed", record.pk)
        _finish(record, Status.FAILED, error=_("The import stopped with an error: %(error)s") % {"error": exc})
    else:
        _finish(record, Status.READY, summary=summary.as_dict())
    return DataImport.objects.get(pk=record.pk)


@task()
def run_import_task(import_id: str) -> str:
    """The worker's entry point (beside its service: see exports.build_export_task)."""
    result = run_import(import_id)
    return result.status if result is not None else "skipped"


def _finish(record: DataImport, status: str, *, error: str = "", summary: dict | None = None) -> None:
    name = record.file.name
    DataImport.objects.filter(pk=record.pk).update(
        status=status, error=error[:2000], summary=summary or {}, finished_at=timezone.now(), file=""
    )
    if name:
        try:
            default_storage.delete(name)
        except Exception:
            log.warning("Could not delete the uploaded archive %s", name, exc_info=True)


def delete_all_files(user) -> None:
    """Every uploaded archive the user still has in storage (the account purge)."""
    for name in DataImport.objects.filter(user=user).exclude(file="").values_list("file", flat=True):
        default_storage.delete(name)


class Restorer:
    """One restore: old ids from the archive → rows in the importing account."""

    def __init__(self, record: DataImport, zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
        self.record, self.zf, self.manifest = record, zf, manifest
        self.user = record.user
        self.workspace = personal_workspace(self.user)
        self.summary = Summary()
        self.projects: dict[str, Project] = {}
        self.images: dict[str, Image] = {}  # archive id → the image now in the account (new or already there)
        self.parents: dict[str, str] = {}  # archive id → its parent's archive id
        self.models: dict[str, AIModel | None] = {}
        self.known = self._known_hashes()

    def run(self) -> Summary:
        for row in _dicts(self.manifest.get("projects"), self.summary, "project"):
            self._project(row)
        for position, row in enumerate(_dicts(self.manifest.get("images"), self.summary, "image"), start=1):
            self._image(row)
            if position % 5 == 0:
                DataImport.objects.filter(pk=self.record.pk).update(done=position)
        self._link_parents()
        for row in _dicts(self.manifest.get("collections"), self.summary, "collection"):
            self._collection(row)
        for row in _dicts(self.manifest.get("prompts"), self.summary, "prompt"):
            self._prompt(row)
        self._note_ignored_entries()
        DataImport.objects.filter(pk=self.record.pk).update(done=self.record.total)
        return self.summary

    # projects ---------------------------------------------------------------------------------------

    def _project(self, row: dict[str, Any]) -> None:
        name = _text(row.get("name"), 200)
        existing = Project.objects.filter(workspace=self.workspace, user=self.user, name=name).first()
        if existing is not None:
            self.projects[str(row.get("id"))] = existing
            self.summary.existing["projects"] += 1
            return
        fields = projects.ProjectFields(
            name=name,
            description=_text(row.get("description"), 2000),
            notes=_text(row.get("notes"), TEXT_MAX),
            category=_text(row.get("category"), 50),
            tags=row.get("tags") if isinstance(row.get("tags"), list) else [],
            settings=row.get("settings") if isinstance(row.get("settings"), dict) else {},
        )
        try:
            project = projects.create_project(workspace=self.workspace, user=self.user, fields=fields)
        except projects.ProjectError as exc:
            self.summary.skip(_("Project “%(name)s”") % {"name": name}, str(exc))
            return
        if row.get("is_archived") is True:
            projects.set_archived(project, True, by=self.user)
        self.projects[str(row.get("id"))] = project
        self.summary.imported["projects"] += 1

    # images -----------------------------------------------------------------------------------------

    def _known_hashes(self) -> set[str]:
        """Hashes of the bytes of every image already in the account, and of the files they were imported from."""
        pairs = Image.objects.filter(user=self.user).values_list("metadata__sha256", "metadata__account_import__sha256")
        return {value for pair in pairs for value in pair if isinstance(value, str) and value}

    def _image(self, row: dict[str, Any]) -> None:
        old_id = str(row.get("id") or "")
        name = row.get("file")
        if not isinstance(name, str) or not name.startswith(IMAGE_DIR):
            reason = _("its file was missing when the archive was made") if row.get("missing") else _("no file")
            self.summary.skip(_("Image %(id)s") % {"id": old_id[:40]}, reason)
            return
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            self.summary.skip(name, _("the manifest lists it but the archive does not hold it"))
            return
        limit = upload.limits().max_bytes
        if info.file_size > limit:
            self.summary.skip(
                name,
                _("%(size)s is over the %(limit)s limit per image")
                % {"size": _mb(info.file_size), "limit": _mb(limit)},
            )
            return
        data = self.zf.read(info)
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.known:
            self._remember_duplicate(old_id, digest)
            self.summary.existing["images"] += 1
            self.summary.skip(name, _("already in your gallery (same file)"))
            return
        try:
            clean = upload.validate(name, data, user=self.user)
            recipe = _recipe(row)
        except upload.UploadError as exc:
            self.summary.skip(name, exc.message)
            return
        except ValueError as exc:
            self.summary.skip(name, str(exc))
            return
        self._store(row, clean, recipe, digest)

    def _remember_duplicate(self, old_id: str, digest: str) -> None:
        match = (
            Image.objects.filter(user=self.user, metadata__sha256=digest).first()
            or Image.objects.filter(user=self.user, metadata__account_import__sha256=digest).first()
        )
        if match is not None and old_id:
            self.images[old_id] = match

    def _store(self, row: dict[str, Any], clean: upload.CleanUpload, recipe: Recipe, digest: str) -> None:
        project = self.projects.get(str(row.get("project")))
        image = store_image(
            user=self.user,
            data=clean.data,
            recipe=recipe,
            model=self._model(recipe.model_endpoint),
            project=project,
            operation=_text(row.get("operation"), 30) or "import",
        )
        created = parse_datetime(row["created_at"]) if isinstance(row.get("created_at"), str) else None
        metadata = {
            **(image.metadata or {}),
            "account_import": {"sha256": digest, "id": str(row.get("id") or "")[:40], "import": str(self.record.pk)},
        }
        changes: dict[str, Any] = {
            "metadata": metadata,
            "is_favorite": row.get("favourite") is True,
            "title": " ".join(_text(row.get("title"), 200).split()),
            "notes": _text(row.get("notes"), TEXT_MAX),
        }
        with contextlib.suppress(manage.ManageError):  # a bad rating is dropped; the image is still worth having
            changes["rating"] = manage.clean_rating(row.get("rating"))
        if isinstance(created, datetime) and timezone.is_aware(created):
            changes["created_at"] = created  # the gallery keeps its original order
        Image.objects.filter(pk=image.pk).update(**changes)
        try:
            manage.set_tags(image, row.get("tags") or [])
        except manage.ManageError as exc:
            self.summary.skip(row["file"], _("imported without its tags: %(reason)s") % {"reason": exc.message})
        self.known.update({digest, metadata.get("sha256", "")})
        self.images[str(row.get("id"))] = image
        if isinstance(row.get("parent"), str):
            self.parents[str(row.get("id"))] = row["parent"]
        self.summary.imported["images"] += 1

    def _model(self, endpoint: str) -> AIModel | None:
        if endpoint not in self.models:
            self.models[endpoint] = AIModel.objects.filter(endpoint_id=endpoint).first() if endpoint else None
        return self.models[endpoint]

    def _link_parents(self) -> None:
        """Lineage inside the archive survives: a remix points at its imported parent."""
        for child_id, parent_id in self.parents.items():
            child, parent = self.images.get(child_id), self.images.get(parent_id)
            if child is not None and parent is not None:
                parent.refresh_from_db(fields=["lineage_root"])
                Image.objects.filter(pk=child.pk).update(parent_image=parent, lineage_root_id=lineage_root_of(parent))

    # collections and prompts ------------------------------------------------------------------------

    def _collection(self, row: dict[str, Any]) -> None:
        name = _text(row.get("name"), 200)
        collection = Collection.objects.filter(workspace=self.workspace, created_by=self.user, name=name).first()
        if collection is not None:
            self.summary.existing["collections"] += 1
        else:
            smart = row.get("smart_filter")
            try:
                collection = collections.create_collection(
                    workspace=self.workspace,
                    user=self.user,
                    name=name,
                    description=_text(row.get("description"), 2000),
                    filter_params=smart if isinstance(smart, dict) else None,
                )
            except collections.CollectionError as exc:
                self.summary.skip(_("Collection “%(name)s”") % {"name": name}, str(exc))
                return
            self.summary.imported["collections"] += 1
        if collection.is_smart:
            return
        members = [self.images[str(i)] for i in (row.get("images") or []) if str(i) in self.images]
        for start in range(0, len(members), collections.MAX_ADD):
            collections.add_images(collection, members[start : start + collections.MAX_ADD], by=self.user)

    def _prompt(self, row: dict[str, Any]) -> None:
        text = _text(row.get("prompt"), TEXT_MAX)
        negative = _text(row.get("negative_prompt"), TEXT_MAX)
        same = Prompt.objects.filter(workspace=self.workspace, prompt_text=text, negative_prompt=negative)
        prompt = same.first()
        if prompt is not None:
            self.summary.existing["prompts"] += 1
        else:
            fields = library.PromptFields(
                title=_text(row.get("title"), 200),
                prompt_text=text,
                negative_prompt=negative,
                category=_text(row.get("category"), 50),
                tags=row.get("tags") if isinstance(row.get("tags"), list) else [],
            )
            try:
                prompt = library.create_prompt(workspace=self.workspace, user=self.user, fields=fields)
            except library.PromptError as exc:
                self.summary.skip(_("Prompt “%(title)s”") % {"title": fields.title or text[:40]}, str(exc))
                return
            self.summary.imported["prompts"] += 1
        if row.get("favourite") is True:
            library.set_favorite(prompt, self.user, True)

    def _note_ignored_entries(self) -> None:
        listed = {row.get("file") for row in self.manifest.get("images", []) if isinstance(row, dict)}
        listed.update(billing_records.FILES)  # records of the old account's credits: kept, never imported
        for name in self.zf.namelist():
            if name != MANIFEST and name not in listed and not name.endswith("/"):
                self.summary.skip(name, _("not part of an account export; ignored"))


def _dicts(rows: object, summary: Summary, kind: str) -> list[dict[str, Any]]:
    items = rows if isinstance(rows, list) else []
    bad = sum(1 for row in items if not isinstance(row, dict))
    if bad:
        summary.skip(
            kind,
            ngettext("%(count)d entry is not an object", "%(count)d entries are not objects", bad) % {"count": bad},
        )
    return [row for row in items if isinstance(row, dict)]


def _text(value: object, limit: int) -> str:
    return str(value).replace("\x00", "")[:limit] if isinstance(value, str | int | float) else ""


def _recipe(row: dict[str, Any]) -> Recipe:
    """The image's recipe from its manifest row; ValueError (with the reason) when it is not usable."""
    parameters = row.get("parameters") if row.get("parameters") is not None else {}
    if not isinstance(parameters, dict) or len(json.dumps(parameters, default=str)) > RECIPE_MAX_CHARS:
        raise ValueError(_("its parameters are not an object of at most 64 KB"))
    seed = row.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or abs(seed) > _MAX_SEED):
        raise ValueError(_("its seed is not a whole number"))
    return Recipe(
        prompt=_text(row.get("prompt"), TEXT_MAX),
        negative_prompt=_text(row.get("negative_prompt"), TEXT_MAX),
        model_endpoint=_text(row.get("model"), 200),
        parameters=parameters,
        seed=seed,
    )
