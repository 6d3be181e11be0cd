"""Versions: images sharing a lineage root browse as one image's versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from imagestudio.gallery import versions
from imagestudio.gallery.models import Image
from tests.h_images import pattern, store


def _lineage(user, n=3, root_points_at_itself=False):
    root = store(user, pattern(1), prompt="the original")
    if root_points_at_itself:
        Image.objects.filter(pk=root.pk).update(lineage_root=root)
        root.refresh_from_db()
    later = []
    for i in range(n - 1):
        version = store(user, pattern(2 + i), prompt=f"version {i + 2}")
        Image.objects.filter(pk=version.pk).update(lineage_root=root)
        version.refresh_from_db()
        later.append(version)
    # Distinct, increasing times whatever the clock resolution.
    base = timezone.now() - timedelta(hours=1)
    for i, image in enumerate([root, *later]):
        Image.objects.filter(pk=image.pk).update(created_at=base + timedelta(minutes=i))
        image.refresh_from_db()
    return root, later


@pytest.mark.parametrize("root_points_at_itself", [False, True])
def test_every_member_lists_the_same_versions_oldest_first(alice, root_points_at_itself):
    root, later = _lineage(alice, 3, root_points_at_itself)
    unrelated = store(alice, pattern(9), prompt="unrelated")
    expected = [root.pk, *(v.pk for v in later)]
    for member in [root, *later]:
        member.refresh_from_db()
        assert [v.pk for v in versions.versions_of(alice, member)] == expected
    assert [v.pk for v in versions.versions_of(alice, unrelated)] == [unrelated.pk]


def test_trashed_and_unreachable_versions_are_left_out(alice, bob):
    root, later = _lineage(alice, 3)
    Image.objects.filter(pk=later[0].pk).update(deleted_at=timezone.now())
    assert [v.pk for v in versions.versions_of(alice, root)] == [root.pk, later[1].pk]
    assert list(versions.versions_of(bob, root)) == []


def test_versions_api_pages_by_cursor_and_hides_from_strangers(alice, alice_api, bob_api):
    root, later = _lineage(alice, 5)
    first = alice_api.get(f"/api/images/{later[2].pk}/versions?limit=2").json()
    assert first["root_id"] == str(root.pk)
    assert [i["id"] for i in first["items"]] == [str(root.pk), str(later[0].pk)]
    second = alice_api.get(f"/api/images/{later[2].pk}/versions?limit=2&cursor={first['next_cursor']}").json()
    third = alice_api.get(f"/api/images/{later[2].pk}/versions?limit=2&cursor={second['next_cursor']}").json()
    assert [i["id"] for i in second["items"] + third["items"]] == [str(v.pk) for v in later[1:]]
    assert third["next_cursor"] is None
    assert bob_api.get(f"/api/images/{root.pk}/versions").status_code == 404


def test_strip_centres_on_the_current_version(alice):
    _root, later = _lineage(alice, 20)
    current = later[14]  # version 16 of 20
    data = versions.strip(alice, current, limit=6)
    assert data["total"] == 20 and data["position"] == 16
    assert current.pk in [v.pk for v in data["items"]] and len(data["items"]) == 6
    times = [v.created_at for v in data["items"]]
    assert times == sorted(times)


def test_versions_strip_partial_links_each_version(alice, django_assert_max_num_queries):
    root, later = _lineage(alice, 3)
    request = RequestFactory().get("/")
    request.user = alice
    with django_assert_max_num_queries(4):
        html = render_to_string("gallery/partials/versions_strip.html", {"image": later[0], "request": request})
    assert html.count('data-testid="version-link"') == 3
    assert f'href="/images/{root.pk}/"' in html and "2 of 3" in html and 'aria-current="page"' in html
    assert f"/images/{later[0].pk}/similar/" in html

    alone = store(alice, pattern(30), prompt="alone")
    html = render_to_string("gallery/partials/versions_strip.html", {"image": alone, "request": request})
    assert 'data-testid="version-link"' not in html and "only version" in html
