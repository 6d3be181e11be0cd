"""The dashboard: overview cards, recent work, favourites, projects, activity, the getting-started checklist and the
quick generate box — exact numbers for a seeded user, nothing of anyone else's, a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry
from imagestudio.billing.usage import local_month_start
from imagestudio.gallery.manage import set_favorite
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from imagestudio.preferences import defaults as user_defaults
from imagestudio.preferences import services as preferences
from imagestudio.projects.services import ProjectFields, create_project
from imagestudio.sharing.services import LinkOptions, share_image
from imagestudio.web import dashboard
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, personal_workspace, set_member
from tests.factories import make_image, make_job, make_project

pytestmark = pytest.mark.django_db
FLUX = "fal-ai/flux/dev"


# -- reading the page ---------------------------------------------------------------------------------


def page(client: Client) -> str:
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def stat(html: str, testid: str) -> str:
    """The big number of an overview card."""
    found = re.search(rf'data-testid="{testid}".*?text-3xl[^>]*>([^<]*)<', html, re.S)
    assert found, f"no card {testid}"
    return found.group(1).strip()


def steps(html: str) -> dict[str, bool]:
    """The checklist's steps and whether each is ticked."""
    found = re.findall(r'data-testid="checklist-step" data-step="(\w+)" data-done="(true|false)"', html)
    return {key: done == "true" for key, done in found}


def card(html: str, card_id: str) -> str:
    """One card of the page (the layout around it lists projects too)."""
    start = html.index(f'id="{card_id}"')
    return html[start : html.index("</section>", start)]


def count_testid(html: str, testid: str) -> int:
    return html.count(f'data-testid="{testid}"')


class FormFields(HTMLParser):
    """The fields a form with `data-testid=<testid>` posts, as a browser would send them untouched."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.inside, self.action = testid, False, ""
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("data-testid") == self.testid:
            self.inside, self.action = True, a.get("action") or ""
        elif not self.inside:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and (self._select not in self.fields or "selected" in a):
            self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None


def quick_form(html: str) -> FormFields:
    parser = FormFields("quick-generate-form")
    parser.feed(html)
    assert parser.action, "no quick generate form"
    return parser


# -- seeding --------------------------------------------------------------------------------------------


def charge(user, reserved: int, actual: int):
    job = make_job(user=user, model=FLUX, credits_reserved=reserved, status="running")
    billing.reserve_for_job(job)
    billing.settle_job(job, actual)
    return job


def seed_alice(alice):
    """Alice: 4 live images (one favourite, one from last month), one more in the trash; 30 credits spent
    this month and 15 last month; two open projects, one archived, one template."""
    images = [make_image(user=alice, prompt=f"alice picture {i}") for i in range(5)]
    set_favorite(images[0], True, by=alice)
    Image.objects.filter(pk=images[1].pk).update(created_at=timezone.now() - timedelta(days=40))
    Image.objects.filter(pk=images[4].pk).update(deleted_at=timezone.now(), is_favorite=True)
    charge(alice, 40, 30)
    old = charge(alice, 20, 15)
    CreditEntry.objects.filter(job=old).update(created_at=local_month_start() - timedelta(days=2))
    workspace = personal_workspace(alice)
    for name in ("Alice's posters", "Alice's covers"):
        create_project(workspace=workspace, user=alice, fields=ProjectFields(name=name))
    make_project(user=alice, name="Alice's old stuff", is_archived=True)
    make_project(user=alice, name="Alice's template", is_template=True)
    alice.refresh_from_db(fields=["credits_balance"])
    return images


def seed_bob(bob):
    """Bob's own things, none of which Alice may see."""
    image = make_image(user=bob, prompt="bob secret picture")
    set_favorite(image, True, by=bob)
    project = create_project(workspace=personal_workspace(bob), user=bob, fields=ProjectFields(name="Bob secret plan"))
    share_image(image, user=bob, options=LinkOptions())
    make_job(user=bob, prompt="bob secret job", status="running")
    return image, project


# -- the overview cards ---------------------------------------------------------------------------------


def test_the_cards_show_the_users_own_numbers(alice, bob, alice_browser):
    seed_alice(alice)
    seed_bob(bob)
    html = page(alice_browser)
    assert stat(html, "stat-images") == "4"  # live images only: the trashed one is gone
    assert "3 new this week" in html  # the one from 40 days ago is not
    assert stat(html, "stat-credits-used") == "30"  # this month's charge, not last month's
    assert stat(html, "stat-credits-left") == str(alice.credits_balance) == str(500 - 30 - 15)
    assert stat(html, "stat-projects") == "2"  # open projects: not archived, not templates
    links = (("stat-images", "/images/"), ("stat-credits-used", "/usage/"), ("stat-credits-left", "/settings/billing/"))
    for testid, url in links:
        assert re.search(rf'<a href="{re.escape(url)}"[^>]*data-testid="{testid}"', html), testid
    assert re.search(r'<a href="/projects/"[^>]*data-testid="stat-projects"', html)


def test_the_overview_counts_leave_the_trash_out(alice, bob):
    # Counted as "all the user's rows less the trashed ones" (index reads): a trashed favourite, an old
    # trashed image and another user's images must all stay out.
    images = seed_alice(alice)
    old_trashed = make_image(user=alice, prompt="old and trashed")
    Image.objects.filter(pk=old_trashed.pk).update(
        created_at=timezone.now() - timedelta(days=90), deleted_at=timezone.now() - timedelta(days=3)
    )
    seed_bob(bob)
    numbers = dashboard.overview(alice)
    assert (numbers.images, numbers.images_this_week, numbers.favorites) == (4, 3, 1)
    Image.objects.filter(pk=images[4].pk).update(deleted_at=None)  # restored: a favourite from this week again
    numbers = dashboard.overview(alice)
    assert (numbers.images, numbers.images_this_week, numbers.favorites) == (5, 4, 2)


def test_a_new_user_sees_zeroes_and_invitations_to_start(alice_browser, alice):
    html = page(alice_browser)
    assert [stat(html, t) for t in ("stat-images", "stat-credits-used", "stat-projects")] == ["0", "0", "0"]
    assert stat(html, "stat-credits-left") == "500"
    for empty in ("recent-generations-empty", "favorites-empty", "projects-empty", "activity-empty"):
        assert count_testid(html, empty) == 1, empty
    assert count_testid(html, "onboarding-generate") == 1  # the first step is the big button
    assert "Welcome to your studio" in html


# -- lists: recent generations, favourites, projects, activity -----------------------------------------


def test_recent_generations_show_status_and_thumbnails_newest_first(alice, alice_browser):
    done = make_job(user=alice, prompt="finished lighthouse", status="succeeded")
    first = make_image(user=alice, prompt="finished lighthouse", job=done, output_index=0)
    make_image(user=alice, prompt="finished lighthouse", job=done, output_index=1)
    make_job(user=alice, prompt="broken origami", status="failed", error_message="Bad input")
    make_job(user=alice, prompt="rendering greenhouse", status="running", progress=0.5)
    html = page(alice_browser)
    statuses = re.findall(r'data-testid="recent-job" data-status="(\w+)"', html)
    assert statuses == ["running", "failed", "succeeded"]
    assert f'src="/images/{first.pk}/thumb"' in html and "+1" in html  # the first output, and one more
    assert 'data-testid="jobs-active"' in html and 'hx-trigger="every 2s"' in html  # polls while one runs


def test_the_recent_generations_partial_stops_polling_when_nothing_runs(alice, alice_browser):
    job = make_job(user=alice, prompt="rendering greenhouse", status="running", progress=0.5)
    part = alice_browser.get("/dashboard/?part=jobs", headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith('<section id="dashboard-jobs"') and "<html" not in part
    assert 'hx-trigger="every 2s"' in part and 'data-status="running"' in part
    GenerationJob.objects.filter(pk=job.pk).update(status="succeeded")
    part = alice_browser.get("/dashboard/?part=jobs", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in part and 'data-status="succeeded"' in part


def test_favourites_projects_and_activity_list_the_users_own(alice, alice_browser):
    images = seed_alice(alice)
    html = page(alice_browser)
    assert count_testid(html, "favorite-image") == 1 and f"/images/{images[0].pk}/thumb" in html
    projects = card(html, "dashboard-projects")
    assert count_testid(projects, "dashboard-project") == 2
    assert "Alice&#x27;s posters" in projects and "old stuff" not in projects and "template" not in projects
    verbs = re.findall(r'data-testid="feed-item" data-verb="([\w.]+)"', html)
    assert verbs == ["project.created", "project.created"]


def test_nothing_of_another_users_appears(alice, bob, alice_browser):
    seed_alice(alice)
    image, project = seed_bob(bob)
    html = page(alice_browser)
    for secret in ("bob secret", str(image.pk), str(project.pk), "Bob"):
        assert secret not in html, secret
    assert count_testid(html, "favorite-image") == 1


def test_a_teams_projects_and_activity_appear_to_its_members_only(alice, bob, alice_browser, catalog):
    team = create_team(bob, "Studio Nine")
    set_member(team, alice, Role.VIEWER)
    create_project(workspace=team, user=bob, fields=ProjectFields(name="Shared moodboard"))
    create_project(workspace=personal_workspace(bob), user=bob, fields=ProjectFields(name="Bob private plan"))
    html = page(alice_browser)
    assert "Shared moodboard" in card(html, "dashboard-projects") and "Bob private plan" not in html
    assert stat(html, "stat-projects") == "1"
    assert re.search(r"<strong[^>]*>Bob</strong> <span[^>]*>created the project “Shared moodboard”", html)
    assert "Bob private plan" not in html
    assert steps(html)["project"] is False  # Bob made it: Alice's own first project is still to come


# -- the getting-started checklist ----------------------------------------------------------------------


def test_the_checklist_ticks_exactly_what_is_done(alice, alice_browser):
    assert steps(page(alice_browser)) == dict.fromkeys(("image", "favorite", "project", "share", "two_factor"), False)

    image = make_image(user=alice)
    assert steps(page(alice_browser)) == {
        "image": True,
        "favorite": False,
        "project": False,
        "share": False,
        "two_factor": False,
    }
    set_favorite(image, True, by=alice)
    make_project(user=alice, name="First")
    html = page(alice_browser)
    assert steps(html) == {"image": True, "favorite": True, "project": True, "share": False, "two_factor": False}
    assert 'data-done="3"' in html and "3 of 5 done" in html

    share_image(image, user=alice, options=LinkOptions())
    Authenticator.objects.create(user=alice, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert steps(page(alice_browser))["two_factor"] is False  # recovery codes alone are not a second factor
    Authenticator.objects.create(user=alice, type=Authenticator.Type.TOTP, data={})
    html = page(alice_browser)
    assert all(steps(html).values()) and "re all set" in html and count_testid(html, "checklist-action") == 0


def test_dismissing_the_checklist_persists(alice, alice_browser):
    response = alice_browser.post("/dashboard/", {"checklist": "dismiss"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert preferences.value(preferences.settings_for(alice), "onboarding_dismissed") is True
    html = page(alice_browser)
    assert count_testid(html, "onboarding-checklist") == 0 and steps(html) == {}
    assert "Checklist hidden." in html  # said once, as a toast
    fresh = Client()
    fresh.force_login(alice)  # another session: the choice is the account's
    assert count_testid(page(fresh), "onboarding-checklist") == 0


def test_dismissing_with_htmx_removes_the_checklist_and_says_so(alice, alice_browser):
    response = alice_browser.post("/dashboard/", {"checklist": "dismiss"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    assert "Checklist hidden." in response["HX-Trigger"]
    assert preferences.value(preferences.settings_for(alice), "onboarding_dismissed") is True


def test_a_bad_dashboard_action_is_refused(alice, alice_browser):
    response = alice_browser.post("/dashboard/", {"checklist": "explode"})
    assert response.status_code == 400 and b"Unknown dashboard action" in response.content
    assert preferences.value(preferences.settings_for(alice), "onboarding_dismissed") is False


def test_the_setting_accepts_only_true_or_false(alice):
    with pytest.raises(preferences.SettingsError) as error:
        preferences.update_settings(user=alice, changes={"onboarding_dismissed": "yes"})
    assert error.value.field == "onboarding_dismissed"


# -- quick generate -------------------------------------------------------------------------------------


def test_quick_generate_preselects_the_users_default_model(alice, alice_browser):
    assert quick_form(page(alice_browser)).fields["model"] == "offline/studio-v1"
    user_defaults.update_settings(
        user=alice, changes={"default_model_id": "offline/studio-turbo", "default_parameters": {"aspect_ratio": "16:9"}}
    )
    fields = quick_form(page(alice_browser)).fields
    assert (fields["model"], fields["aspect_ratio"]) == ("offline/studio-turbo", "16:9")


def test_quick_generate_posts_a_job_to_the_generate_flow(alice, alice_browser):
    form = quick_form(page(alice_browser))
    response = alice_browser.post(form.action, {**form.fields, "prompt": "a paper boat on a puddle"})
    assert response.status_code == 302 and response["Location"] == "/generate/"
    job = GenerationJob.objects.get(user=alice)
    assert (job.user_prompt or job.prompt, job.model.endpoint_id, job.num_images) == (
        "a paper boat on a puddle",
        "offline/studio-v1",
        1,
    )
    assert job.width == job.height  # the box's 1:1
    recent = card(page(alice_browser), "dashboard-jobs")
    assert 'data-status="queued"' in recent and "a paper boat on a puddle" in recent


def test_quick_generate_with_an_empty_prompt_shows_the_error(alice, alice_browser):
    form = quick_form(page(alice_browser))
    response = alice_browser.post(form.action, {**form.fields, "prompt": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not GenerationJob.objects.filter(user=alice).exists()


# -- cost ---------------------------------------------------------------------------------------------------


def fill(user, n: int) -> None:
    """n finished jobs with an image each (every other one a favourite), n/5 projects (each an event)."""
    for i in range(n):
        job = make_job(user=user, status="succeeded", prompt=f"job {i}")
        image = make_image(user=user, prompt=f"image {i}", job=job, output_index=0)
        if i % 2 == 0:
            set_favorite(image, True, by=user)
    for i in range(n // 5):
        create_project(workspace=personal_workspace(user), user=user, fields=ProjectFields(name=f"Project {i}"))


def count_queries(client: Client) -> int:
    client.get("/dashboard/")  # warm the session up
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/").status_code == 200
    return len(queries)


def test_the_dashboard_runs_a_fixed_number_of_queries(alice, bob, catalog):
    fill(alice, 5)
    fill(bob, 50)
    few, many = Client(), Client()
    few.force_login(alice)
    many.force_login(bob)
    assert count_queries(few) == count_queries(many) <= 25  # small index reads, never one per image
