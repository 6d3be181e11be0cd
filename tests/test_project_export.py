"""The streamed project ZIP: member layout, original bytes, metadata in three forms, missing files,
and that it really streams (lazy on its input, bounded chunks, files closed on disconnect)."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from datetime import date

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from imagestudio.gallery.models import Image
from imagestudio.gallery.services import Recipe, store_image
from imagestudio.projects.export import FIELDS, metadata_rows, project_zip_name, stream_project_zip
from imagestudio.projects.models import Project
from imagestudio.workspaces.services import personal_workspace
from tests.factories import OFFLINE, ai_model, make_image

pytestmark = pytest.mark.django_db

TEXT_MEMBERS = ["metadata.json", "metadata.csv", "prompts.txt"]


def export(project: Project, images, **kwargs) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(stream_project_zip(project, images, **kwargs))))


def member(image: Image, position: int) -> str:
    return f"images/{position:04d}-{str(image.pk)[:8]}.png"


def stored_bytes(image: Image) -> bytes:
    with default_storage.open(image.file.name, "rb") as f:
        return f.read()


def noisy_image(*, user, project, seed: int) -> Image:
    """A PNG of random pixels (~50 KB, incompressible), so one original spans many stream chunks."""
    pixels = random.Random(seed).randbytes(128 * 128 * 3)
    out = io.BytesIO()
    PILImage.frombytes("RGB", (128, 128), pixels).save(out, "PNG")
    model = ai_model(OFFLINE)
    recipe = Recipe(
        prompt=f"noise {seed}", negative_prompt="", model_endpoint=model.endpoint_id, parameters={}, seed=seed
    )
    return store_image(user=user, data=out.getvalue(), recipe=recipe, model=model, project=project)


class ReadSpy:
    """A storage file that records the size of every read asked of it."""

    def __init__(self, file, reads: list[int]) -> None:
        self._file, self._reads = file, reads

    def read(self, size: int = -1) -> bytes:
        self._reads.append(size)
        return self._file.read(size)

    def __getattr__(self, name: str):
        return getattr(self._file, name)


@pytest.fixture
def project(alice) -> Project:
    return Project.objects.create(
        workspace=personal_workspace(alice),
        user=alice,
        name="Harbour Lights",
        description="Night shots",
        tags=["sea", "night"],
        settings={"style": "noir"},
    )


@pytest.fixture
def images(alice, project) -> list[Image]:
    first = make_image(user=alice, project=project, prompt="a teal lighthouse", seed=1)
    second = make_image(user=alice, project=project, prompt="a teal lighthouse", seed=2, parent_image=first)
    third = make_image(user=alice, project=project, prompt="a red buoy", seed=3)
    Image.objects.filter(pk=third.pk).update(negative_prompt="fog, blur", rating=4, is_favorite=True, tags=["buoy"])
    fourth = make_image(user=alice, project=project, prompt="a red buoy", seed=4)  # same prompt, no negative
    return [first, second, *Image.objects.filter(pk=third.pk), fourth]


def test_the_zip_name_is_a_dated_ascii_slug(alice):
    day = date(2026, 12, 2)
    assert project_zip_name(Project(user=alice, name="My Project"), today=day) == "my-project-2026-12-02.zip"
    assert project_zip_name(Project(user=alice, name="Café  Été / ☕ v2!"), today=day) == "cafe-ete-v2-2026-12-02.zip"
    assert project_zip_name(Project(user=alice, name="☕☕"), today=day) == "project-2026-12-02.zip"
    long = project_zip_name(Project(user=alice, name="word " * 100), today=day)
    assert long.isascii() and len(long) <= 80 + len("-2026-12-02.zip") and "--" not in long


def test_the_archive_holds_each_original_byte_for_byte_then_the_text_files(project, images):
    archive = export(project, images)

    expected = [member(image, position) for position, image in enumerate(images, start=1)]
    assert archive.namelist() == expected + TEXT_MEMBERS
    assert archive.testzip() is None  # every CRC matches
    for name, image in zip(expected, images, strict=True):
        assert archive.read(name) == stored_bytes(image)
        assert archive.getinfo(name).compress_type == zipfile.ZIP_STORED
    for name in TEXT_MEMBERS:
        assert archive.getinfo(name).compress_type == zipfile.ZIP_DEFLATED


def test_metadata_json_describes_the_project_and_every_image(project, images):
    data = json.loads(export(project, images).read("metadata.json"))

    assert data["project"] == {
        "id": str(project.pk),
        "name": "Harbour Lights",
        "description": "Night shots",
        "tags": ["sea", "night"],
        "settings": {"style": "noir"},
    }
    assert data["exported_at"] and data["image_count"] == 4
    assert [row["id"] for row in data["images"]] == [str(image.pk) for image in images]
    assert [row["file_name"] for row in data["images"]] == [member(image, n) for n, image in enumerate(images, 1)]
    assert not any(row["missing"] for row in data["images"])
    third = images[2]
    assert data["images"][2] == {
        "id": str(third.pk),
        "file_name": member(third, 3),
        "prompt": "a red buoy",
        "negative_prompt": "fog, blur",
        "model": OFFLINE,
        "seed": 3,
        "width": 64,
        "height": 48,
        "format": "png",
        "parameters": {"seed": 3, "num_inference_steps": 20},
        "cost_credits": 0,
        "generation_time": None,
        "created_at": third.created_at.isoformat(),
        "parent_image_id": None,
        "tags": ["buoy"],
        "rating": 4,
        "is_favorite": True,
        "missing": False,
    }
    assert data["images"][1]["parent_image_id"] == str(images[0].pk)


def test_metadata_csv_has_a_header_and_one_row_per_image(project, images):
    text = export(project, images).read("metadata.csv").decode()
    header, *rows = list(csv.reader(io.StringIO(text)))

    assert header == FIELDS
    assert len(rows) == len(images)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["id"] for r in records] == [str(image.pk) for image in images]
    assert [r["prompt"] for r in records] == ["a teal lighthouse", "a teal lighthouse", "a red buoy", "a red buoy"]
    assert json.loads(records[2]["parameters"]) == {"seed": 3, "num_inference_steps": 20}
    assert json.loads(records[2]["tags"]) == ["buoy"]
    assert (records[2]["rating"], records[2]["is_favorite"], records[2]["missing"]) == ("4", "true", "false")
    assert records[0]["rating"] == "" and records[0]["generation_time"] == ""  # None is an empty cell


def test_prompts_txt_lists_distinct_prompts_in_first_seen_order(project, images):
    lines = export(project, images).read("prompts.txt").decode().splitlines()

    assert lines == ["a teal lighthouse", "a red buoy | negative: fog, blur", "a red buoy"]


def test_a_file_missing_from_storage_keeps_its_row_but_not_a_member(project, images):
    lost = images[1]
    default_storage.delete(lost.file.name)
    assert not default_storage.exists(lost.file.name)

    archive = export(project, images)

    assert archive.namelist() == [member(images[0], 1), member(images[2], 3), member(images[3], 4), *TEXT_MEMBERS]
    assert archive.read(member(images[2], 3)) == stored_bytes(images[2])
    rows = json.loads(archive.read("metadata.json"))["images"]
    assert [row["id"] for row in rows] == [str(image.pk) for image in images]
    assert [row["missing"] for row in rows] == [False, True, False, False]
    assert rows[1]["file_name"] is None
    records = list(csv.DictReader(io.StringIO(archive.read("metadata.csv").decode())))
    assert [r["missing"] for r in records] == ["false", "true", "false", "false"]


def test_an_empty_project_is_a_valid_archive(project):
    archive = export(project, Image.objects.none().iterator())

    assert archive.namelist() == TEXT_MEMBERS
    data = json.loads(archive.read("metadata.json"))
    assert data["images"] == [] and data["image_count"] == 0
    assert archive.read("metadata.csv").decode().splitlines() == [",".join(FIELDS)]
    assert archive.read("prompts.txt") == b""


def test_the_export_streams_lazily_in_bounded_chunks(alice, project, monkeypatch):
    for seed in range(30):
        noisy_image(user=alice, project=project, seed=seed)
    chunk_size = 8 * 1024
    state = {"pulled": 0, "pulled_bytes": 0}

    def counted(queryset):
        for image in queryset.iterator(chunk_size=200):
            state["pulled"] += 1
            state["pulled_bytes"] += image.file_size
            yield image

    reads: list[int] = []
    real_open = default_storage.open

    def spying_open(name, mode="rb"):
        opened = real_open(name, mode)
        opened.file = ReadSpy(opened.file, reads)
        return opened

    monkeypatch.setattr(default_storage, "open", spying_open)
    queryset = Image.objects.filter(project=project).order_by("created_at", "id")
    largest = max(queryset.values_list("file_size", flat=True))
    assert largest > 4 * chunk_size  # each original spans several chunks
    chunks, yielded, pulled_at_first_chunk, behind = [], 0, None, []
    for chunk in stream_project_zip(project, counted(queryset), chunk_size=chunk_size):
        chunks.append(chunk)
        yielded += len(chunk)
        if pulled_at_first_chunk is None:
            pulled_at_first_chunk = state["pulled"]
        behind.append(state["pulled_bytes"] - yielded)  # read from the input but not yet handed out

    assert pulled_at_first_chunk == 1  # output starts before the second image is even fetched
    assert max(len(chunk) for chunk in chunks) <= chunk_size
    assert len(reads) > 30 * 4 and all(0 < size <= chunk_size for size in reads)  # never a whole file at once
    assert max(behind) <= largest  # never more than the image being copied is held back
    assert len(chunks) > 30 * 4
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    originals = list(queryset)
    assert archive.namelist() == [member(image, n) for n, image in enumerate(originals, 1)] + TEXT_MEMBERS
    for position, image in enumerate(originals, start=1):
        assert archive.read(member(image, position)) == stored_bytes(image)


def test_originals_are_closed_when_done_or_when_the_client_goes_away(alice, project):
    images = [noisy_image(user=alice, project=project, seed=seed) for seed in (1, 2)]

    stream = stream_project_zip(project, images, chunk_size=1024)
    for _ in range(5):
        next(stream)  # inside the first original
    assert not images[0].file.closed
    stream.close()  # what a server does when the download is abandoned
    assert images[0].file.closed

    images = [Image.objects.get(pk=image.pk) for image in images]
    b"".join(stream_project_zip(project, images, chunk_size=1024))
    assert all(image.file.closed for image in images)


def test_metadata_rows_look_each_model_up_once(project, images, django_assert_num_queries):
    with django_assert_num_queries(2):  # the images, then their (one) model
        rows = list(metadata_rows(Image.objects.filter(project=project).iterator(chunk_size=200)))
    assert {row["model"] for row in rows} == {OFFLINE}

    with django_assert_num_queries(1):  # a select_related model is used as loaded
        rows = list(metadata_rows(Image.objects.filter(project=project).select_related("model").iterator()))
    assert {row["model"] for row in rows} == {OFFLINE}

    Image.objects.filter(pk=images[0].pk).update(model=None)
    rows = list(metadata_rows(Image.objects.filter(pk=images[0].pk)))
    assert rows[0]["model"] == ""
    assert rows[0]["file_name"] == member(images[0], 1) and rows[0]["missing"] is False


def test_csv_cells_that_look_like_formulas_are_neutralised(alice):
    project = Project.objects.create(workspace=personal_workspace(alice), user=alice, name="Formulas")
    make_image(user=alice, project=project, prompt='=HYPERLINK("http://evil.example","click")')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_project_zip(project, project.images.all()))))
    rows = list(csv.DictReader(io.StringIO(archive.read("metadata.csv").decode())))
    assert rows[0]["prompt"] == '\'=HYPERLINK("http://evil.example","click")'
    assert json.loads(archive.read("metadata.json"))["images"][0]["prompt"].startswith("=HYPERLINK")  # JSON stays exact
