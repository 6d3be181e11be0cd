"""Browsing the gallery: every filter and sort (ties across pages by cursor), full-text and seed search,
bad values (422 in the API, a message on the page), the remembered view, constant queries per page, and
nobody else's images."""

from __future__ import annotations

import itertools
import sys
import types
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imagestudio.catalog.models import AIModel
from imagestudio.gallery.filters import FilterError, filtered_images, parse_filters
from imagestudio.gallery.models import Image, ImageTag
from imagestudio.gallery.selectors import browse_count, browse_page, decode_cursor, encode_cursor
from imagestudio.preferences.models import UserSettings
from imagestudio.projects.models import Project
from imagestudio.workspaces.services import personal_workspace

pytestmark = [pytest.mark.django_db]
_n = itertools.count()
BASE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def api_url(name: str) -> str:
    return reverse(f"api:{name}")


def img(user, *, tags: tuple[str, ...] = (), created: datetime | None = None, **fields) -> Image:
    """An image row written directly (no files needed to browse), with its ImageTag rows."""
    n = next(_n)
    fields.setdefault("width", 512)
    fields.setdefault("height", 512)
    fields.setdefault("format", "png")
    fields.setdefault("prompt", f"picture {n}")
    image = Image.objects.create(user=user, file=f"originals/t{n}.png", tags=list(tags), **fields)
    Image.objects.filter(pk=image.pk).update(created_at=created or BASE - timedelta(minutes=n))
    ImageTag.objects.bulk_create([ImageTag(image=image, user=user, name=t) for t in tags])
    image.refresh_from_db()
    return image


def ids(images) -> list:
    return [image.pk for image in images]


def shown(user, **params) -> set:
    return set(ids(filtered_images(user, parse_filters(params))))


# -- filters ---------------------------------------------------------------------------------------


def test_date_range_filter_includes_both_days_whole(alice):
    before = img(alice, created=datetime(2025, 1, 31, 23, 59, tzinfo=UTC))
    first = img(alice, created=datetime(2025, 2, 1, 0, 0, tzinfo=UTC))
    last = img(alice, created=datetime(2025, 2, 3, 23, 59, tzinfo=UTC))
    after = img(alice, created=datetime(2025, 2, 4, 0, 0, tzinfo=UTC))
    assert shown(alice, date_from="2025-02-01", date_to="2025-02-03") == {first.pk, last.pk}
    assert shown(alice, date_from="2025-02-04") == {after.pk}
    assert shown(alice, date_to="2025-01-31") == {before.pk}


def test_model_and_provider_filters(alice):
    offline = AIModel.objects.filter(provider="offline").first()
    fal = AIModel.objects.filter(provider="fal").first()
    a = img(alice, model=offline)
    b = img(alice, model=fal)
    img(alice)  # no model (imported)
    assert shown(alice, model=offline.name) == {a.pk}
    assert shown(alice, model=fal.endpoint_id) == {b.pk}
    assert shown(alice, provider="offline") == {a.pk}
    assert shown(alice, provider="fal") == {b.pk}
    assert shown(alice, model="no-such-model") == set()


def test_project_filter_and_images_outside_projects(alice):
    project = Project.objects.create(workspace=personal_workspace(alice), user=alice, name="Posters")
    inside = img(alice, project=project)
    outside = img(alice)
    assert shown(alice, project=str(project.pk)) == {inside.pk}
    assert shown(alice, project="none") == {outside.pk}


def test_collection_filter(alice, monkeypatch):
    chosen = img(alice)
    img(alice)
    if apps.is_installed("imagestudio.collections"):
        from imagestudio.collections.models import Collection, CollectionImage

        collection = Collection.objects.create(workspace=personal_workspace(alice), created_by=alice, name="Best")
        CollectionImage.objects.create(collection=collection, image=chosen, position=1)
        collection_id = collection.pk
    else:  # until the collections app is installed: its `image_ids_in` hook, stood in for
        collection_id = uuid.uuid4()
        selectors = types.ModuleType("imagestudio.collections.selectors")
        selectors.image_ids_in = lambda cid: Image.objects.filter(pk=chosen.pk).values("id")  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "imagestudio.collections.selectors", selectors)
        monkeypatch.setattr(apps, "is_installed", lambda name: True)
        monkeypatch.delattr("imagestudio.workspaces.access.collections_visible_to", raising=False)
    assert shown(alice, collection=str(collection_id)) == {chosen.pk}


def test_tags_filter_needs_every_tag(alice):
    both = img(alice, tags=("night", "city"))
    img(alice, tags=("night",))
    img(alice, tags=("city", "rain"))
    assert shown(alice, tags=["night", "city"]) == {both.pk}
    assert shown(alice, tags="Night, CITY") == {both.pk}  # comma-separated, any case
    assert len(shown(alice, tags="night")) == 2


def test_favourite_and_rating_filters(alice):
    fav = img(alice, is_favorite=True, rating=5)
    three = img(alice, rating=3)
    unrated = img(alice)
    assert shown(alice, favourite="1") == {fav.pk}
    assert shown(alice, favorite="true") == {fav.pk}
    assert shown(alice, favourite="0") == {three.pk, unrated.pk}
    assert shown(alice, rating_min="3") == {fav.pk, three.pk}
    assert shown(alice, rating_min="4") == {fav.pk}


def test_aspect_resolution_and_format_filters(alice):
    wide = img(alice, width=1024, height=512, format="jpeg")
    tall = img(alice, width=512, height=1024, format="webp")
    square = img(alice, width=768, height=768)
    assert shown(alice, aspect="landscape") == {wide.pk}
    assert shown(alice, aspect="portrait") == {tall.pk}
    assert shown(alice, aspect="square") == {square.pk}
    assert shown(alice, min_width="768") == {wide.pk, square.pk}
    assert shown(alice, min_height="1000") == {tall.pk}
    assert shown(alice, format="jpg") == {wide.pk}
    assert shown(alice, format="webp") == {tall.pk}


def test_exact_seed_filter(alice):
    hit = img(alice, seed=1234567890123)
    img(alice, seed=1234567890124)
    assert shown(alice, seed="1234567890123") == {hit.pk}


# -- full-text search ------------------------------------------------------------------------------


def test_search_covers_prompt_negative_tags_title_and_notes(alice):
    by_prompt = img(alice, prompt="a lighthouse on a cliff at dusk")
    by_negative = img(alice, prompt="portrait", negative_prompt="blurry watermark")
    by_tag = img(alice, prompt="something", tags=("seascape",))
    by_title = img(alice, prompt="x", title="Harbour study")
    by_notes = img(alice, prompt="y", notes="client liked the teal version")
    assert shown(alice, q="lighthouses") == {by_prompt.pk}  # stemmed
    assert shown(alice, q="watermark") == {by_negative.pk}
    assert shown(alice, q="seascape") == {by_tag.pk}
    assert shown(alice, q="harbour") == {by_title.pk}
    assert shown(alice, q="teal client") == {by_notes.pk}
    assert shown(alice, q="lighthouse teal") == set()  # every word must match


def test_search_index_follows_updates_and_deletes(alice):
    image = img(alice, prompt="an orange fox")
    assert shown(alice, q="fox") == {image.pk}
    Image.objects.filter(pk=image.pk).update(prompt="a grey wolf", tags=["forest"])
    assert shown(alice, q="fox") == set()
    assert shown(alice, q="wolf") == {image.pk}
    assert shown(alice, q="forest") == {image.pk}
    image.title = "Moonlit"
    image.save()
    assert shown(alice, q="moonlit") == {image.pk}
    Image.objects.filter(pk=image.pk).delete()
    assert shown(alice, q="wolf") == set()


def test_a_search_index_whose_rowids_drifted_is_rebuilt(alice):
    """SQLite's FTS rows are keyed by the images' rowids; PostgreSQL keeps its vector in the row itself."""
    from imagestudio.gallery import search

    fox, owl = img(alice, prompt="an orange fox"), img(alice, prompt="a snowy owl")
    assert search.repair_index() is False  # in step (and always on PostgreSQL): nothing to do
    if connection.vendor != "sqlite":
        assert shown(alice, q="fox") == {fox.pk}
        return
    with connection.cursor() as cursor:  # what a VACUUM renumbering the images' rowids amounts to
        cursor.execute("SELECT rowid FROM images WHERE id = %s", [fox.pk.hex])
        fox_rowid = cursor.fetchone()[0]
        cursor.execute("SELECT rowid FROM images WHERE id = %s", [owl.pk.hex])
        owl_rowid = cursor.fetchone()[0]
        cursor.execute("UPDATE images_fts SET rowid = -1 WHERE rowid = %s", [fox_rowid])
        cursor.execute("UPDATE images_fts SET rowid = %s WHERE rowid = %s", [fox_rowid, owl_rowid])
        cursor.execute("UPDATE images_fts SET rowid = %s WHERE rowid = -1", [owl_rowid])
    assert shown(alice, q="fox") == {owl.pk}  # wrong, as a drifted index would answer

    assert search.repair_index() is True
    assert shown(alice, q="fox") == {fox.pk} and shown(alice, q="owl") == {owl.pk}
    assert search.repair_index() is False


def test_search_counts_and_pages_own_and_team_matches_and_follows_a_change_of_owner(alice, bob):
    """The user's own part searches only their text (SQLite: the FTS owner token); a team project's images
    are searched without it. Moving an image to another owner moves its match with it."""
    from imagestudio.workspaces.models import Role
    from imagestudio.workspaces.services import create_team, set_member

    team = create_team(bob, "Studio")
    set_member(team, alice, Role.VIEWER)
    own_fox = img(alice, prompt="an orange fox")
    team_fox = img(bob, project=Project.objects.create(workspace=team, user=bob, name="Team"), prompt="a fox")
    img(bob, prompt="a fox of bob's own")
    img(alice, prompt="a snowy owl")
    fox = parse_filters({"q": "fox"})
    assert set(ids(browse_page(alice, fox).items)) == {own_fox.pk, team_fox.pk}
    assert browse_count(alice, fox) == (2, False)
    assert browse_count(bob, fox) == (2, False)  # bob's own fox and the team's
    Image.objects.filter(pk=own_fox.pk).update(user=bob)
    assert set(ids(browse_page(alice, fox).items)) == {team_fox.pk}
    assert browse_count(alice, fox) == (1, False)
    assert browse_count(bob, fox) == (3, False)


def test_search_never_matches_an_owners_id(alice, bob):
    img(alice, prompt="an orange fox")
    img(bob, prompt="a snowy owl")
    for user in (alice, bob):
        for q in (user.pk.hex, f"u{user.pk.hex}x", f"u{user.pk.hex[:4]}", "owner"):
            assert shown(alice, q=q) == set(), q
            assert browse_count(alice, parse_filters({"q": q})) == (0, False), q


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_sqlite_search_count_starts_from_the_matches_and_the_page_from_the_time_index(alice):
    """A count reads the user's matches by rowid (cost: what they have); a page walks the user's images newest
    first and checks each against the matches (cost: as many rows as it takes to fill the page)."""
    from imagestudio.gallery.selectors import visible_parts

    img(alice, prompt="an orange fox")
    fox = parse_filters({"q": "fox"})
    counted = visible_parts(alice, fox, counting=True)[0].order_by()[:10_001]
    paged = visible_parts(alice, fox)[0][:41]
    if connection.vendor != "sqlite":  # PostgreSQL's planner weighs its (user, text) GIN index by itself
        assert counted.count() == paged.count() == 1
        return
    assert "rowid=?" in _plan(counted)  # each match looked up by its rowid
    assert "images_user_created" in _plan(paged)
    assert "rowid=?" not in _plan(paged)


def _search_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'images'")
        return {name: definition for name, definition in cursor.fetchall() if "search_vector" in definition}


def test_postgres_search_index_is_keyed_by_user(alice, bob):
    """One person's search reads their matches only: GIN over (user_id, search_vector), nothing else."""
    from imagestudio.gallery import search

    fox = img(alice, prompt="an orange fox")
    img(bob, prompt="an orange fox")
    assert shown(alice, q="fox") == {fox.pk}
    if connection.vendor != "postgresql":  # SQLite searches its FTS5 table: the migration leaves it alone
        assert search.install_owner_index(types.SimpleNamespace(connection=connection)) is False
        return
    indexes = _search_indexes()
    assert list(indexes) == ["images_user_search_gin"]
    assert "USING gin (user_id, search_vector)" in indexes["images_user_search_gin"]


def test_without_btree_gin_the_search_keeps_its_text_index():
    """Where the extension cannot be created, the migration goes on and nothing is dropped."""
    from django.db import DatabaseError

    from imagestudio.gallery import search

    ran: list[str] = []

    def execute(statement: str) -> None:
        ran.append(statement)
        if statement == search.PG_OWNER_EXTENSION:
            raise DatabaseError('permission denied to create extension "btree_gin"')

    editor = types.SimpleNamespace(connection=connection, execute=execute)
    if connection.vendor != "postgresql":
        assert search.install_owner_index(editor) is False and ran == []
        return
    assert search.install_owner_index(editor) is False
    assert ran == [search.PG_OWNER_EXTENSION]  # no index dropped or made
    assert list(_search_indexes()) == ["images_user_search_gin"]


def test_search_text_with_query_syntax_characters_is_safe(alice):
    image = img(alice, prompt='a "quoted" cat (with parens)')
    for q in ['"quoted', "cat*", "(parens", "AND OR NOT", "-cat", "cat:", "'"]:
        filtered = filtered_images(alice, parse_filters({"q": q}))
        list(filtered)  # never a database error
    assert shown(alice, q='"quoted" cat') == {image.pk}


def test_search_api_and_list_api_answer_alike(alice_api, alice):
    hit = img(alice, prompt="a red bicycle")
    img(alice, prompt="a blue car")
    listed = alice_api.get(api_url("images_browse"), {"q": "bicycle"}).json()
    searched = alice_api.get(api_url("images_search"), {"q": "bicycle"}).json()
    assert [item["id"] for item in listed["items"]] == [str(hit.pk)]
    assert searched == listed
    by_seed = img(alice, seed=42)
    response = alice_api.get(api_url("images_search"), {"seed": "42"})
    assert [item["id"] for item in response.json()["items"]] == [str(by_seed.pk)]
    empty = alice_api.get(api_url("images_search"))
    assert empty.status_code == 422
    assert empty.json()["field"] == "q"


# -- sorts and cursors -----------------------------------------------------------------------------


def walk(user, limit: int = 2, **params) -> list:
    """Every page of a sort, following next_cursor."""
    filters = parse_filters(params)
    seen, cursor = [], None
    for _ in range(100):
        page = browse_page(user, filters, cursor, limit)
        seen += ids(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("pagination never ended")


def test_newest_and_oldest_sorts_with_equal_times_page_by_id(alice):
    same = BASE
    images = [img(alice, created=same) for _ in range(4)] + [img(alice, created=same - timedelta(days=1))]
    newest = sorted(images, key=lambda i: (i.created_at, i.pk.hex), reverse=True)
    assert walk(alice, sort="newest") == ids(newest)
    assert walk(alice, sort="oldest") == ids(reversed(newest))


def test_rating_sort_puts_unrated_last_and_pages_through_ties(alice):
    images = [img(alice, rating=r, created=BASE) for r in (5, 3, 5, None, 3, None, 5)]
    # Equal rating and time: the higher id first (descending, like the time).
    expected = []
    for rating in (5, 3, None):
        group = [i for i in images if i.rating == rating]
        expected += sorted(group, key=lambda i: i.pk.hex, reverse=True)
    assert walk(alice, limit=2, sort="rating") == ids(expected)
    assert walk(alice, limit=3, sort="rating") == ids(expected)


def test_name_sort_uses_title_then_prompt_and_pages_through_ties(alice):
    images = [
        img(alice, title="Zebra", prompt="aaa"),
        img(alice, prompt="banana split"),
        img(alice, prompt="Banana split"),
        img(alice, title="apple", prompt="zzz"),
        img(alice, prompt="banana split"),
    ]
    expected = sorted(images, key=lambda i: ((i.title or i.prompt).lower(), i.pk.hex))
    assert walk(alice, limit=2, sort="name") == ids(expected)


def test_model_sort_groups_by_model_name_with_unmodelled_last(alice):
    models = list(AIModel.objects.order_by("display_name")[:2])
    images = [img(alice, model=models[i % 2], created=BASE) for i in range(5)] + [img(alice), img(alice)]
    key = {m.pk: m.display_name.lower() for m in models}
    expected = []
    for name in sorted(set(key.values())):
        group = [i for i in images if i.model_id and key[i.model_id] == name]
        expected += sorted(group, key=lambda i: (i.created_at, i.pk.hex), reverse=True)
    nomodel = [i for i in images if i.model_id is None]
    expected += sorted(nomodel, key=lambda i: (i.created_at, i.pk.hex), reverse=True)
    assert walk(alice, limit=2, sort="model") == ids(expected)


def test_cursor_keeps_filters_and_jump_to_date_continues_from_that_day(alice):
    march = [img(alice, created=datetime(2025, 3, d, 9, tzinfo=UTC), is_favorite=True) for d in (20, 10, 2)]
    img(alice, created=datetime(2025, 3, 15, tzinfo=UTC))  # not a favourite
    feb = img(alice, created=datetime(2025, 2, 27, tzinfo=UTC), is_favorite=True)
    assert walk(alice, limit=1, favourite="1") == ids([*march, feb])
    page = browse_page(alice, parse_filters({"favourite": "1"}), None, 10, jump=date(2025, 3, 10))
    assert ids(page.items) == ids([march[1], march[2], feb])
    oldest = browse_page(alice, parse_filters({"sort": "oldest"}), None, 2, jump=date(2025, 3, 10))
    assert oldest.items[0].pk == march[1].pk


def test_a_cursor_from_another_sort_is_refused(alice_api, alice):
    for _ in range(3):
        img(alice)
    cursor = alice_api.get(api_url("images_browse"), {"limit": "1"}).json()["next_cursor"]
    wrong = alice_api.get(api_url("images_browse"), {"limit": "1", "sort": "rating", "cursor": cursor})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "cursor"
    forged = encode_cursor("rating", ["five", BASE, "x"])
    with pytest.raises(ValueError):
        decode_cursor(forged, "rating")


def test_api_pages_by_cursor_with_every_sort(alice_api, alice):
    for r in (1, 2, 2, None):
        img(alice, rating=r)
    for sort in ("newest", "oldest", "rating", "name", "model"):
        seen, cursor = [], None
        while True:
            params = {"limit": "1", "sort": sort} | ({"cursor": cursor} if cursor else {})
            body = alice_api.get(api_url("images_browse"), params).json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 4, sort


# -- bad values ------------------------------------------------------------------------------------


BAD = [
    ("rating_min", "7"),
    ("rating_min", "x"),
    ("date_from", "yesterday"),
    ("aspect", "round"),
    ("format", "bmp"),
    ("provider", "midjourney"),
    ("sort", "random"),
    ("min_width", "-5"),
    ("seed", "12ab"),
    ("project", "not-an-id"),
    ("favourite", "maybe"),
    ("limit", "1000"),
]


@pytest.mark.parametrize(("field", "value"), BAD)
def test_bad_filter_values_answer_422_with_the_field(alice_api, field, value):
    response = alice_api.get(api_url("images_browse"), {field: value})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["detail"]


def test_end_date_before_start_date_is_refused(alice_api):
    response = alice_api.get(api_url("images_browse"), {"date_from": "2025-03-02", "date_to": "2025-03-01"})
    assert response.status_code == 422
    assert response.json()["field"] == "date_to"
    with pytest.raises(FilterError):
        parse_filters({"tags": ",".join(f"t{i}" for i in range(11))})


def test_bad_filter_on_the_page_shows_a_message_not_a_500(alice_browser):
    response = alice_browser.get(reverse("image_list"), {"rating_min": "9"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="gallery-error"' in html
    assert "Minimum rating" in html
    assert "between 1 and 5" in html


# -- the page --------------------------------------------------------------------------------------


def test_result_count_is_capped(alice_browser, alice, monkeypatch):
    from imagestudio.gallery import selectors

    for _ in range(4):
        img(alice)
    monkeypatch.setattr(selectors.browse_count, "__defaults__", (3,))
    html = alice_browser.get(reverse("image_list"), {"count": "1"}).content.decode()
    assert "3+</span> images" in html


def test_view_preference_is_remembered(alice_browser, alice):
    img(alice)
    page = alice_browser.get(reverse("image_list"))
    assert 'data-view="grid"' in page.content.decode()
    alice_browser.get(reverse("image_list"), {"view": "list"})
    assert UserSettings.objects.get(user=alice).gallery_view_mode == "list"
    again = alice_browser.get(reverse("image_list")).content.decode()
    assert 'data-view="list"' in again
    assert 'data-testid="gallery-row"' in again
    assert "data-selectable" in again
    masonry = alice_browser.get(reverse("image_list"), {"view": "masonry"}).content.decode()
    assert 'data-view="masonry"' in masonry
    assert "data-drag-image" in masonry
    alice_browser.get(reverse("image_list"), {"view": "bogus"})
    assert UserSettings.objects.get(user=alice).gallery_view_mode == "masonry"


@pytest.mark.parametrize("view", ["grid", "list"])
def test_every_icon_a_list_references_is_defined_once_on_its_page(alice_browser, alice, view):
    """Tiles and rows draw their icons with <use href="#i-…">: the page must carry each symbol, once."""
    import re

    img(alice, rating=4, is_favorite=True, seed=5)
    html = alice_browser.get(reverse("image_list"), {"view": view}).content.decode()
    used = set(re.findall(r'<use href="#(i-[\w-]+)"', html))
    defined = re.findall(r'<symbol id="(i-[\w-]+)"', html)
    expected = {
        "grid": {"i-check", "i-info", "i-download", "i-zoom-in", "i-wand", "i-hash"},
        "list": {"i-check", "i-star", "i-heart"},
    }
    assert used == expected[view]
    assert used <= set(defined) and len(defined) == len(set(defined))


def test_page_filters_live_in_the_url_and_the_next_page_keeps_them(alice_browser, alice):
    for _ in range(45):
        img(alice, is_favorite=True, prompt="tower at night")
    img(alice, prompt="tower at night")
    html = alice_browser.get(reverse("image_list"), {"q": "tower", "favourite": "1"}).content.decode()
    count = alice_browser.get(reverse("image_list"), {"q": "tower", "favourite": "1", "count": "1"})
    assert "45</span> images match" in count.content.decode()
    assert "q=tower&amp;favourite=1&amp;count=1" in html  # the page asks for its count with its filters
    more = html.split('data-testid="load-more"')[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert "q=tower" in more
    assert "favourite=1" in more
    assert "cursor=" in more
    nxt = alice_browser.get(reverse("image_list") + more.replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert nxt.status_code == 200
    assert nxt.content.decode().count('data-testid="gallery-image"') == 5


# -- cost and privacy ------------------------------------------------------------------------------


def count_queries(client, url: str, params: dict) -> tuple[int, str]:
    client.get(url, params)  # warm-up (session, token stamp)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("view", ["grid", "masonry", "list"])
def test_page_runs_the_same_number_of_queries_for_1_and_30_images(alice_browser, alice, bob, view):
    model = AIModel.objects.first()
    project = Project.objects.create(workspace=personal_workspace(alice), user=alice, name="P")
    img(alice, model=model, tags=("a",), project=project)
    one, html = count_queries(alice_browser, reverse("image_list"), {"view": view, "sort": "model"})
    assert html.count('data-testid="gallery-image"') == 1
    for i in range(29):
        img(alice, model=model, tags=("a", f"t{i}"), project=project if i % 2 else None, rating=i % 5 + 1)
    thirty, html = count_queries(alice_browser, reverse("image_list"), {"view": view, "sort": "model"})
    assert html.count('data-testid="gallery-image"') == 30
    assert one == thirty


def test_api_runs_the_same_number_of_queries_for_1_and_30_images(alice_api, alice):
    img(alice, model=AIModel.objects.first(), tags=("x",))
    params = {"tags": "x", "q": "picture", "sort": "rating"}
    one, body = count_queries(alice_api, api_url("images_browse"), params)
    for _ in range(29):
        img(alice, model=AIModel.objects.first(), tags=("x",))
    thirty, body = count_queries(alice_api, api_url("images_browse"), params)
    assert body.count('"id"') >= 30
    assert one == thirty


def test_another_users_images_never_appear(alice_api, alice_browser, alice, bob):
    mine = img(alice, prompt="shared words", seed=7, tags=("common",))
    theirs = img(bob, prompt="shared words", seed=7, tags=("common",), is_favorite=True, rating=5)
    bob_project = Project.objects.create(workspace=personal_workspace(bob), user=bob, name="Bob's")
    in_bobs_project = img(bob, prompt="shared words", project=bob_project)
    for params in (
        {},
        {"q": "shared"},
        {"seed": "7"},
        {"tags": "common"},
        {"sort": "rating"},
        {"project": str(bob_project.pk)},
    ):
        body = alice_api.get(api_url("images_browse"), params).json()
        got = {item["id"] for item in body["items"]}
        assert str(theirs.pk) not in got and str(in_bobs_project.pk) not in got, params
    assert [i["id"] for i in alice_api.get(api_url("images_search"), {"q": "shared"}).json()["items"]] == [str(mine.pk)]
    html = alice_browser.get(reverse("image_list"), {"q": "shared"}).content.decode()
    assert str(mine.pk) in html
    assert str(theirs.pk) not in html
    assert str(in_bobs_project.pk) not in html


def test_deleted_images_are_not_browsed(alice):
    gone = img(alice, prompt="gone")
    Image.objects.filter(pk=gone.pk).update(deleted_at=BASE)
    assert shown(alice) == set()
    assert shown(alice, q="gone") == set()


def test_browsing_shows_exactly_what_the_access_module_allows(alice, bob):
    """Team projects' images (anyone's) appear; another team's, and others' loose images, never do."""
    from imagestudio.workspaces.access import images_visible_to
    from imagestudio.workspaces.models import Role
    from imagestudio.workspaces.services import create_team, set_member

    team = create_team(bob, "Studio")
    set_member(team, alice, Role.VIEWER)
    team_project = Project.objects.create(workspace=team, user=bob, name="Team work")
    other_team = create_team(bob, "Private")
    private_project = Project.objects.create(workspace=other_team, user=bob, name="Secret")
    mine = img(alice, rating=2)
    mine_in_project = img(
        alice, project=Project.objects.create(workspace=personal_workspace(alice), user=alice, name="Mine")
    )
    bobs_in_team = img(bob, project=team_project, rating=5)
    img(bob, project=private_project)
    img(bob)
    expected = {mine.pk, mine_in_project.pk, bobs_in_team.pk}
    assert set(images_visible_to(alice).values_list("pk", flat=True)) == expected
    for sort in ("newest", "oldest", "rating", "name", "model"):
        assert set(walk(alice, limit=1, sort=sort)) == expected, sort
    assert set(walk(alice, limit=2, rating_min="2")) == {mine.pk, bobs_in_team.pk}


def test_a_team_members_model_filter_looks_the_model_up_once(alice, bob):
    """Each part of a page (own images, team images below and above) filters by model: one catalog lookup."""
    from imagestudio.workspaces.models import Role
    from imagestudio.workspaces.services import create_team, set_member

    team = create_team(bob, "Studio")
    set_member(team, alice, Role.EDITOR)
    fal = AIModel.objects.filter(provider="fal").first()
    mine = img(alice, model=fal)
    bobs = img(bob, model=fal, project=Project.objects.create(workspace=team, user=bob, name="Team work"))
    img(bob, project=Project.objects.get(name="Team work"))  # another model
    filters = parse_filters({"model": fal.endpoint_id})
    with CaptureQueriesContext(connection) as ctx:
        page = browse_page(alice, filters)
    assert {image.pk for image in page.items} == {mine.pk, bobs.pk}
    lookups = [q["sql"] for q in ctx.captured_queries if 'FROM "models"' in q["sql"] and '"endpoint_id" =' in q["sql"]]
    assert len(lookups) == 1


# -- tiles and rows (Jinja2 templates drawn through {% image_tiles %} / {% image_rows %}) ---------------


HOSTILE = "<script>alert(1)</script> \"quoted\" & 'single'"


@pytest.mark.parametrize("view", ["grid", "masonry", "list"])
def test_every_view_escapes_prompts_and_titles(alice_browser, alice, view):
    img(alice, prompt=HOSTILE, title=f"{HOSTILE} title" if view == "list" else "")
    html = alice_browser.get("/images/", {"view": view}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;quoted&#34; &amp; &#39;single&#39;" in html


@pytest.mark.parametrize("view", ["grid", "masonry", "list"])
def test_only_the_first_image_of_a_page_loads_eagerly(alice_browser, alice, view):
    for _ in range(3):
        img(alice)
    html = alice_browser.get("/images/", {"view": view}).content.decode()
    assert html.count('fetchpriority="high"') == 1
    assert html.count('loading="lazy"') == 2


def test_list_rows_show_date_in_the_users_time_zone_size_and_rating(alice_browser, alice, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    img(alice, created=datetime(2025, 3, 10, 20, 30, tzinfo=UTC), rating=4, file_size=1_500_000, format="webp")
    html = alice_browser.get("/images/", {"view": "list"}).content.decode()
    assert '<time datetime="2025-03-11T05:30:00+09:00"' in html  # 20:30 UTC is the next morning in Tokyo
    assert "11 Mar 2025<span" in html and ">05:30</span>" in html
    assert "WEBP · 1.4\xa0MB" in html
    assert 'title="4 of 5 stars"' in html and html.count("fill-current text-amber-500") == 4


def test_a_result_tiles_variation_form_carries_the_csrf_token(alice):
    from django.template import Context, Template

    image = img(alice, seed=42)
    html = Template("{% load gallery_files %}{% image_tiles images seed='always' vary=True %}").render(
        Context({"images": [image], "csrf_token": "tok-123"})
    )
    assert f'action="/images/{image.pk}/vary/"' in html
    assert 'name="csrfmiddlewaretoken" value="tok-123"' in html
    assert 'data-testid="result-seed"' in html and ">42</span>" in html


def test_an_unknown_tile_option_is_a_template_error(alice):
    from django.template import Context, Template, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="justify"):
        Template("{% load gallery_files %}{% image_tiles images justify=True %}").render(Context({"images": []}))
