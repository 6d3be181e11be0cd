"""Pages and list APIs run a fixed number of queries, whatever the number of jobs and images (no N+1).

Each check runs with 1 and with 20 of everything and asserts the same exact count both times, and that
the response really lists what was made (a page that shows nothing would query nothing). The first
request of a client warms it up (session, a bearer token's last-use stamp), so the counted request is a
steady-state one.

All jobs use one model: `generation.selectors.with_timings` reads one typical duration per distinct
model among the active jobs, so the queue page's count grows with the number of models in use (bounded
by the catalog, not by jobs).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from imagestudio.catalog.models import AIModel
from tests.factories import make_image, make_job

pytestmark = pytest.mark.django_db
STATUSES = ("queued", "running", "succeeded", "failed", "canceled")
JOB_TOKEN = re.compile(r"job\d\d(?:queued|running|succeeded|failed|canceled)")
IMAGE_TOKEN = re.compile(r"img\d\d")


def fill(user, n: int) -> None:
    """n jobs in each status, and n images (the outputs of the succeeded jobs)."""
    for i in range(n):
        for status in STATUSES:
            job = make_job(user=user, status=status, prompt=f"job{i:02d}{status}")
            if status == "succeeded":
                make_image(user=user, prompt=f"img{i:02d}", job=job, output_index=0)


def shown(pattern: re.Pattern, html: str) -> int:
    return len(set(pattern.findall(html)))


# path, queries, what the page lists for n of everything: (pattern, expected distinct items).
# Every full page includes one query for the sidebar's workspace menu, one for its project drop targets and
# one for the user's settings (language, time zone, theme, shortcuts; read once per request).
PAGES = [
    # counts, the month's spending, models for quick generate, the 6 newest jobs (+ their images), favourites,
    # projects, activity, the checklist's milestones
    # (the image counts are three index reads and a trash aggregate; favourites are read like the gallery:
    # the user's team workspaces, then one query; the 30-day chart is one read of the hourly totals)
    ("/dashboard/", 23, lambda n: (JOB_TOKEN, min(5 * n, 6))),
    (
        "/generate/",
        16,
        lambda n: (JOB_TOKEN, min(5 * n, 20)),
    ),  # recent job cards + the 20-job history + projects to save into
    ("/queue/", 13, lambda n: (JOB_TOKEN, 2 * n + min(3 * n, 30))),  # every active job + 30 finished; paused?
    # the first page of 40 (after asking for the user's teams, where other people's images could be), the
    # filter bar's choices (models, projects) and the selection bar's collections
    ("/images/", 12, lambda n: (IMAGE_TOKEN, min(n, 40))),
]


@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize(("path", "queries", "listing"), PAGES, ids=[page[0] for page in PAGES])
def test_pages_run_a_fixed_number_of_queries(
    alice, alice_browser, django_assert_num_queries, n, path, queries, listing
):
    fill(alice, n)
    alice_browser.get(path)
    with django_assert_num_queries(queries):
        response = alice_browser.get(path)
    assert response.status_code == 200
    pattern, expected = listing(n)
    assert shown(pattern, response.content.decode()) == expected


# path, queries, items listed for n of everything
APIS = [
    ("/api/generate/queue", 4, lambda n: min(5 * n, 50)),  # token, jobs, their images (prefetched), paused?
    ("/api/generate/history", 3, lambda n: min(3 * n, 50)),
    ("/api/images", 3, lambda n: min(n, 40)),  # token, the user's teams, images joined to their model
]


@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize(("path", "queries", "items"), APIS, ids=[api[0] for api in APIS])
def test_list_apis_run_a_fixed_number_of_queries(alice, alice_api, django_assert_num_queries, n, path, queries, items):
    fill(alice, n)
    alice_api.get(path)
    with django_assert_num_queries(queries):
        response = alice_api.get(path)
    assert response.status_code == 200
    assert len(response.json()["items"]) == items(n)


@pytest.mark.parametrize("active", [1, 20])
def test_the_models_api_runs_one_query_for_any_number_of_models(catalog, django_assert_num_queries, active):
    keep = list(AIModel.objects.active().order_by("endpoint_id").values_list("pk", flat=True)[:active])
    assert len(keep) == active
    AIModel.objects.exclude(pk__in=keep).update(is_active=False)
    with django_assert_num_queries(1):
        response = Client().get("/api/models")
    assert response.status_code == 200 and len(response.json()) == active
