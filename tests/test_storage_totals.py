"""The storage panel's running totals (gallery/storage_usage.py): database triggers on `images` keep them equal
to what summing the images gives, whichever way rows are written, and put back after a table rebuild."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from imagestudio.gallery import storage_usage
from imagestudio.gallery.models import Image, StorageTotal
from imagestudio.gallery.storage_usage import counted_rows, total_rows
from tests.factories import make_project

pytestmark = [pytest.mark.django_db]
_n = itertools.count(1)


def img(user, *, fmt: str = "png", size: int = 1000, renditions: int = 300, **fields) -> Image:
    n = next(_n)
    return Image.objects.create(
        user=user,
        file=f"originals/s{n}.{fmt}",
        width=64,
        height=64,
        format=fmt,
        file_size=size,
        renditions_size=renditions,
        prompt=f"picture {n}",
        **fields,
    )


def shape(rows) -> set[tuple]:
    """Rows as comparable tuples: (format, project id text, trashed, images, originals, renditions)."""
    return {
        (
            r["format"],
            str(r["project_id"]) if r["project_id"] else None,
            bool(r["trashed"]),
            r["n"],
            r["originals"],
            r["renditions"],
        )
        for r in rows
    }


def assert_in_step(*users) -> None:
    for user in users:
        assert shape(total_rows(user)) == shape(counted_rows(user))
        assert not StorageTotal.objects.filter(user_id=user.pk, images=0).exists()  # a total at zero is removed


def test_totals_follow_every_kind_of_write(alice, bob):
    posters = make_project(user=alice, name="Posters")
    covers = make_project(user=alice, name="Covers")
    first = img(alice)
    img(alice, fmt="jpeg", size=2500, project=posters)
    third = img(alice, fmt="webp", size=700, renditions=0, project=posters)
    img(bob, size=9999)
    assert shape(total_rows(alice)) == {
        ("png", None, False, 1, 1000, 300),
        ("jpeg", str(posters.pk), False, 1, 2500, 300),
        ("webp", str(posters.pk), False, 1, 700, 0),
    }
    assert_in_step(alice, bob)

    Image.objects.filter(pk=first.pk).update(deleted_at=timezone.now())  # trash (a bulk update)
    assert ("png", None, True, 1, 1000, 300) in shape(total_rows(alice))
    assert_in_step(alice, bob)
    Image.objects.filter(pk=first.pk).update(deleted_at=None)  # restore
    Image.objects.filter(project=posters).update(project=covers)  # bulk move
    third.refresh_from_db()
    third.renditions_size = 450  # renditions made later (a save with update_fields)
    third.save(update_fields=["renditions_size"])
    assert_in_step(alice, bob)
    assert {r[1] for r in shape(total_rows(alice))} == {None, str(covers.pk)}

    covers.delete()  # SET_NULL: its images leave the project
    assert_in_step(alice, bob)
    Image.objects.filter(pk=third.pk).delete()  # purged
    assert_in_step(alice, bob)
    assert sum(r["n"] for r in total_rows(alice)) == 2


def test_changes_that_move_nothing_leave_the_totals_alone(alice):
    image = img(alice)
    before = list(StorageTotal.objects.filter(user_id=alice.pk).values_list("id", "images", "originals", "renditions"))
    image.title = "Renamed"
    image.rating = 4
    image.save()  # every column written back: had the trigger run, the row would be removed and made anew
    assert (
        list(StorageTotal.objects.filter(user_id=alice.pk).values_list("id", "images", "originals", "renditions"))
        == before
    )
    Image.objects.filter(pk=image.pk).update(deleted_at=timezone.now())
    trashed = list(StorageTotal.objects.filter(user_id=alice.pk).values_list("id", "trashed", "images"))
    Image.objects.filter(pk=image.pk).update(deleted_at=timezone.now())  # a new time, the same trash state
    assert (
        list(StorageTotal.objects.filter(user_id=alice.pk).values_list("id", "trashed", "images"))
        == trashed
        == [(trashed[0][0], True, 1)]
    )


def test_deleting_an_account_leaves_no_totals(alice, bob):
    img(alice)
    img(alice, project=make_project(user=alice))
    img(bob)
    alice.delete()
    assert not StorageTotal.objects.filter(user_id=alice.pk).exists()
    assert_in_step(bob)


def test_the_panel_reads_the_totals(alice, django_assert_max_num_queries):
    project = make_project(user=alice, name="Posters")
    img(alice, size=4000, project=project)
    img(alice, size=1000)
    with django_assert_max_num_queries(2):  # the totals, and the projects' names
        usage = storage_usage.usage_for(alice)
    assert usage.total.images == 2 and usage.total.originals == 5000 and usage.total.renditions == 600
    assert [p.label for p in usage.by_project] == ["Posters", "No project"]
    assert usage.as_dict() == storage_usage.usage_from_rows(counted_rows(alice)).as_dict()
    StorageTotal.objects.filter(user_id=alice.pk).update(originals=F("originals") + 1)  # only the totals change
    assert storage_usage.usage_for(alice).total.originals == 5002  # so the panel read them, not the images


def test_triggers_dropped_by_a_table_rebuild_come_back_with_recounted_totals(alice):
    img(alice)
    if connection.vendor != "sqlite":  # PostgreSQL keeps a table's triggers through ALTER TABLE
        assert storage_usage.ensure_triggers() is False
        return
    with connection.cursor() as cursor:  # what a migration that rebuilds `images` on SQLite leaves behind
        for statement in storage_usage.SQLITE_UNINSTALL:
            cursor.execute(statement)
    img(alice, size=5000)  # written while no trigger counted it
    assert shape(total_rows(alice)) != shape(counted_rows(alice))

    assert storage_usage.ensure_triggers() is True
    assert_in_step(alice)
    img(alice, fmt="jpeg")
    assert_in_step(alice)
    assert storage_usage.ensure_triggers() is False


def test_installing_counts_the_images_already_there(alice, bob):
    """What migration gallery/0011 does on a database with images: triggers, then totals summed from the rows."""
    import types

    img(alice, project=make_project(user=alice))
    img(alice, fmt="jpeg", deleted_at=timezone.now())
    img(bob, size=123)
    StorageTotal.objects.all().delete()
    with connection.cursor() as cursor:
        storage_usage.install(types.SimpleNamespace(connection=connection, execute=cursor.execute))
    assert_in_step(alice, bob)
    assert StorageTotal.objects.filter(user_id__in=[alice.pk, bob.pk]).count() == 3
    img(bob)  # the reinstalled triggers count
    assert_in_step(bob)
