"""Perceptual hashes: near-duplicate groups and "find similar".

`phash_hex` is what `store_image` records in `Image.phash` (64-bit imagehash.phash as 16 hex digits).
Two images are near-duplicates when their hashes differ in at most `threshold` bits.

Grouping never compares all pairs. It uses multi-index hashing: split each 64-bit hash into four 16-bit
chunks; if two hashes differ in at most t bits, then (pigeonhole) some chunk differs in at most t // 4 bits.
So for every chunk we look up the buckets of all chunk values within t // 4 bits of ours (a dense table of
65,536 buckets per chunk, vectorised with numpy), check only those candidates' full distance, and join the
pairs into groups (connected components). 100,000 hashes group in well under two seconds at the default
threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import imagehash
import numpy as np
from django.utils.translation import gettext
from PIL import Image as PILImage

HASH_BITS = 64
CHUNKS = 4
CHUNK_BITS = HASH_BITS // CHUNKS
DEFAULT_THRESHOLD = 6  # bits of 64: same picture re-encoded, resized, lightly edited
MAX_THRESHOLD = 10  # beyond this "near-duplicate" stops meaning much, and candidates explode
SIMILAR_MAX_DISTANCE = 24  # "find similar" lists nothing farther than this (random pairs sit near 32)
_BLOCK = 2_000_000  # candidate pairs examined at once: bounds memory whatever the data


class ThresholdError(ValueError):
    def __init__(self, message: str, field: str = "threshold") -> None:
        super().__init__(message)
        self.field = field


def phash_hex(pil_image: PILImage.Image) -> str:
    """The 64-bit perceptual hash of an image as 16 lower-case hex digits."""
    image = pil_image if pil_image.mode in ("L", "RGB") else pil_image.convert("RGB")
    return str(imagehash.phash(image)).rjust(16, "0")


def is_phash(value: str) -> bool:
    if len(value) != 16:
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def check_threshold(threshold: Any) -> int:
    try:
        value = int(threshold)
    except (TypeError, ValueError):
        raise ThresholdError(gettext("Threshold must be a whole number of bits.")) from None
    if not 0 <= value <= MAX_THRESHOLD:
        raise ThresholdError(
            gettext("Threshold must be between 0 and %(max_threshold)s bits.") % {"max_threshold": MAX_THRESHOLD}
        )
    return value


def _to_array(hashes: Sequence[str]) -> np.ndarray:
    return np.fromiter((int(h, 16) for h in hashes), dtype=np.uint64, count=len(hashes))


def _masks(radius: int) -> np.ndarray:
    """All 16-bit values with at most `radius` bits set."""
    masks = [0]
    for r in range(1, radius + 1):
        for bits in combinations(range(CHUNK_BITS), r):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.int64)


def near_pairs(values: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of distinct positions in `values` (uint64) within `threshold` bits."""
    n = len(values)
    empty = np.empty(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    radius = threshold // CHUNKS
    masks = _masks(radius)
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    everyone = np.arange(n, dtype=np.int64)
    for chunk in range(CHUNKS):
        keys = ((values >> np.uint64(chunk * CHUNK_BITS)) & np.uint64(0xFFFF)).astype(np.int64)
        order = np.argsort(keys, kind="stable")
        counts_table = np.bincount(keys, minlength=1 << CHUNK_BITS)
        starts_table = np.cumsum(counts_table) - counts_table
        for mask in masks:
            probe = keys ^ mask
            counts = counts_table[probe]
            starts = starts_table[probe]
            # Walk the queries in blocks so the expanded candidate list stays bounded.
            cumulative = np.cumsum(counts)
            begin = 0
            while begin < n:
                limit = (cumulative[begin - 1] if begin else 0) + _BLOCK
                end = max(int(np.searchsorted(cumulative, limit, side="right")), begin + 1)
                block_counts = counts[begin:end]
                total = int(block_counts.sum())
                if total:
                    src = np.repeat(everyone[begin:end], block_counts)
                    offsets = np.arange(total, dtype=np.int64) - np.repeat(
                        np.cumsum(block_counts) - block_counts, block_counts
                    )
                    dst = order[np.repeat(starts[begin:end], block_counts) + offsets]
                    keep = src < dst
                    src, dst = src[keep], dst[keep]
                    close = np.bitwise_count(values[src] ^ values[dst]) <= threshold
                    found_i.append(src[close])
                    found_j.append(dst[close])
                begin = end
    if not found_i:
        return empty, empty
    i = np.concatenate(found_i)
    j = np.concatenate(found_j)
    if len(i):
        unique = np.unique(i * n + j)
        i, j = unique // n, unique % n
    return i, j


def group_hashes(hashes: Sequence[str], threshold: int = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Groups (lists of positions into `hashes`, two or more each) of near-duplicates.

    A group is a connected component of "within `threshold` bits": identical hashes always group, and
    A~B, B~C puts A, B and C together. Groups come largest first, positions ascending inside a group.
    """
    threshold = check_threshold(threshold)
    if len(hashes) < 2:
        return []
    values = _to_array(hashes)
    unique, inverse = np.unique(values, return_inverse=True)
    inverse = inverse.reshape(-1)
    i, j = near_pairs(unique, threshold) if threshold else (np.empty(0, np.int64), np.empty(0, np.int64))
    labels = _components(len(unique), i, j)
    item_labels = labels[inverse]
    order = np.argsort(item_labels, kind="stable")
    sorted_labels = item_labels[order]
    boundaries = np.flatnonzero(np.diff(sorted_labels)) + 1
    groups = [g.tolist() for g in np.split(order, boundaries) if len(g) > 1]
    groups.sort(key=lambda g: (-len(g), g[0]))
    return groups


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    if not len(i):
        return np.arange(n)
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
    from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def nearest(
    target: str, hashes: Sequence[str], limit: int, max_distance: int = SIMILAR_MAX_DISTANCE
) -> list[tuple[int, int]]:
    """(position, distance) of the `limit` hashes closest to `target`, nearest first, ties by position."""
    if not hashes or limit <= 0:
        return []
    values = _to_array(hashes)
    distances = np.bitwise_count(values ^ np.uint64(int(target, 16))).astype(np.int64)
    candidates = np.flatnonzero(distances <= max_distance)
    if not len(candidates):
        return []
    ranked = candidates[np.lexsort((candidates, distances[candidates]))][:limit]
    return [(int(p), int(distances[p])) for p in ranked]


# -- the database side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateGroup:
    ids: list  # image ids, newest first
    max_distance: int  # widest distance inside the group (0: identical hashes)


def _hashed_images(user):
    from imagestudio.gallery.models import Image

    return Image.objects.alive().owned_by(user).exclude(phash="")


def hashed_count(user) -> int:
    """How many of the user's live images have a perceptual hash. Read from indexes alone, as all hashed rows
    (images_user_phash) less the trashed ones (images_user_trashed, small): at 100,000 images, counting the
    live ones directly visits every row."""
    from imagestudio.gallery.models import Image

    hashed = Image.objects.filter(user=user, phash__gt="")
    return hashed.count() - hashed.filter(deleted_at__isnull=False).count()


def _grouping_cache_key(user, threshold: int) -> str:
    """Changes whenever the user's set of live hashed images may have: an image added (the newest time), one
    hashed (the count), one trashed or restored (the trash's size and latest time). All index reads."""
    from django.db.models import Count, Max

    from imagestudio.gallery.models import Image

    mine = Image.objects.filter(user=user)
    newest = mine.aggregate(newest=Max("created_at"))["newest"]
    trash = mine.filter(deleted_at__isnull=False).aggregate(n=Count("*"), last=Max("deleted_at"))
    stamps = [value.timestamp() if value else 0 for value in (newest, trash["last"])]
    return f"dupes:{user.pk}:{threshold}:{hashed_count(user)}:{stamps[0]}:{trash['n']}:{stamps[1]}"


def duplicate_groups(user, threshold: int = DEFAULT_THRESHOLD) -> list[DuplicateGroup]:
    """Near-duplicate groups among the user's own live images, largest first.

    Loads only (id, phash) for the user's images; cached until an image is added, changed or deleted.
    """
    from django.core.cache import cache

    threshold = check_threshold(threshold)
    key = _grouping_cache_key(user, threshold)
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = list(_hashed_images(user).order_by("-created_at", "-id").values_list("id", "phash"))
    rows = [(pk, h) for pk, h in rows if is_phash(h)]
    hashes = [h for _, h in rows]
    groups = []
    for positions in group_hashes(hashes, threshold):
        group_values = _to_array([hashes[p] for p in positions])
        widest = (
            int(np.bitwise_count(group_values[:, None] ^ group_values[None, :]).max())
            if len(positions) <= 200
            else threshold
        )
        groups.append(DuplicateGroup(ids=[rows[p][0] for p in positions], max_distance=widest))
    cache.set(key, groups, 600)
    return groups


def similar_to(image, limit: int = 24, *, user=None, max_distance: int = SIMILAR_MAX_DISTANCE) -> list[tuple[Any, int]]:
    """The images closest to `image` by perceptual hash, as (Image, distance), nearest first.

    Searches the live images `user` may see (default: the image's owner's own images); never `image` itself.
    """
    from imagestudio.gallery.models import Image
    from imagestudio.workspaces.access import images_visible_to

    if not is_phash(image.phash or ""):
        return []
    pool = images_visible_to(user) if user is not None else Image.objects.alive().owned_by(image.user_id)
    rows = list(pool.exclude(pk=image.pk).exclude(phash="").order_by("-created_at", "-id").values_list("id", "phash"))
    rows = [(pk, h) for pk, h in rows if is_phash(h)]
    ranked = nearest(image.phash, [h for _, h in rows], limit, max_distance)
    ids = [rows[p][0] for p, _ in ranked]
    by_id = Image.objects.select_related("model").in_bulk(ids)
    return [(by_id[rows[p][0]], d) for p, d in ranked if rows[p][0] in by_id]


def backfill_phashes(queryset=None, *, batch_size: int = 200, open_image=None) -> dict[str, int]:
    """Compute `phash` for images that have none. Returns {"hashed", "failed", "remaining"}.

    Reads each original once (the thumbnail would do, but originals give the hash store_image records).
    Safe to re-run: only rows with an empty phash are touched; keyset over the primary key.
    """
    from imagestudio.gallery.models import Image

    qs = (queryset if queryset is not None else Image.objects.all()).filter(phash="")
    hashed = failed = 0
    last = None
    while True:
        page = qs.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page.only("pk", "file", "thumbnail")[:batch_size])
        if not batch:
            break
        updates = []
        for row in batch:
            last = row.pk
            try:
                with (open_image or _open_original)(row) as pil:
                    row.phash = phash_hex(pil)
                updates.append(row)
            except Exception:  # a missing or unreadable file must not stop the backfill
                failed += 1
        Image.objects.bulk_update(updates, ["phash"])
        hashed += len(updates)
    remaining = qs.count()
    return {"hashed": hashed, "failed": failed, "remaining": remaining}


def _open_original(row):
    from contextlib import contextmanager

    @contextmanager
    def opened():
        with row.file.open("rb") as fh:
            pil = PILImage.open(fh)
            pil.load()
            yield pil

    return opened()


def group_ids(pairs: Iterable[tuple[Any, str]], threshold: int = DEFAULT_THRESHOLD) -> list[list[Any]]:
    """Convenience for callers holding (id, phash) pairs: groups of ids."""
    rows = list(pairs)
    return [[rows[p][0] for p in g] for g in group_hashes([h for _, h in rows], threshold)]
