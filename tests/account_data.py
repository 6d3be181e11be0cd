"""Shared by the account export, import and deletion tests: a small but complete account, and a look at storage."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from django.core.files.storage import default_storage

from imagestudio.accountdata import exports
from imagestudio.accountdata.models import DataExport
from imagestudio.collections import services as collections
from imagestudio.gallery import manage, trash
from imagestudio.gallery.models import Image
from imagestudio.preferences.services import update_settings
from imagestudio.projects.models import Project
from imagestudio.prompts import library
from imagestudio.prompts.models import Prompt
from imagestudio.workspaces.services import personal_workspace
from tests.factories import make_image, make_project


@dataclass
class World:
    project: Project
    collection: object
    prompt: Prompt
    lighthouse: Image  # in the project, favourite, rated, tagged, in the collection
    remix: Image  # a child of the lighthouse
    loose: Image  # no project, nothing set
    trashed: Image  # in the trash: not exported


def build_world(user) -> World:
    workspace = personal_workspace(user)
    project = make_project(user=user, name="Lighthouses", description="Coast studies")
    lighthouse = make_image(user=user, prompt="a teal lighthouse at dusk", seed=11, project=project, width=40)
    manage.set_tags(lighthouse, ["sea", "dusk"])
    manage.set_favorite(lighthouse, True)
    manage.set_rating(lighthouse, 4)
    remix = make_image(user=user, prompt="a teal lighthouse at dawn", seed=12, parent_image=lighthouse, width=41)
    loose = make_image(user=user, prompt="a quiet harbour", seed=13, width=42)
    trashed = make_image(user=user, prompt="a discarded sketch", seed=14, width=43)
    trash.soft_delete([trashed])
    collection = collections.create_collection(workspace=workspace, user=user, name="Best of the coast")
    collections.add_images(collection, [loose, lighthouse], by=user)
    prompt = library.create_prompt(
        workspace=workspace,
        user=user,
        fields=library.PromptFields(title="Lighthouse", prompt_text="a teal lighthouse", negative_prompt="blurry"),
    )
    library.set_favorite(prompt, user, True)
    update_settings(user=user, changes={"theme": "dark"})
    for image in (lighthouse, remix, loose):
        image.refresh_from_db()
    return World(project, collection, prompt, lighthouse, remix, loose, trashed)


def storage_files(top: str = "") -> set[str]:
    """Every file name in the default storage (filesystem or S3) under `top`."""
    try:
        folders, files = default_storage.listdir(top)
    except FileNotFoundError:
        return set()
    prefix = f"{top}/" if top else ""
    found = {prefix + name for name in files}
    for folder in folders:
        found |= storage_files(prefix + folder)
    return found


def export_now(user, run_tasks) -> DataExport:
    """Request an export and let the (immediate) worker build it."""
    with run_tasks():
        export = exports.request_export(user=user)
    export.refresh_from_db()
    return export


def open_export(export: DataExport) -> zipfile.ZipFile:
    with default_storage.open(export.file.name, "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def manifest_of(zf: zipfile.ZipFile) -> dict:
    return json.loads(zf.read("manifest.json"))


def zip_bytes(entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()
