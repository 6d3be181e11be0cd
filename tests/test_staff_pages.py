"""The staff overview page at /staff/ and its model switch: who may open it, what it shows, and that the
switch really takes a model out of generation."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagestudio.accounts.models import User
from imagestudio.billing import services as billing
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError
from tests.factories import OFFLINE, enqueue_job, make_image, make_job, make_user

pytestmark = pytest.mark.django_db

OTHER = "offline/studio-turbo"


@pytest.fixture
def staff(catalog):
    user = make_user(email="staff@example.com", name="Sam Staff", credits=500)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def staff_browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def model(endpoint: str = OFFLINE) -> AIModel:
    return AIModel.objects.get(endpoint_id=endpoint)


def toggle_url(endpoint: str = OFFLINE) -> str:
    return f"/staff/models/{model(endpoint).pk}/toggle/"


class _TextOf(HTMLParser):
    """Collects the text inside the first element carrying data-testid=`testid`."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.depth, self.done, self.parts = testid, 0, False, []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.depth:
            self.depth += tag not in VOID
        elif not self.done and ("data-testid", self.testid) in attrs:
            self.depth = 1

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        pass  # <path … /> and the like: nothing opens, nothing closes

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            self.done = self.done or self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


VOID = {"img", "input", "br", "hr", "meta", "link", "source"}


def text_of(html: str, testid: str) -> str:
    """The text of the element with data-testid=`testid`, spaces collapsed."""
    parser = _TextOf(testid)
    parser.feed(html)
    assert parser.done, testid
    return " ".join(" ".join(parser.parts).split())


# --- who may open it --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(catalog):
    for method, path in (("get", "/staff/"), ("post", toggle_url())):
        response = getattr(Client(), method)(path)
        assert response.status_code == 302
        assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={path}"
    assert model().is_active


def test_signed_in_people_who_are_not_staff_get_403(alice, alice_browser):
    assert alice_browser.get("/staff/").status_code == 403
    assert alice_browser.post(toggle_url(), {"enabled": "off"}).status_code == 403
    assert model().is_active


def test_the_switch_only_takes_post_with_a_csrf_token(staff):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.get(toggle_url()).status_code == 405
    assert strict.post(toggle_url(), {"enabled": "off"}).status_code == 403
    assert model().is_active


def test_the_user_menu_links_to_the_staff_page_only_for_staff(alice_browser, staff_browser):
    assert 'data-testid="user-menu-staff"' not in alice_browser.get("/dashboard/").content.decode()
    html = staff_browser.get("/dashboard/").content.decode()
    assert 'data-testid="user-menu-staff" ' in html or 'data-testid="user-menu-staff">' in html
    assert 'href="/staff/"' in html


# --- what it shows ----------------------------------------------------------------------------------------


def test_the_overview_shows_exact_totals(alice, bob, staff, staff_browser):
    User.objects.filter(pk=bob.pk).update(created_at=timezone.now() - timedelta(days=9))
    for status, count in (("queued", 2), ("running", 1), ("succeeded", 3), ("canceled", 1)):
        for _ in range(count):
            make_job(user=alice, status=status)
    now = timezone.now()
    make_job(user=alice, status="failed", completed_at=now - timedelta(hours=2))
    make_job(user=alice, model=OTHER, status="failed", completed_at=now - timedelta(hours=3))
    make_job(user=bob, model=OTHER, status="failed", completed_at=now - timedelta(hours=4))
    make_job(user=bob, status="failed", completed_at=now - timedelta(days=3))  # too old for the table
    charged = make_job(user=alice, status="succeeded", credits_reserved=12)
    billing.reserve_for_job(charged)
    billing.settle_job(charged, 9)
    make_image(user=alice)

    response = staff_browser.get("/staff/")
    html = response.content.decode()

    assert response.status_code == 200
    assert text_of(html, "staff-users") == "Users 3 2 new in 7 days"
    assert text_of(html, "staff-images") == "Images 1 Not in the trash"
    assert text_of(html, "staff-spend") == "Credits spent 9 Last 30 days, net of refunds"
    assert text_of(html, "staff-failures") == "Failures today 3 Failed jobs in the last 24 hours"
    expected_jobs = {"queued": 2, "running": 1, "succeeded": 4, "failed": 4, "canceled": 1}
    for status, count in expected_jobs.items():
        assert text_of(html, f"staff-jobs-{status}").endswith(f" {count}")
    rows = re.findall(r'data-testid="staff-failure-row">(.*?)</tr>', html, re.S)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    turbo, studio = model(OTHER), model()
    assert cells == [f"{turbo.display_name} {turbo.name} 2", f"{studio.display_name} {studio.name} 1"]
    newest = re.findall(
        r'data-testid="staff-newest-user">.*?<p class="truncate text-xs text-muted-foreground">(.*?)</p>', html, re.S
    )
    assert newest == ["staff@example.com", "alice@example.com", "bob@example.com"]


def test_the_overview_lists_every_model_with_its_switch(staff_browser):
    AIModel.objects.filter(endpoint_id=OTHER).update(is_active=False)
    total, off = AIModel.objects.count(), AIModel.objects.filter(is_active=False).count()
    html = staff_browser.get("/staff/").content.decode()
    assert html.count('data-testid="staff-model"') == total
    assert html.count('data-testid="staff-model-on"') == off
    assert html.count('data-testid="staff-model-off"') == total - off
    assert html.count('data-testid="staff-model-off-dialog"') == total - off  # a confirmation each
    assert f'action="{toggle_url(OTHER)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_overview_runs_a_fixed_number_of_queries(alice, staff_browser):
    def count() -> int:
        staff_browser.get("/staff/")  # warm up
        with CaptureQueriesContext(connection) as queries:
            assert staff_browser.get("/staff/").status_code == 200
        return len(queries)

    make_job(user=alice, status="failed", completed_at=timezone.now())
    few = count()
    for i in range(6):
        user = User.objects.create(email=f"more{i}@example.com")
        make_job(user=user, status="failed", completed_at=timezone.now())
        make_job(user=user, model=OTHER, status="succeeded")
    assert count() == few


# --- the switch -------------------------------------------------------------------------------------------


def test_switching_a_model_off_stops_generation_and_on_brings_it_back(alice, staff_browser):
    off = staff_browser.post(toggle_url(), {"enabled": "off"}, follow=True)
    assert off.redirect_chain == [("/staff/", 302)]
    assert not model().is_active
    assert f"{model().display_name} is switched off" in off.content.decode()
    with pytest.raises(ParameterError):
        enqueue_job(user=alice)

    again = staff_browser.post(toggle_url(), {"enabled": "off"})  # a second click (another tab) keeps it off
    assert again.status_code == 302 and not model().is_active

    on = staff_browser.post(toggle_url(), {"enabled": "on"}, follow=True)
    assert model().is_active
    assert f"{model().display_name} is switched on." in on.content.decode()
    assert enqueue_job(user=alice).model_id == model().pk


def test_switching_an_unknown_model_is_404(staff_browser):
    response = staff_browser.post("/staff/models/00000000-0000-4000-8000-000000000000/toggle/", {"enabled": "off"})
    assert response.status_code == 404
