"""How fast is the gallery at 100,000 images for one user (1,000,000 image rows across users)?

Run from the repo root:
    .venv/bin/python benchmarks/gallery.py                      # SQLite file (default)
    .venv/bin/python benchmarks/gallery.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
Options: --images N (the measured user's images, default 100,000), --total N (rows across all users,
default 1,000,000), --samples N (timed requests per case, default 40), --keep (leave the database for EXPLAIN work).

Seeds realistic rows in bulk (COPY on PostgreSQL, executemany batches on SQLite; the search index is
filled by its triggers, as in production): prompts built from subjects, styles and settings, 1-4 tags per
image from a long-tailed vocabulary (ImageTag rows), ~6% favourites, ~30% rated, several models (offline
and fal), 10 projects, three years of dates, other users' rows interleaved in time. Then, in process
through Django's test client (middleware, session, view, template — no network), it times:

  first page       GET /images/                                 (grid view, with the result count)
  deep page        GET /images/?cursor=… at ~90 % depth         (the infinite-scroll request)
  filtered page    GET /images/?model=…&tags=…&favourite=1      (with the result count)
  full-text search GET /images/?q=…                             (with the result count)
  API list         GET /api/images?limit=40                     (bearer token)

For each: p50/p95 server time, the raw SQL time of the same queries (each query the request ran,
re-executed on a plain cursor) and their ratio, queries per request (first page vs deep page must be
equal), and bytes of HTML/JSON. Goals: p95 < 50 ms, ratio <= 3. Then the other pages such a user opens
(dashboard, explore, projects, a project, trash, duplicates, the storage panel, privacy settings), timed the
same way, so a page that counts or scans a whole library shows up here. Everything it made (database, temp dir)
is removed at the end. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Stack, make_user, percentile, terminate_on_signals

SUBJECTS = [
    "a lighthouse on a cliff",
    "a red fox in the snow",
    "an astronaut riding a horse",
    "a bowl of ramen",
    "a cyberpunk street market",
    "an old fisherman",
    "a cat wearing a tiny crown",
    "a mountain lake",
    "a Victorian greenhouse",
    "a koi pond",
    "a desert caravan",
    "a portrait of a young woman",
    "a steam locomotive",
    "a treehouse village",
    "a jellyfish swarm",
    "a samurai under cherry blossoms",
    "a cozy reading nook",
    "a floating island",
    "a robot gardener",
    "a medieval castle",
    "a sports car",
    "a hummingbird",
    "a city skyline",
    "a wizard's library",
    "an abandoned amusement park",
    "a sailboat",
]
STYLES = [
    "oil painting",
    "watercolor",
    "photorealistic",
    "35mm film photo",
    "studio ghibli style",
    "isometric",
    "low poly",
    "art nouveau",
    "ukiyo-e woodblock",
    "pixel art",
    "cinematic lighting",
    "charcoal sketch",
    "vaporwave",
    "baroque",
    "macro photography",
    "concept art",
    "claymation",
    "line art",
    "matte painting",
]
SETTINGS = [
    "at dusk",
    "in heavy rain",
    "at golden hour",
    "under a full moon",
    "in the fog",
    "at sunrise",
    "in winter",
    "on a summer afternoon",
    "at night with neon lights",
    "during a thunderstorm",
]
EXTRAS = [
    "highly detailed",
    "8k",
    "soft focus",
    "dramatic shadows",
    "pastel colors",
    "wide angle",
    "bokeh",
    "volumetric light",
    "muted palette",
    "vivid colors",
    "symmetrical composition",
    "trending on artstation",
]
NEGATIVES = ["blurry", "low quality", "watermark", "extra fingers", "jpeg artifacts", "text", "deformed"]
TAG_VOCAB = [
    "landscape",
    "portrait",
    "night",
    "city",
    "animals",
    "food",
    "fantasy",
    "scifi",
    "architecture",
    "nature",
    "water",
    "winter",
    "cozy",
    "moody",
    "bright",
    "vintage",
    "neon",
    "minimal",
    "abstract",
    "character",
    "vehicle",
    "interior",
    "space",
    "ocean",
    "forest",
    "desert",
    "mountain",
    "flowers",
    "robot",
    "castle",
    "client-a",
    "client-b",
    "wip",
    "final",
    "print",
    "social",
    "poster",
    "cover",
    "concept",
    "reference",
] + [f"series-{i}" for i in range(60)]
SIZES = [(1024, 1024), (1216, 832), (832, 1216), (1344, 768), (768, 1344), (512, 512), (1536, 1024)]
FORMATS = ["png", "png", "png", "jpeg", "webp"]
PAGE = 40
BATCH = 10_000


def prompt(rng: random.Random) -> str:
    parts = [rng.choice(SUBJECTS), rng.choice(STYLES), rng.choice(SETTINGS)]
    parts += rng.sample(EXTRAS, rng.randint(1, 4))
    return ", ".join(parts)


def tags_for(rng: random.Random) -> list[str]:
    # Long-tailed: the first tags of the vocabulary are far more common.
    count = rng.choice((1, 1, 2, 2, 2, 3, 4))
    chosen: list[str] = []
    while len(chosen) < count:
        tag = TAG_VOCAB[min(int(rng.paretovariate(1.1)) - 1, len(TAG_VOCAB) - 1)]
        if tag not in chosen:
            chosen.append(tag)
    return chosen


# -- seeding ---------------------------------------------------------------------------------------


def seed_rows(main_user, others: list, images: int, total: int, rng: random.Random) -> dict:
    """Insert `total` image rows (`images` of them the main user's) and their tag rows, in bulk."""
    from django.db import connection, transaction

    from imagestudio.catalog.models import AIModel
    from imagestudio.gallery.models import Image
    from imagestudio.projects.models import Project
    from imagestudio.workspaces.services import personal_workspace

    models = list(AIModel.objects.all())
    workspace = personal_workspace(main_user)
    projects = [Project.objects.create(workspace=workspace, user=main_user, name=f"Project {i}") for i in range(10)]
    Project.objects.filter(pk=projects[3].pk).update(is_public=True)  # its ~3,000 images show on explore
    pg = connection.vendor == "postgresql"

    fields = [f for f in Image._meta.concrete_fields]
    columns = [f.column for f in fields]
    constants: dict = {}
    for f in fields:
        if f.has_default() or f.null:
            default = f.get_default()
            if isinstance(default, (dict, list)):
                default = json.dumps(default)
            elif isinstance(default, bool) and not pg:
                default = int(default)
            constants[f.column] = default
        elif f.get_internal_type() in ("CharField", "TextField", "FileField", "SlugField"):
            constants[f.column] = ""
    as_id = (lambda u: u) if pg else (lambda u: u.hex if u is not None else None)
    as_time = (lambda d: d) if pg else (lambda d: d.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "))
    as_bool = (lambda b: b) if pg else (lambda b: int(b))

    end = datetime(2025, 6, 1, tzinfo=UTC)
    span = 3 * 365 * 24 * 3600
    owners = [main_user] * images + [others[i % len(others)] for i in range(total - images)]
    rng.shuffle(owners)  # the main user's rows interleave with everyone else's in time
    chosen = {"model": None, "tag": None}
    tag_rows: list[tuple] = []
    image_rows: list[tuple] = []

    def flush_images() -> None:
        if not image_rows:
            return
        with connection.cursor() as cursor:
            if pg:
                with cursor.cursor.copy(f"COPY images ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in image_rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO images ({', '.join(columns)}) VALUES ({marks})", image_rows)  # noqa: S608
        image_rows.clear()

    def flush_tags() -> None:
        if not tag_rows:
            return
        with connection.cursor() as cursor:
            if pg:
                with cursor.cursor.copy("COPY image_tags (image_id, user_id, name) FROM STDIN") as copy:
                    for row in tag_rows:
                        copy.write_row(row)
            else:
                cursor.executemany("INSERT INTO image_tags (image_id, user_id, name) VALUES (%s, %s, %s)", tag_rows)
        tag_rows.clear()

    started = time.monotonic()
    for n, owner in enumerate(owners):
        width, height = rng.choice(SIZES)
        model = rng.choice(models)
        tags = tags_for(rng)
        created = end - timedelta(seconds=span * n / total + rng.random())
        image_id = uuid.uuid4()
        mine = owner is main_user
        values = dict(constants)
        values.update(
            id=as_id(image_id),
            user_id=as_id(owner.pk),
            project_id=as_id(rng.choice(projects).pk) if mine and rng.random() < 0.3 else None,
            file=f"originals/bench/{image_id.hex}.png",
            thumbnail=f"thumbs/bench/{image_id.hex}.webp",
            width=width,
            height=height,
            file_size=rng.randint(200_000, 3_000_000),
            format=rng.choice(FORMATS),
            prompt=prompt(rng),
            negative_prompt=", ".join(rng.sample(NEGATIVES, rng.randint(0, 3))),
            model_id=as_id(model.pk),
            seed=rng.randint(0, 2**32 - 1),
            is_favorite=as_bool(rng.random() < 0.06),
            is_public=as_bool(rng.random() < 0.002),  # for the explore page: a few published one by one
            rating=rng.choice((None,) * 7 + (1, 2, 3, 4, 5, 5)),
            tags=json.dumps(tags),
            title=rng.choice(SUBJECTS).capitalize() if rng.random() < 0.1 else "",
            notes="client liked this one" if rng.random() < 0.02 else "",
            created_at=as_time(created),
            deleted_at=as_time(created + timedelta(days=1)) if rng.random() < 0.005 else None,  # a trash to list
            updated_at=as_time(created),
        )
        image_rows.append(tuple(values[c] for c in columns))
        for tag in tags:
            tag_rows.append((as_id(image_id), as_id(owner.pk), tag))
        if mine and chosen["model"] is None and n > images // 2:
            chosen.update(model=model.name, tag=tags[0])
        if len(image_rows) >= BATCH:
            with transaction.atomic():
                flush_images()
                flush_tags()
            if (n + 1) % 100_000 == 0:
                print(f"  … {n + 1:,} rows ({time.monotonic() - started:.0f} s)", flush=True)
    with transaction.atomic():
        flush_images()
        flush_tags()
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: statistics, and on PostgreSQL the visibility map too, without
        # which no count can be answered from an index alone (index-only scans).
        cursor.execute("VACUUM ANALYZE" if pg else "ANALYZE")
    print(f"  seeded {total:,} images in {time.monotonic() - started:.0f} s", flush=True)
    chosen["project"] = projects[3]
    return chosen


def reuse_rows() -> tuple:
    """The main user, a new API token and the filter's choices in a database kept by an earlier --keep run."""
    from django.contrib.auth import get_user_model

    from imagestudio.accounts.services import issue_token
    from imagestudio.gallery.models import Image, ImageTag
    from imagestudio.projects.models import Project

    main_user = get_user_model().objects.get(email="bench-main@example.com")
    mine = Image.objects.filter(user=main_user).order_by("-created_at", "-id")
    half = mine.count() // 2  # set-up only
    middle = mine[half : half + 1].get()
    tag = ImageTag.objects.filter(image=middle).values_list("name", flat=True).first()
    chosen = {"model": middle.model.name, "tag": tag, "project": Project.objects.get(name="Project 3")}
    return main_user, issue_token(main_user), chosen


# -- timing ----------------------------------------------------------------------------------------


def raw_time(captured: list[dict]) -> float:
    """Seconds to run the request's queries again on a plain cursor (fetching every row)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # reads only: a page's writes (session, cache) and its transaction statements aside
            cursor.execute(sql, query.get("params") or ())
            if cursor.description:
                cursor.fetchall()
    return time.perf_counter() - started


class Captured:
    """Like CaptureQueriesContext, keeping each query's SQL with its parameters (to run it again)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.queries: list[dict] = []

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)

    def _record(self, execute, sql, params, many, context):
        self.queries.append({"sql": sql, "params": params})
        return execute(sql, params, many, context)


def measure(label: str, get, samples: int) -> dict:
    from django.db import connection

    for _ in range(3):
        get()  # warm-up
    server, raw, counts, sizes = [], [], [], []
    slowest: dict[str, float] = {}
    for _ in range(samples):
        with Captured(connection) as captured:
            started = time.perf_counter()
            response = get()
            server.append(time.perf_counter() - started)
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
        raw.append(raw_time(captured.queries))
        for query in captured.queries:
            one = raw_time([query])
            key = " ".join(query["sql"].split())[:90]
            slowest[key] = max(slowest.get(key, 0.0), one)
        counts.append(len(captured.queries))
        sizes.append(len(response.content))
    return {
        "label": label,
        "p50": percentile(server, 50),
        "p95": percentile(server, 95),
        "raw50": percentile(raw, 50),
        "raw95": percentile(raw, 95),
        "ratio": statistics.median(server) / max(statistics.median(raw), 1e-9),
        "queries": max(counts),
        "bytes": statistics.median(sizes),
        "slowest": max(slowest.items(), key=lambda kv: kv[1]) if slowest else ("", 0.0),
    }


def deep_cursor(user, fraction: float) -> str:
    from imagestudio.gallery.filters import filtered_images, parse_filters
    from imagestudio.gallery.selectors import encode_cursor, key_values

    images = filtered_images(user, parse_filters({}))
    depth = int(images.count() * fraction)
    row = images[depth : depth + 1].get()  # set-up only: the timed requests never use OFFSET
    return encode_cursor("newest", key_values(row, "newest"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--others", type=int, default=9, help="other users sharing the rest of the rows")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database (for EXPLAIN work); prints where")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a kept database again, without seeding: --reuse --database-url <the URL a --keep run printed>",
    )
    args = parser.parse_args()
    terminate_on_signals()
    if args.reuse and not (args.database_url.startswith("sqlite:///") or "/imagestudio_bench_" in args.database_url):
        parser.error(
            "--reuse needs the --database-url a --keep run printed (sqlite:////…/bench.sqlite3 or …/imagestudio_bench_…)"
        )
    stack = Stack("gallery", database_url=args.database_url, keep=args.keep or args.reuse)
    try:
        stack.setup_django()
        run(stack, args)
    finally:
        stack.close()


def run(stack: Stack, args) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    api_path = reverse("api:images_browse")

    rng = random.Random(8)
    print(
        f"== gallery benchmark on {stack.database_label}: {args.images:,} images for one user, "
        f"{args.total:,} rows across {args.others + 1} users",
        flush=True,
    )
    if args.reuse:
        main_user, token, chosen = reuse_rows()
    else:
        main_user, token = make_user("bench-main@example.com", token=True)
        others = [make_user(f"bench-other{i}@example.com") for i in range(args.others)]
        chosen = seed_rows(main_user, others, args.images, args.total, rng)

    browser = Client()
    browser.force_login(main_user)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    list_url = reverse("image_list")
    cursor = deep_cursor(main_user, 0.9)
    filtered = {"model": chosen["model"], "tags": chosen["tag"], "favourite": "1"}
    cases = [
        ("first page", lambda: browser.get(list_url)),
        ("deep page (cursor, 90%)", lambda: browser.get(list_url, {"cursor": cursor}, headers={"HX-Request": "true"})),
        ("filtered (model+tag+fav)", lambda: browser.get(list_url, filtered)),
        ("full-text search", lambda: browser.get(list_url, {"q": "lighthouse fog"})),
        ("API list", lambda: api.get(api_path, {"limit": str(PAGE)})),
        ("count, all (async)", lambda: browser.get(list_url, {"count": "1"}, headers={"HX-Request": "true"})),
        ("count, filtered (async)", lambda: browser.get(list_url, {**filtered, "count": "1"})),
        ("count, search (async)", lambda: browser.get(list_url, {"q": "lighthouse fog", "count": "1"})),
    ]
    results = [measure(label, get, args.samples) for label, get in cases]
    project_url = reverse("project_detail", args=[chosen["project"].pk])
    pages = [  # the other pages a user with this library opens (no goal in the issue; the same p95 is the aim)
        ("dashboard", lambda: browser.get(reverse("dashboard"))),
        ("explore (public gallery)", lambda: Client().get(reverse("explore"))),
        ("projects list", lambda: browser.get(reverse("project_list"))),
        ("project page (~3,000 images)", lambda: browser.get(project_url)),
        ("trash", lambda: browser.get(reverse("trash"))),
        ("duplicates", lambda: browser.get(reverse("image_duplicates"))),
        ("storage panel (lazy)", lambda: browser.get(reverse("image_storage"))),
        ("privacy settings", lambda: browser.get(reverse("settings_privacy"))),
    ]
    others = [measure(label, get, max(10, args.samples // 4)) for label, get in pages]
    print(f"\n{'case':<27}{'p50':>9}{'p95':>9}{'raw p50':>10}{'raw p95':>10}{'ratio':>7}{'queries':>9}{'bytes':>10}")
    for r in results:
        print(
            f"{r['label']:<27}{r['p50'] * 1000:>7.1f}ms{r['p95'] * 1000:>7.1f}ms{r['raw50'] * 1000:>8.1f}ms"
            f"{r['raw95'] * 1000:>8.1f}ms{r['ratio']:>7.2f}{r['queries']:>9}{r['bytes']:>10,.0f}"
        )
    print(f"\nother pages at this scale{'':<16}{'p50':>9}{'p95':>9}{'raw p50':>10}{'queries':>9}{'bytes':>10}")
    for r in others:
        print(
            f"{r['label']:<41}{r['p50'] * 1000:>7.1f}ms{r['p95'] * 1000:>7.1f}ms{r['raw50'] * 1000:>8.1f}ms"
            f"{r['queries']:>9}{r['bytes']:>10,.0f}"
        )
    print("\nslowest query of each case (worst raw time):")
    for r in results + others:
        sql, seconds = r["slowest"]
        print(f"  {r['label']:<27}{seconds * 1000:>7.1f} ms  {sql}")
    first, deep = results[0], results[1]
    print(f"\nfilter used: {filtered}")
    print(
        f"queries: first page {first['queries']}, deep page {deep['queries']} (a further page runs the same queries "
        "at any depth; the first page also loads the filter bar's choices; its count comes in its own request)"
    )
    pages = [r for r in results if "count" not in r["label"]]
    worst = max(r["p95"] for r in pages)
    print(f"goal p95 < 50 ms: worst p95 {worst * 1000:.1f} ms -> {'meets goal' if worst < 0.05 else 'MISSES goal'}")
    worst_ratio = max(r["ratio"] for r in pages)
    print(f"goal ratio <= 3: worst ratio {worst_ratio:.2f} -> {'meets goal' if worst_ratio <= 3 else 'MISSES goal'}")


if __name__ == "__main__":
    main()
