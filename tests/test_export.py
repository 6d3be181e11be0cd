"""Bulk ZIP and metadata export: streamed, constant memory, only images the user may see."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from imagestudio.gallery import export
from imagestudio.gallery.models import Image
from tests.h_images import pattern, store


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _post(client, path, payload):
    return client.post(path, data=json.dumps(payload), content_type="application/json")


def test_zip_of_selected_ids_streams_originals_and_metadata(alice, alice_api):
    first = store(alice, pattern(1), prompt='=HYPERLINK("http://evil")')
    second = store(alice, pattern(2), prompt="a calm lake")
    store(alice, pattern(3), prompt="not selected")
    Image.objects.filter(pk=second.pk).update(title="Lake", notes="+notes", tags=["water"], rating=4)
    response = _post(alice_api, "/api/images/export/zip", {"ids": [str(second.pk), str(first.pk), str(second.pk)]})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="images-')
    archive = zipfile.ZipFile(io.BytesIO(_body(response)))
    names = archive.namelist()
    assert names == [
        f"images/0001-{str(second.pk)[:8]}.png",
        f"images/0002-{str(first.pk)[:8]}.png",
        "metadata.json",
        "metadata.csv",
    ]
    with second.file.open("rb") as fh:
        assert archive.read(names[0]) == fh.read()
    meta = json.loads(archive.read("metadata.json"))
    assert meta["image_count"] == 2 and meta["selection"] == {"ids": 2}
    assert [row["id"] for row in meta["images"]] == [str(second.pk), str(first.pk)]
    assert meta["images"][0]["title"] == "Lake" and meta["images"][0]["rating"] == 4
    rows = list(csv.DictReader(io.StringIO(archive.read("metadata.csv").decode())))
    assert rows[0]["notes"] == "'+notes"  # formula injection neutralised
    assert rows[1]["prompt"].startswith("'=HYPERLINK")


def test_another_users_ids_are_404_and_nothing_streams(alice, bob, bob_api):
    mine = store(bob, pattern(4))
    theirs = store(alice, pattern(5))
    for path in ("/api/images/export/zip", "/api/images/export/metadata?format=csv"):
        response = _post(bob_api, path, {"ids": [str(mine.pk), str(theirs.pk)]})
        assert response.status_code == 404
        assert not response.streaming and b"PK" not in response.content[:2]


def test_selection_must_be_exactly_one_kind(alice, alice_api):
    image = store(alice, pattern(6))
    for payload, field in [
        ({}, "ids"),
        ({"ids": [str(image.pk)], "all": True}, "ids"),
        ({"ids": []}, "ids"),
        ({"ids": ["not-a-uuid"]}, "ids"),
        ({"filter": {"rating_min": "9"}}, "rating_min"),
    ]:
        response = _post(alice_api, "/api/images/export/zip", payload)
        assert response.status_code == 422, payload
        assert response.json()["field"] == field
    bad_format = _post(alice_api, "/api/images/export/metadata?format=xml", {"all": True})
    assert bad_format.status_code == 422 and bad_format.json()["field"] == "format"


def test_metadata_json_and_csv_for_a_filter_and_for_everything(alice, bob, alice_api):
    fav = store(alice, pattern(7), prompt="favourite one")
    store(alice, pattern(8), prompt="plain one")
    store(bob, pattern(9), prompt="bob's")
    Image.objects.filter(pk=fav.pk).update(is_favorite=True)

    response = _post(alice_api, "/api/images/export/metadata?format=json", {"filter": {"favourite": "1"}})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(_body(response))
    assert data["image_count"] == 1 and data["images"][0]["id"] == str(fav.pk)
    assert "file_name" not in data["images"][0]

    everything = _post(alice_api, "/api/images/export/metadata?format=csv", {"all": True})
    assert everything["Content-Type"].startswith("text/csv")
    text = _body(everything).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["prompt"] for r in rows) == ["favourite one", "plain one"]
    assert list(rows[0]) == export.METADATA_FIELDS

    empty = json.loads(_body(_post(alice_api, "/api/images/export/metadata", {"ids": [str(fav.pk)]})))
    assert empty["image_count"] == 1


def test_form_posts_work_too(alice, alice_browser):
    image = store(alice, pattern(10))
    response = alice_browser.post("/api/images/export/zip", {"ids": [str(image.pk)]})
    assert response.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(_body(response))).namelist()) == 3


def _bulk_rows(user, count):
    """`count` image rows sharing one small original (rows only: files are not what's measured)."""
    name = default_storage.save("originals/h-export/tiny.png", ContentFile(b"\x89PNG" + b"x" * 2000))
    Image.objects.bulk_create(
        [
            Image(
                user=user, file=name, width=8, height=8, file_size=2004, format="png", prompt=f"prompt number {i} " * 4
            )
            for i in range(count)
        ],
        batch_size=500,
    )


def _peak(user, count) -> tuple[int, int]:
    Image.objects.filter(user=user).delete()
    _bulk_rows(user, count)
    selection = export.parse_selection(None, None, True)
    tracemalloc.start()
    try:
        size = 0
        for chunk in export.stream_zip(export.resolve(user, selection), selection.description):
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


MEMORY_BOUND = 3 * 1024 * 1024


def test_zip_memory_stays_under_a_fixed_bound_from_500_to_2000_images(alice, settings, tmp_path):
    # Our streaming is what is measured: on local files, so an S3 client's own buffers don't count.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    peak_small, size_small = _peak(alice, 500)
    peak_large, size_large = _peak(alice, 2000)
    assert size_large > 3.5 * size_small  # four times the work was really streamed
    assert peak_small < MEMORY_BOUND and peak_large < MEMORY_BOUND, (peak_small, peak_large)
    print(f"export peak: {peak_small} B for 500 images, {peak_large} B for 2,000")
    # The bound does not grow with the count: 4× the images may not cost more than a small constant more.
    assert peak_large - peak_small < 256 * 1024, (peak_small, peak_large)
