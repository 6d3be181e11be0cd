"""Data retention: the worker moves opted-in users' images older than N days to the trash — not favourites,
not team projects' images, nobody else's — in bounded, idempotent runs, with time controlled."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from imagestudio.gallery import trash
from imagestudio.gallery.models import Image
from imagestudio.generation.management.commands import worker
from imagestudio.preferences import retention, services
from imagestudio.workspaces.services import create_team
from tests.factories import make_image, make_project

pytestmark = pytest.mark.django_db


def aged(user, days: float, now, **fields) -> Image:
    image = make_image(user=user)
    Image.objects.filter(pk=image.pk).update(created_at=now - timedelta(days=days), **fields)
    return image


def trashed_ids() -> set:
    return set(Image.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True))


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def scene(alice, bob, now):
    """Alice keeps images 30 days; Bob never opted in."""
    services.update_settings(user=alice, changes={"retention_days": 30})
    team_project = make_project(user=alice, workspace=create_team(alice, "Team"))
    return {
        "old": [aged(alice, 31, now), aged(alice, 400, now)],
        "old_in_own_project": aged(alice, 45, now, project=make_project(user=alice)),
        "favourite": aged(alice, 90, now, is_favorite=True),
        "recent": aged(alice, 29.5, now),
        "team": aged(alice, 90, now, project=team_project),
        "already_trashed": aged(alice, 90, now, deleted_at=now - timedelta(days=1)),
        "bobs": aged(bob, 900, now),
    }


def test_retention_moves_exactly_the_old_non_favourite_images_of_opted_in_users(scene, now):
    before = trashed_ids()
    assert retention.apply_retention(now=now) == 3
    moved = trashed_ids() - before
    assert moved == {scene["old"][0].pk, scene["old"][1].pk, scene["old_in_own_project"].pk}
    kept = Image.objects.filter(pk__in=[scene[k].pk for k in ("favourite", "recent", "team", "bobs")])
    assert list(kept.values_list("deleted_at", flat=True)) == [None] * 4


def test_a_second_run_moves_nothing(scene, now):
    assert retention.apply_retention(now=now) == 3
    stamps = dict(Image.objects.filter(deleted_at__isnull=False).values_list("pk", "deleted_at"))
    assert retention.apply_retention(now=now) == 0
    assert dict(Image.objects.filter(deleted_at__isnull=False).values_list("pk", "deleted_at")) == stamps


def test_time_passing_makes_the_next_image_due(scene, now):
    retention.apply_retention(now=now)
    assert retention.apply_retention(now=now + timedelta(days=1)) == 1  # "recent" turned 30.5 days old
    assert Image.objects.get(pk=scene["recent"].pk).deleted_at is not None


def test_the_preview_count_matches_what_a_run_moves(alice, scene, now):
    assert retention.preview_count(alice, 30, now=now) == 3
    assert retention.apply_retention(now=now) == 3
    assert retention.preview_count(alice, 30, now=now) == 0


def test_runs_are_bounded(scene, now):
    assert retention.apply_retention(now=now, limit=2) == 2
    assert retention.apply_retention(now=now, limit=2) == 1
    assert retention.apply_retention(now=now, limit=2) == 0


def test_moved_images_wait_in_the_trash_and_can_be_restored(alice, scene, now):
    retention.apply_retention(now=now)
    in_trash = {image.pk for image in trash.trash_page(alice).items}
    assert in_trash == {
        scene["old"][0].pk,
        scene["old"][1].pk,
        scene["old_in_own_project"].pk,
        scene["already_trashed"].pk,
    }
    image = Image.objects.get(pk=scene["old"][0].pk)
    assert trash.restore([image]) == [image.pk]


def test_opting_out_stops_it(alice, scene, now):
    services.update_settings(user=alice, changes={"retention_days": None})
    assert retention.apply_retention(now=now) == 0
    assert trashed_ids() == {scene["already_trashed"].pk}


def test_each_user_is_held_to_their_own_days(alice, bob, scene, now):
    services.update_settings(user=bob, changes={"retention_days": 1000})
    assert retention.apply_retention(now=now) == 3  # Bob's image is 900 days old: kept
    services.update_settings(user=bob, changes={"retention_days": 800})
    assert retention.apply_retention(now=now) == 1
    assert Image.objects.get(pk=scene["bobs"].pk).deleted_at is not None


def test_the_sweep_runs_every_fifteen_minutes_and_at_once_again_after_a_full_run(alice, scene, now, monkeypatch):
    monkeypatch.setattr(retention, "_next_run", None)
    assert retention.sweep(now) == 3
    aged(alice, 60, now)
    assert retention.sweep(now + timedelta(minutes=14)) == 0  # not due yet
    assert retention.sweep(now + timedelta(minutes=15)) == 1

    monkeypatch.setattr(retention, "PER_RUN", 2)
    aged(alice, 60, now), aged(alice, 60, now), aged(alice, 60, now)
    later = now + timedelta(minutes=30)
    assert retention.sweep(later) == 2  # a full run: the next heartbeat goes on
    assert retention.sweep(later + timedelta(seconds=5)) == 1


def test_the_worker_heartbeat_runs_the_sweep(monkeypatch):
    stop = threading.Event()
    calls = []

    def sweep():
        calls.append(1)
        stop.set()  # one beat is enough
        return 0

    monkeypatch.setattr(retention, "sweep", sweep)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)  # keep the test's connection
    guard = threading.Timer(20, stop.set)  # if a step before the sweep failed, end instead of beating on
    guard.start()
    try:
        worker.beat_forever(stop)
    finally:
        guard.cancel()
    assert calls == [1]
