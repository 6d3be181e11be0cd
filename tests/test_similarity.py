"""Perceptual hashes: near-duplicate grouping (real images and 100,000 hashes) and find similar."""

from __future__ import annotations

import random
import time
from itertools import combinations

import pytest

from imagestudio.gallery import similarity
from imagestudio.gallery.models import Image
from tests.h_images import near_copy, pattern, store, touched_up


def _flip(hex_hash: str, bits: list[int]) -> str:
    value = int(hex_hash, 16)
    for b in bits:
        value ^= 1 << b
    return f"{value:016x}"


def test_phash_hex_is_16_hex_digits_and_stable():
    image = pattern(1)
    first = similarity.phash_hex(image)
    assert len(first) == 16 and int(first, 16) >= 0
    assert similarity.phash_hex(image.convert("RGBA")) == first
    assert similarity.hamming(first, first) == 0
    assert similarity.hamming("0000000000000000", "000000000000000f") == 4


def test_near_identical_images_are_close_and_different_ones_far():
    a = similarity.phash_hex(pattern(1))
    assert similarity.hamming(a, similarity.phash_hex(near_copy(pattern(1)))) <= 4
    assert similarity.hamming(a, similarity.phash_hex(pattern(2))) > similarity.MAX_THRESHOLD


def test_identical_and_near_identical_images_group_and_different_ones_dont(alice, bob):
    original = store(alice, pattern(10), prompt="original")
    same = store(alice, pattern(10), prompt="exact copy")
    near = store(alice, touched_up(pattern(10)), prompt="touched-up copy")
    loner = store(alice, pattern(11), prompt="unrelated")
    pair_a = store(alice, pattern(12), prompt="another pair")
    pair_b = store(alice, touched_up(pattern(12)), prompt="another pair, copy")
    theirs = store(bob, pattern(10), prompt="bob's copy")  # another user's image never joins alice's groups
    report = similarity.backfill_phashes(
        Image.objects.filter(pk__in=[i.pk for i in (original, same, near, loner, pair_a, pair_b, theirs)])
    )
    assert report["failed"] == 0 and report["remaining"] == 0

    groups = similarity.duplicate_groups(alice)
    as_sets = [set(g.ids) for g in groups]
    assert as_sets == [{original.pk, same.pk, near.pk}, {pair_a.pk, pair_b.pk}]  # largest first
    assert all(loner.pk not in s and theirs.pk not in s for s in as_sets)
    assert groups[0].max_distance <= similarity.DEFAULT_THRESHOLD

    # Identical only: the exact copy stays with the original, the touched-up one drops out.
    identical = [set(g.ids) for g in similarity.duplicate_groups(alice, 0)]
    assert identical == [{original.pk, same.pk}]


def test_threshold_is_respected_bit_for_bit():
    base = "a5a5a5a5f0f0f0f0"
    for distance in range(0, similarity.MAX_THRESHOLD + 1):
        other = _flip(base, list(range(0, 64, 64 // max(distance, 1)))[:distance])
        assert similarity.hamming(base, other) == distance
        for threshold in range(0, similarity.MAX_THRESHOLD + 1):
            groups = similarity.group_hashes([base, other], threshold)
            assert (groups == [[0, 1]]) == (distance <= threshold), (distance, threshold)


def test_multi_index_grouping_matches_brute_force():
    rng = random.Random(5)
    hashes = []
    for _ in range(60):  # clusters of near hashes plus noise
        centre = f"{rng.getrandbits(64):016x}"
        hashes.append(centre)
        for _ in range(rng.randrange(0, 4)):
            hashes.append(_flip(centre, rng.sample(range(64), rng.randrange(0, 12))))
    for threshold in (0, 1, 3, 4, 6, 8, 10):
        parent = list(range(len(hashes)))

        def find(x, parent=parent):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i, j in combinations(range(len(hashes)), 2):
            if similarity.hamming(hashes[i], hashes[j]) <= threshold:
                parent[find(i)] = find(j)
        expected: dict[int, list[int]] = {}
        for i in range(len(hashes)):
            expected.setdefault(find(i), []).append(i)
        want = sorted(sorted(g) for g in expected.values() if len(g) > 1)
        assert sorted(similarity.group_hashes(hashes, threshold)) == want, threshold


def test_100000_hashes_group_in_seconds():
    rng = random.Random(9)
    hashes = [f"{rng.getrandbits(64):016x}" for _ in range(100_000)]
    for k in range(0, 2000, 2):  # 1,000 planted near-duplicate pairs
        hashes[k + 1] = _flip(hashes[k], rng.sample(range(64), 3))
    started = time.perf_counter()
    groups = similarity.group_hashes(hashes, similarity.DEFAULT_THRESHOLD)
    elapsed = time.perf_counter() - started
    planted = {(k, k + 1) for k in range(0, 2000, 2)}
    assert planted <= {tuple(g) for g in groups if len(g) == 2}
    assert elapsed < 8, f"grouping 100,000 hashes took {elapsed:.1f} s"


def test_bad_threshold_is_refused():
    for bad in ("-1", "11", "six", None):
        with pytest.raises(similarity.ThresholdError):
            similarity.check_threshold(bad)


def test_find_similar_lists_nearest_first_without_itself_or_strangers(alice, bob):
    target = store(alice, pattern(20), prompt="target")
    twin = store(alice, pattern(20), prompt="twin")
    close = store(alice, touched_up(pattern(20)), prompt="close")
    far = store(alice, pattern(21), prompt="far")
    stranger = store(bob, pattern(20), prompt="bob's twin")
    similarity.backfill_phashes(Image.objects.all())
    target.refresh_from_db()
    found = similarity.similar_to(target, 10, user=alice, max_distance=64)
    ids = [img.pk for img, _ in found]
    distances = [d for _, d in found]
    assert ids[:2] == [twin.pk, close.pk] and far.pk in ids
    assert distances == sorted(distances) and distances[0] == 0
    assert target.pk not in ids and stranger.pk not in ids
    # The default cut-off leaves unrelated pictures out.
    assert far.pk not in [img.pk for img, _ in similarity.similar_to(target, 10, user=alice)]


def test_similar_and_duplicates_pages_and_api(alice, bob, alice_browser, alice_api, bob_api):
    a = store(alice, pattern(30), prompt="dup one")
    b = store(alice, touched_up(pattern(30)), prompt="dup two")
    similarity.backfill_phashes(Image.objects.all())

    page = alice_browser.get("/images/duplicates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="duplicate-item"') == 2 and "Keep only this one" in html
    assert alice_browser.get("/images/duplicates/?threshold=99").status_code == 422

    similar = alice_browser.get(f"/images/{a.pk}/similar/")
    assert similar.status_code == 200 and similar.content.decode().count('data-testid="similar-item"') == 1

    api = alice_api.get("/api/images/duplicates?threshold=6").json()
    assert [{item["id"] for item in g["items"]} for g in api["groups"]] == [{str(a.pk), str(b.pk)}]
    bad = alice_api.get("/api/images/duplicates?threshold=12")
    assert bad.status_code == 422 and bad.json()["field"] == "threshold"
    listed = alice_api.get(f"/api/images/{a.pk}/similar").json()["items"]
    assert [item["image"]["id"] for item in listed] == [str(b.pk)]
    assert bob_api.get(f"/api/images/{a.pk}/similar").status_code == 404
    assert bob_api.get("/api/images/duplicates").json()["groups"] == []


def test_backfill_skips_hashed_rows_and_reports_unreadable_files(alice):
    good = store(alice, pattern(40))
    Image.objects.filter(pk=good.pk).update(phash="")
    broken = store(alice, pattern(41))
    Image.objects.filter(pk=broken.pk).update(phash="", file="originals/missing.png")
    report = similarity.backfill_phashes(Image.objects.filter(user=alice))
    assert report == {"hashed": 1, "failed": 1, "remaining": 1}
    good.refresh_from_db()
    assert good.phash == similarity.phash_hex(pattern(40))
