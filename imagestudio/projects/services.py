"""Commands on projects. Callers check access first (`workspaces.access`); these enforce the data rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.catalog.models import AIModel
from imagestudio.demo.access import refuse
from imagestudio.events.services import record
from imagestudio.gallery.models import Image
from imagestudio.lib import tags as tags_rules
from imagestudio.projects.models import Project
from imagestudio.projects.starters import starter
from imagestudio.workspaces.access import projects_visible_to
from imagestudio.workspaces.models import Workspace

MAX_NAME = 200
MAX_TEXT = 20_000
MAX_MOVE = 1000


class ProjectError(ValueError):
    """Bad input for a project, naming the field at fault (422 in the API, a form error on pages)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def clean_name(name: object) -> str:
    text = " ".join(str(name or "").split())
    if not text:
        raise ProjectError("name", gettext("Give the project a name."))
    if len(text) > MAX_NAME:
        raise ProjectError("name", gettext("Names are at most %(max)s characters.") % {"max": MAX_NAME})
    return text


def clean_tags(tags: object) -> list[str]:
    """The shared tag rules (imagestudio.lib.tags), as a ProjectError on the field `tags`."""
    try:
        return tags_rules.clean_tags(tags, owner="A project")
    except tags_rules.TagError as exc:
        raise ProjectError("tags", exc.message) from None


def _clean_text(field: str, value: object, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise ProjectError(field, gettext("At most %(max)s characters.") % {"max": format(limit, ",")})
    return text


def clean_settings(settings: object) -> dict:
    """Project defaults for the generate page: {"model": endpoint id, "parameters": {...}}."""
    if not isinstance(settings, dict):
        raise ProjectError("settings", gettext("Settings are an object with `model` and `parameters`."))
    unknown = set(settings) - {"model", "parameters"}
    if unknown:
        raise ProjectError(
            "settings",
            gettext("Unknown setting %(setting)s: use `model` and `parameters`.")
            % {"setting": repr(sorted(unknown)[0])},
        )
    cleaned: dict = {}
    if settings.get("model"):
        model = str(settings["model"])
        if not AIModel.objects.active().filter(endpoint_id=model).exists():
            raise ProjectError(
                "settings", gettext("No model %(model)s. GET /api/models lists them.") % {"model": repr(model)}
            )
        cleaned["model"] = model
    parameters = settings.get("parameters") or {}
    if not isinstance(parameters, dict) or any(isinstance(v, dict | list) for v in parameters.values()):
        raise ProjectError("settings", gettext("Default parameters are an object of plain values."))
    if parameters:
        cleaned["parameters"] = {str(k)[:60]: v for k, v in list(parameters.items())[:40]}
    return cleaned


@dataclass
class ProjectFields:
    """What a person may set on a project; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    notes: str | None = None
    category: str | None = None
    tags: list[str] | None = None
    settings: dict | None = None
    is_public: bool | None = None


def _apply(project: Project, fields: ProjectFields) -> None:
    if fields.name is not None:
        project.name = clean_name(fields.name)
    if fields.description is not None:
        project.description = _clean_text("description", fields.description, 2000)
    if fields.notes is not None:
        project.notes = _clean_text("notes", fields.notes)
    if fields.category is not None:
        project.category = _clean_text("category", fields.category, 50)
    if fields.tags is not None:
        project.tags = clean_tags(fields.tags)
    if fields.settings is not None:
        project.settings = clean_settings(fields.settings)
    if fields.is_public is not None:
        if fields.is_public:
            refuse(project.user, "publish")
        project.is_public = bool(fields.is_public)


def create_project(*, workspace: Workspace, user, fields: ProjectFields, template: str | None = None) -> Project:
    """A new project in `workspace` (the caller checked the user may edit there).

    `template`: a built-in starter's key, or the id of a project saved as a template that the user may
    see. The fields given win over the template's.
    """
    project = Project(workspace=workspace, user=user, name="")
    if template:
        source = _template_project(user, template)
        if source is not None:
            _copy_settings(source, project)
        elif (found := starter(template)) is not None:
            project.description, project.category, project.notes = found.description, found.category, found.notes
            project.tags, project.settings = list(found.tags), dict(found.settings)
            project.name = found.name
        else:
            raise ProjectError("template", gettext("No template %(template)s.") % {"template": repr(template)})
    if fields.name is None and not project.name:
        raise ProjectError("name", gettext("Give the project a name."))
    _apply(project, fields)
    with transaction.atomic():
        project.save()
        record(
            actor=user,
            verb="project.created",
            target=project,
            workspace_id=workspace.pk,
            project_id=project.pk,
            data={"project": project.name},
        )
    return project


def _template_project(user, template: str) -> Project | None:
    """The saved template `template` names, if it is a project id; None for a built-in key."""
    try:
        uuid.UUID(template)
    except ValueError:
        return None
    found = projects_visible_to(user).filter(pk=template).first()
    if found is None:
        raise ProjectError("template", gettext("That template is gone; pick another."))
    if not found.is_template:
        raise ProjectError("template", gettext("That project is not a template."))
    return found


def _copy_settings(source: Project, target: Project) -> None:
    target.name = source.name
    target.description, target.notes, target.category = source.description, source.notes, source.category
    target.tags, target.settings = list(source.tags), dict(source.settings)


def update_project(project: Project, fields: ProjectFields) -> Project:
    _apply(project, fields)
    project.save()
    return project


def set_archived(project: Project, archived: bool, *, by) -> Project:
    with transaction.atomic():
        project.is_archived = archived
        project.save(update_fields=["is_archived", "updated_at"])
        verb = "project.archived" if archived else "project.unarchived"
        record(
            actor=by,
            verb=verb,
            target=project,
            workspace_id=project.workspace_id,
            project_id=project.pk,
            data={"project": project.name},
        )
    return project


def set_template(project: Project, is_template: bool) -> Project:
    project.is_template = is_template
    project.save(update_fields=["is_template", "updated_at"])
    return project


def set_cover(project: Project, image: Image | None) -> Project:
    if image is not None and image.project_id != project.pk:
        raise ProjectError("cover_image_id", gettext("The cover must be one of this project's images."))
    project.cover_image = image
    project.save(update_fields=["cover_image", "updated_at"])
    return project


def duplicate_project(project: Project, *, user, with_images: bool) -> Project:
    """A copy with the same settings ("Copy of …"); with images, new image rows that share the originals'
    files (deleting either side keeps the files while the other refers to them)."""
    with transaction.atomic():
        copy = Project(workspace=project.workspace, user=user, name="")
        _copy_settings(project, copy)
        copy.name = f"Copy of {project.name}"[:MAX_NAME]
        copy.save()
        if with_images:
            rows = []
            for image in Image.objects.alive().filter(project=project).iterator(chunk_size=500):
                image.id = uuid.uuid4()
                image._state.adding = True
                image.project = copy
                image.job = None  # the job's one-image-per-output rule belongs to the original
                rows.append(image)
            Image.objects.bulk_create(rows, batch_size=500)
            cover = project.cover_image
            if cover is not None:
                twin = Image.objects.filter(project=copy, file=cover.file.name).first()
                copy.cover_image = twin
                copy.save(update_fields=["cover_image"])
    return copy


ImagesOnDelete = Literal["trash", "keep"]


def delete_project(project: Project, *, images: ImagesOnDelete, by) -> int:
    """Delete the project; its images go to the trash ("trash") or stay, without a project ("keep").
    Returns how many images were affected. The workspace's feed keeps the event (the project's own goes)."""
    if images not in ("trash", "keep"):
        raise ProjectError("images", gettext('Choose what happens to the images: "trash" or "keep".'))
    with transaction.atomic():
        record(
            actor=by,
            verb="project.deleted",
            target=project,
            workspace_id=project.workspace_id,
            data={"project": project.name, "images": images},
        )
        live = Image.objects.alive().filter(project=project)
        count = live.update(deleted_at=timezone.now()) if images == "trash" else live.update(project=None)
        project.delete()  # trashed images keep their row; the project link goes (SET_NULL)
    return count


@dataclass
class Moved:
    """What a move changed, so the page can undo it: image id -> the project it was in before."""

    count: int
    previous: dict[str, str | None]


def move_images(images: list[Image], target: Project | None, *, by) -> Moved:
    """Put `images` (already access-checked for editing) into `target`, or out of any project (None).

    Each project that gained or lost images gets an event in its activity feed.
    """
    if len(images) > MAX_MOVE:
        raise ProjectError("image_ids", gettext("Move at most %(max)s images at once.") % {"max": MAX_MOVE})
    previous = {str(image.pk): (str(image.project_id) if image.project_id else None) for image in images}
    ids = [image.pk for image in images]
    with transaction.atomic():
        count = (
            Image.objects.filter(pk__in=ids).exclude(project=target).update(project=target, updated_at=timezone.now())
        )
        if target is not None:
            Project.objects.filter(pk=target.pk).update(updated_at=timezone.now())
        # A project whose cover left it loses the cover.
        left_behind = Project.objects.filter(cover_image_id__in=ids)
        if target is not None:
            left_behind = left_behind.exclude(pk=target.pk)
        left_behind.update(cover_image=None)
        _record_moves(images, target, by)
    return Moved(count=count, previous=previous)


def _record_moves(images: list[Image], target: Project | None, by) -> None:
    sources: dict = {}
    for image in images:
        if image.project_id is not None and image.project_id != getattr(target, "pk", None):
            sources[image.project_id] = sources.get(image.project_id, 0) + 1
    added = sum(1 for image in images if image.project_id != getattr(target, "pk", None))
    if target is not None and added:
        record(
            actor=by,
            verb="images.added",
            target=target,
            workspace_id=target.workspace_id,
            project_id=target.pk,
            data={"count": added, "project": target.name},
        )
    for project in Project.objects.filter(pk__in=list(sources)):
        record(
            actor=by,
            verb="images.removed",
            target=project,
            workspace_id=project.workspace_id,
            project_id=project.pk,
            data={"count": sources[project.pk], "project": project.name, "to": getattr(target, "name", None)},
        )
