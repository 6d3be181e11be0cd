"""Settings → Your data, import: an account archive restored into an account (the same or another), with
duplicates skipped and malicious archives refused with clear messages."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from imagestudio.accountdata import imports
from imagestudio.accountdata.models import DataImport, Status
from imagestudio.collections.models import Collection
from imagestudio.gallery.models import Image
from imagestudio.projects.models import Project
from imagestudio.prompts.models import Prompt, PromptFavorite
from tests.account_data import build_world, export_now, manifest_of, open_export, storage_files, zip_bytes
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def _archive_of(user, run_tasks) -> bytes:
    export = export_now(user, run_tasks)
    with default_storage.open(export.file.name, "rb") as handle:
        return handle.read()


def _import(user, data: bytes, run_tasks, name: str = "export.zip") -> DataImport:
    with run_tasks():
        record = imports.start_import(user=user, uploaded=SimpleUploadedFile(name, data, "application/zip"))
    record.refresh_from_db()
    return record


def _recipe(image: Image) -> tuple:
    model = image.model.endpoint_id if image.model else None
    return (image.prompt, image.negative_prompt, model, image.seed, image.parameters, image.width, image.height)


def _manifest(images: list[dict] | None = None, **extra) -> bytes:
    body = {"format": "imagestudio-account", "format_version": 1, "images": images or [], **extra}
    return json.dumps(body).encode()


def _image_row(image_id: str, name: str, **fields) -> dict:
    return {"id": image_id, "file": name, "prompt": "p", "seed": 1, "parameters": {}, "model": "", **fields}


# -- the round trip ---------------------------------------------------------------------------------


def test_alices_export_imported_into_bob_gives_the_same_counts_and_recipes(alice, bob, run_tasks):
    world = build_world(alice)
    record = _import(bob, _archive_of(alice, run_tasks), run_tasks)

    assert record.status == Status.READY, record.error
    assert record.summary["imported"] == {"images": 3, "prompts": 1, "projects": 1, "collections": 1}
    assert record.summary["existing"] == {"images": 0, "prompts": 0, "projects": 0, "collections": 0}
    assert record.summary["skipped_total"] == 0
    theirs = {image.prompt: image for image in Image.objects.filter(user=bob).select_related("model")}
    assert len(theirs) == 3
    for original in (world.lighthouse, world.remix, world.loose):
        copy = theirs[original.prompt]
        assert copy.pk != original.pk
        assert _recipe(copy) == _recipe(original)
        assert copy.created_at == original.created_at
    lighthouse = theirs["a teal lighthouse at dusk"]
    assert (lighthouse.tags, lighthouse.is_favorite, lighthouse.rating) == (["sea", "dusk"], True, 4)
    assert sorted(lighthouse.tag_rows.values_list("name", flat=True)) == ["dusk", "sea"]
    assert theirs["a teal lighthouse at dawn"].parent_image_id == lighthouse.pk
    project = Project.objects.get(user=bob)
    assert (project.name, project.description) == ("Lighthouses", "Coast studies")
    assert lighthouse.project_id == project.pk
    collection = Collection.objects.get(created_by=bob)
    assert collection.name == "Best of the coast"
    ordered = list(collection.entries.order_by("position").values_list("image_id", flat=True))
    assert ordered == [theirs["a quiet harbour"].pk, lighthouse.pk]
    prompt = Prompt.objects.get(user=bob)
    assert (prompt.title, prompt.prompt_text, prompt.negative_prompt) == ("Lighthouse", "a teal lighthouse", "blurry")
    assert PromptFavorite.objects.filter(user=bob, prompt=prompt).count() == 1
    assert Image.objects.filter(user=alice).count() == 4  # hers untouched (3 live + 1 in the trash)


def test_the_uploaded_archive_is_removed_from_storage_after_the_import(alice, bob, run_tasks):
    build_world(alice)
    archive = _archive_of(alice, run_tasks)
    before = storage_files("imports")
    _import(bob, archive, run_tasks)
    assert storage_files("imports") == before
    assert DataImport.objects.get(user=bob).file.name == ""


def test_importing_the_same_archive_twice_skips_every_duplicate_and_says_so(alice, bob, run_tasks):
    build_world(alice)
    archive = _archive_of(alice, run_tasks)
    _import(bob, archive, run_tasks)
    again = _import(bob, archive, run_tasks)

    assert again.status == Status.READY
    assert again.summary["imported"] == {"images": 0, "prompts": 0, "projects": 0, "collections": 0}
    assert again.summary["existing"] == {"images": 3, "prompts": 1, "projects": 1, "collections": 1}
    assert again.summary["skipped_total"] == 3
    assert {item["reason"] for item in again.summary["skipped"]} == {"already in your gallery (same file)"}
    assert Image.objects.filter(user=bob).count() == 3
    assert Project.objects.filter(user=bob).count() == 1
    assert Collection.objects.get(created_by=bob).entries.count() == 2
    assert Prompt.objects.filter(user=bob).count() == 1


def test_importing_your_own_export_adds_nothing(alice, run_tasks):
    build_world(alice)
    record = _import(alice, _archive_of(alice, run_tasks), run_tasks)
    assert record.summary["imported"]["images"] == 0
    assert record.summary["existing"]["images"] == 3
    assert Image.objects.filter(user=alice).count() == 4


def test_the_page_shows_the_summary_of_the_last_import(alice, bob, run_tasks):
    build_world(alice)
    archive = _archive_of(alice, run_tasks)
    client = Client()
    client.force_login(bob)
    with run_tasks():
        response = client.post(
            reverse("settings_data_import_start"), {"archive": SimpleUploadedFile("alice.zip", archive)}
        )
    assert response.status_code == 302
    page = client.get(reverse("settings_data")).content.decode()
    assert 'data-testid="import-summary"' in page
    assert 'data-testid="imported-images">3<' in page


# -- refused archives -------------------------------------------------------------------------------


def _refusal(client: Client, data: bytes, name: str = "archive.zip") -> str:
    before = storage_files("imports")
    response = client.post(reverse("settings_data_import_start"), {"archive": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert DataImport.objects.count() == 0
    assert storage_files("imports") == before
    return response.content.decode()


def test_path_traversal_is_refused(alice_browser):
    data = zip_bytes({"manifest.json": _manifest(), "../../etc/evil.png": png_bytes()})
    page = _refusal(alice_browser, data)
    assert "points outside the archive (path traversal)" in page
    assert "../../etc/evil.png" in page


@pytest.mark.parametrize("name", ["/etc/passwd", "images\\..\\x.png", "C:/windows/x.png"])
def test_absolute_and_backslash_names_are_refused(name):
    with pytest.raises(imports.ArchiveError, match="path traversal"):
        imports.check_archive(io.BytesIO(zip_bytes({"manifest.json": _manifest(), name: b"x"})))


def test_a_zip_bomb_is_refused_by_its_compression_ratio(alice_browser):
    data = zip_bytes({"manifest.json": _manifest(), "images/a.png": b"\0" * (8 * 1024 * 1024)}, zipfile.ZIP_DEFLATED)
    assert len(data) < 100_000
    page = _refusal(alice_browser, data)
    assert "refused as a zip bomb" in page


def test_an_archive_unpacking_past_the_total_limit_is_refused(alice_browser, settings):
    settings.ACCOUNT_IMPORT_MAX_UNCOMPRESSED_BYTES = 100
    data = zip_bytes({"manifest.json": _manifest(), "images/a.png": b"x" * 100})
    unpacked = len(_manifest()) + 100
    assert f"it would unpack to {unpacked} bytes; at most 100 bytes are accepted" in _refusal(alice_browser, data)


def test_too_many_entries_are_refused(alice_browser, settings):
    settings.ACCOUNT_IMPORT_MAX_ENTRIES = 5
    entries = {"manifest.json": _manifest(), **{f"images/{i}.png": b"x" for i in range(5)}}
    page = _refusal(alice_browser, zip_bytes(entries))
    assert "it holds 6 entries; at most 5 are accepted" in page


def test_an_upload_over_the_size_limit_is_refused(alice_browser, settings):
    settings.ACCOUNT_IMPORT_MAX_BYTES = 100
    assert "can be uploaded" in _refusal(alice_browser, zip_bytes({"manifest.json": _manifest()}))


def test_a_file_that_is_not_a_zip_is_refused(alice_browser):
    assert "This is not a ZIP file" in _refusal(alice_browser, png_bytes(), name="picture.png")


def test_a_zip_without_our_manifest_is_refused(alice_browser):
    page = _refusal(alice_browser, zip_bytes({"images/a.png": png_bytes()}))
    assert "has no manifest.json" in page


def test_a_newer_format_is_refused():
    data = zip_bytes({"manifest.json": json.dumps({"format": "imagestudio-account", "format_version": 9}).encode()})
    with pytest.raises(imports.ArchiveError, match="newer version"):
        imports.check_archive(io.BytesIO(data))


def test_a_non_image_is_skipped_with_its_reason_and_the_rest_imported(alice, run_tasks):
    rows = [
        _image_row("1", "images/1.png", prompt="a real picture"),
        _image_row("2", "images/2.png", prompt="a script in disguise"),
    ]
    data = zip_bytes(
        {"manifest.json": _manifest(rows), "images/1.png": png_bytes(), "images/2.png": b"<script>alert(1)</script>"}
    )
    record = _import(alice, data, run_tasks)
    assert record.status == Status.READY
    assert record.summary["imported"]["images"] == 1
    assert record.summary["skipped"] == [
        {"item": "images/2.png", "reason": "2.png: an HTML/XML document; import PNG, JPEG or WebP images."}
    ]
    assert list(Image.objects.filter(user=alice).values_list("prompt", flat=True)) == ["a real picture"]


def test_entries_the_manifest_does_not_list_are_ignored_and_reported(alice, run_tasks):
    data = zip_bytes({"manifest.json": _manifest(), "notes/readme.txt": b"hello"})
    record = _import(alice, data, run_tasks)
    assert record.summary["skipped"] == [
        {"item": "notes/readme.txt", "reason": "not part of an account export; ignored"}
    ]
    assert Image.objects.filter(user=alice).count() == 0


def test_a_bad_recipe_skips_that_image_with_a_reason(alice, run_tasks):
    rows = [_image_row("1", "images/1.png", seed="not a number")]
    record = _import(alice, zip_bytes({"manifest.json": _manifest(rows), "images/1.png": png_bytes()}), run_tasks)
    assert record.summary["skipped"] == [{"item": "images/1.png", "reason": "its seed is not a whole number"}]
    assert Image.objects.filter(user=alice).count() == 0


def test_the_worker_refuses_an_archive_that_changed_after_upload(alice):
    """The restore checks the archive again; a refused one fails the import with the same message."""
    before = storage_files("imports")
    record = DataImport.objects.create(user=alice, original_name="x.zip")
    record.file.name = default_storage.save(
        f"imports/{alice.pk}/{record.pk}.zip", io.BytesIO(zip_bytes({"../x": b"1", "manifest.json": _manifest()}))
    )
    record.save()
    result = imports.run_import(record.pk)
    assert result.status == Status.FAILED
    assert "path traversal" in result.error
    assert storage_files("imports") == before


def test_the_manifest_round_trips_what_the_import_reads(alice, run_tasks):
    """The export's manifest passes the import's own check (same format, same version)."""
    build_world(alice)
    export = export_now(alice, run_tasks)
    with default_storage.open(export.file.name, "rb") as handle:
        checked = imports.check_archive(handle)
    assert checked == manifest_of(open_export(export))
