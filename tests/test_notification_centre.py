"""The notification centre: every notification type reaches the right person once (never the actor), jobs
only when nobody watches them, muted types stay quiet, emails go out after the commit only when wanted, and
the bell's panel, the page and the API show, filter, page and mark them read."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from imagestudio.api import api
from imagestudio.batches import services as batches
from imagestudio.batches import sources
from imagestudio.collections.services import create_collection
from imagestudio.events import emails, jobs
from imagestudio.events.models import EmailDelivery, Event, Notification
from imagestudio.events.services import record
from imagestudio.gallery.comments import add_comment
from imagestudio.generation import outcomes
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.preferences import services as preferences
from imagestudio.sharing.services import LinkOptions, share_collection, share_image, share_project
from imagestudio.workspaces.models import Invitation, Role
from imagestudio.workspaces.services import accept, create_team, invite, personal_workspace, set_member
from tests.conftest import bearer_client
from tests.factories import RECORD_TASKS_ONLY, ai_model, make_image, make_job, make_project, make_user, provider_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(alice, bob):
    """Alice owns a team (and its project and image); Bob is an admin of it, so he may share her work."""
    workspace = create_team(alice, "Studio")
    set_member(workspace, bob, Role.ADMIN)
    project = make_project(user=alice, name="Kites", workspace=workspace)
    return {"workspace": workspace, "project": project, "image": make_image(user=alice, project=project)}


def told(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(user=user).values_list("reason", "event__verb"))


def running_job(user, **fields) -> GenerationJob:
    return make_job(user=user, status="running", prompt="a red kite over the sea", **fields)


def mute(user, kind: str, **channels: bool) -> None:
    """Turn channels of one type off, keeping the other types' choices (the setting is stored whole)."""
    chosen = dict(preferences.value(preferences.settings_for(user), "notifications"))
    chosen[kind] = channels
    preferences.update_settings(user=user, changes={"notifications": chosen})


# -- each type: exactly one notification, for the right person, never the actor ---------------------------


def finish_job(alice, bob, team):
    outcomes.finish(running_job(alice), provider_result(count=2), generation_time=1.0)
    return alice, None, ("job_finished", "job.finished")


def fail_job(alice, bob, team):
    outcomes.fail(running_job(alice), "The model timed out. Your credits were refunded.")
    return alice, None, ("job_failed", "job.failed")


def comment_on_image(alice, bob, team):
    add_comment(team["image"], user=bob, text="Lovely colours")
    return alice, bob, ("owner", "comment.added")


def mention_in_comment(alice, bob, team):
    own = make_image(user=bob, project=team["project"])
    add_comment(own, user=bob, text="What do you think, @alice?")
    return alice, bob, ("mention", "comment.added")


def share_her_project(alice, bob, team):
    share_project(team["project"], user=bob, options=LinkOptions())
    return alice, bob, ("shared", "project.shared")


def share_her_image(alice, bob, team):
    share_image(team["image"], user=bob, options=LinkOptions())
    return alice, bob, ("shared", "image.shared")


def share_her_collection(alice, bob, team):
    collection = create_collection(workspace=team["workspace"], user=alice, name="Best of")
    share_collection(collection, user=bob, options=LinkOptions())
    return alice, bob, ("shared", "collection.shared")


def invite_someone_with_an_account(alice, bob, team):
    carol = make_user(email="carol@example.com", name="Carol")
    invite(team["workspace"], by=alice, email="Carol@Example.com", role=Role.EDITOR)
    return carol, alice, ("invited", "member.invited")


def accept_an_invitation(alice, bob, team):
    carol = make_user(email="carol@example.com", name="Carol")
    invitation, _token = invite(team["workspace"], by=alice, email="carol@example.com", role=Role.VIEWER)
    Notification.objects.all().delete()  # Carol's own "you are invited": this case is about Alice
    accept(Invitation.objects.get(pk=invitation.pk), carol)
    return alice, carol, ("joined", "member.joined")


def credits_alert(alice, bob, team):
    data = {"threshold": 80, "spent": 400, "cap": 500}
    record(actor=None, verb="credits.alert", target=alice, data=data, notify=[(alice, "credits")])
    return alice, None, ("credits", "credits.alert")


PRODUCERS = [
    finish_job,
    fail_job,
    comment_on_image,
    mention_in_comment,
    share_her_project,
    share_her_image,
    share_her_collection,
    invite_someone_with_an_account,
    accept_an_invitation,
    credits_alert,
]


@pytest.mark.parametrize("produce", PRODUCERS, ids=lambda f: f.__name__)
def test_each_type_notifies_the_right_person_once_and_never_the_actor(alice, bob, team, produce):
    recipient, actor, expected = produce(alice, bob, team)
    assert told(recipient) == [expected]
    if actor is not None:
        assert told(actor) == []
    assert Notification.objects.count() == 1


def test_sharing_your_own_work_tells_nobody(alice, team):
    share_project(team["project"], user=alice, options=LinkOptions())
    share_image(team["image"], user=alice, options=LinkOptions())
    assert Event.objects.filter(verb__in=["project.shared", "image.shared"]).count() == 2
    assert Notification.objects.count() == 0


def test_inviting_an_address_without_an_account_notifies_nobody_in_the_app(alice, team):
    invite(team["workspace"], by=alice, email="nobody.yet@example.com", role=Role.VIEWER)
    assert Notification.objects.count() == 0


# -- jobs: only when nobody watches ------------------------------------------------------------------------


def test_a_job_finished_while_its_card_is_polled_notifies_nobody(alice, alice_browser):
    job = running_job(alice)
    assert alice_browser.get(f"/generate/jobs/{job.pk}/").status_code == 200
    outcomes.finish(job, provider_result(), generation_time=1.0)
    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert Notification.objects.count() == 0 and not Event.objects.filter(verb="job.finished").exists()


def test_a_job_finished_while_nobody_watches_notifies_its_owner_with_a_link_to_the_image(alice, alice_browser):
    job = running_job(alice)
    outcomes.finish(job, provider_result(count=2), generation_time=1.0)
    note = Notification.objects.get(user=alice)
    image_ids = {str(pk) for pk in job.images.values_list("pk", flat=True)}
    assert note.event.data["image_id"] in image_ids and note.event.data["count"] == 2
    opened = alice_browser.get(f"/notifications/{note.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/images/{note.event.data['image_id']}/"


def test_a_watch_older_than_the_window_no_longer_counts(alice, alice_browser, monkeypatch):
    job = running_job(alice)
    start = jobs.clock()
    monkeypatch.setattr(jobs, "clock", lambda: start)
    alice_browser.get(f"/generate/jobs/{job.pk}/")
    monkeypatch.setattr(jobs, "clock", lambda: start + jobs.WATCH_WINDOW - 1)
    assert jobs.watched_recently(job.pk)
    monkeypatch.setattr(jobs, "clock", lambda: start + jobs.WATCH_WINDOW + 1)
    outcomes.fail(job, "The provider went away.")
    assert told(alice) == [("job_failed", "job.failed")]


def test_jobs_shown_on_the_queue_page_count_as_watched(alice, alice_browser, monkeypatch):
    shown, later = running_job(alice), running_job(alice)
    assert alice_browser.get("/queue/", headers={"HX-Request": "true"}).status_code == 200
    outcomes.fail(shown, "boom")
    assert Notification.objects.count() == 0
    start = jobs.clock()
    monkeypatch.setattr(jobs, "clock", lambda: start + jobs.WATCH_WINDOW + 5)  # the queue page was closed since
    outcomes.fail(later, "boom")
    assert told(alice) == [("job_failed", "job.failed")]


def test_a_failed_job_while_watched_notifies_nobody(alice, alice_browser):
    job = running_job(alice)
    alice_browser.get(f"/generate/jobs/{job.pk}/")
    outcomes.fail(job, "boom")
    assert Notification.objects.count() == 0


def test_a_canceled_job_notifies_nobody(alice):
    outcomes.cancel(running_job(alice))
    assert Notification.objects.count() == 0


def test_a_batch_tells_its_owner_once_when_done_and_not_per_job(alice, settings, django_capture_on_commit_callbacks):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.BATCH_FEED_AHEAD = 3
    with django_capture_on_commit_callbacks(execute=True):  # the batch feeds its first items on commit
        batch = batches.create(
            alice,
            personal_workspace(alice),
            "prompts",
            sources.from_lines("a fox\na whale"),
            batches.Settings(model=ai_model("offline/studio-turbo"), parameters={"width": 256, "height": 256}),
        )
    first, second = GenerationJob.objects.filter(batch_id=batch.pk).order_by("created_at")
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.finish(first, provider_result(), generation_time=1.0)
    assert Notification.objects.count() == 0  # a batch's jobs are told about together
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.fail(second, "boom")
    note = Notification.objects.get(user=alice)
    assert (note.reason, note.event.verb, note.event.target_id) == ("batch_done", "batch.completed", str(batch.pk))
    assert (note.event.data["succeeded"], note.event.data["failed"]) == (1, 1)


# -- preferences -------------------------------------------------------------------------------------------


def test_a_type_muted_in_the_app_produces_no_notification(alice, bob, team):
    mute(alice, "share", in_app=False)
    mute(alice, "job_finished", in_app=False)
    share_her_project(alice, bob, team)
    finish_job(alice, bob, team)
    assert told(alice) == []
    fail_job(alice, bob, team)  # another type still arrives
    assert told(alice) == [("job_failed", "job.failed")]


def test_the_master_switch_off_silences_every_type(alice, bob, team):
    preferences.update_settings(user=alice, changes={"notifications_enabled": False})
    for produce in (finish_job, comment_on_image, credits_alert):
        produce(alice, bob, team)
    assert told(alice) == [] and EmailDelivery.objects.count() == 0


# -- emails ------------------------------------------------------------------------------------------------


def test_a_wanted_email_is_sent_after_the_commit_with_a_link_and_the_settings_link(
    alice, bob, team, settings, django_capture_on_commit_callbacks
):
    settings.APP_URL = "https://studio.example.com"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        share_her_project(alice, bob, team)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing leaves before the transaction commits
    callbacks[0]()
    note = Notification.objects.get(user=alice)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Bob made a share link for your project “Kites”"
    assert f"https://studio.example.com/notifications/{note.pk}/open/" in message.body
    assert "https://studio.example.com/settings/notifications/" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "<strong>Bob</strong>" in html and f"/notifications/{note.pk}/open/" in html
    assert message.extra_headers["List-Unsubscribe"] == "<https://studio.example.com/settings/notifications/>"


def test_no_email_for_a_type_whose_email_is_off(alice, bob, team, run_tasks):
    mute(alice, "comment", email=False)
    with run_tasks():
        comment_on_image(alice, bob, team)
    assert told(alice) == [("owner", "comment.added")] and mail.outbox == []


def test_email_only_types_send_the_email_without_an_in_app_notification(alice, bob, team, run_tasks):
    mute(alice, "credits", in_app=False)
    with run_tasks():
        credits_alert(alice, bob, team)
    assert told(alice) == []
    assert [m.subject for m in mail.outbox] == ["You have used 80% of your monthly credit cap"]
    assert "/settings/billing/" in mail.outbox[0].body


def test_each_notification_is_emailed_once_even_if_the_task_runs_again(alice, bob, team, run_tasks):
    with run_tasks():
        comment_on_image(alice, bob, team)
        mention_in_comment(alice, bob, team)
    assert len(mail.outbox) == 2  # one per notification
    for event in Event.objects.filter(verb="comment.added"):
        assert emails.send_event_emails(str(event.pk)) == 0
    assert len(mail.outbox) == 2 and EmailDelivery.objects.filter(sent_at=None).count() == 0


def test_an_invitation_sends_no_second_email_beside_its_own(alice, team, run_tasks):
    make_user(email="carol@example.com", name="Carol")
    with run_tasks():
        invite(team["workspace"], by=alice, email="carol@example.com", role=Role.VIEWER)
    assert EmailDelivery.objects.count() == 0 and mail.outbox == []


def test_a_failed_send_stays_owed_for_the_next_run(alice, bob, team, monkeypatch):
    share_her_project(alice, bob, team)
    event = Event.objects.get(verb="project.shared")

    def down(self, fail_silently=False):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(emails.EmailMultiAlternatives, "send", down)
    with pytest.raises(ConnectionRefusedError):
        emails.send_event_emails(str(event.pk))
    assert EmailDelivery.objects.get().sent_at is None
    monkeypatch.undo()
    assert emails.send_event_emails(str(event.pk)) == 1 and len(mail.outbox) == 1


def test_emails_use_the_recipients_language(alice, bob, team, run_tasks):
    preferences.update_settings(user=alice, changes={"language": "de"})
    with run_tasks():
        credits_alert(alice, bob, team)
    assert len(mail.outbox) == 1 and 'lang="de"' in mail.outbox[0].alternatives[0][0]


# -- every verb: a sentence, an icon and a link --------------------------------------------------------------

CREDITS = [
    ("credits.alert", {"threshold": 80, "spent": 400, "cap": 500}, "You have used 80% of your monthly credit cap"),
    ("credits.cap_reached", {"spent": 500, "cap": 500}, "You reached your monthly credit cap of 500 credits"),
    ("credits.grant_expiring", {"amount": 100, "expires_at": "2031-02-01T00:00:00+00:00"}, "100 credits expire on"),
    ("credits.purchased", {"credits": 1000}, "1000 credits were added to your balance"),
]


@pytest.mark.parametrize(("verb", "data", "sentence"), CREDITS, ids=[c[0] for c in CREDITS])
def test_credit_notices_read_as_sentences_and_lead_to_billing(alice, alice_browser, verb, data, sentence):
    record(actor=None, verb=verb, target=alice, data=data, notify=[(alice, "credits")])
    note = Notification.objects.get(user=alice)
    page = alice_browser.get("/notifications/").content.decode()
    assert sentence in page and f'data-verb="{verb}"' in page
    assert alice_browser.get(f"/notifications/{note.pk}/open/")["Location"] == "/settings/billing/"


@pytest.mark.parametrize("produce", PRODUCERS, ids=lambda f: f.__name__)
def test_every_type_reads_as_a_sentence_in_the_list_and_the_api(alice, bob, team, produce):
    recipient, _actor, _expected = produce(alice, bob, team)
    client = Client()
    client.force_login(recipient)
    page = client.get("/notifications/").content.decode()
    item = bearer_client(recipient).get("/api/notifications").json()["items"][0]
    assert item["text"] and item["text"] in page.replace("<strong>", "").replace("</strong>", "")
    assert item["verb"] not in item["text"]  # a sentence, not the raw verb
    if item["url"]:
        opened = client.get(f"/notifications/{item['id']}/open/")
        assert opened["Location"] == item["url"] and client.get(item["url"].split("#")[0]).status_code == 200


# -- the page ----------------------------------------------------------------------------------------------


def make_notes(user, count: int, *, verb: str = "credits.purchased") -> list[Notification]:
    for index in range(count):
        record(actor=None, verb=verb, target=user, data={"credits": index + 1}, notify=[(user, "credits")])
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-id"))


def test_the_page_filters_by_type_and_unread(alice, bob, team, alice_browser):
    comment_on_image(alice, bob, team)
    credits_alert(alice, bob, team)
    Notification.objects.filter(reason="credits").update(read_at="2030-01-01T00:00:00Z")
    by_type = alice_browser.get("/notifications/?type=credits").content.decode()
    assert by_type.count('data-testid="notification"') == 1 and 'data-verb="credits.alert"' in by_type
    unread = alice_browser.get("/notifications/?unread=true").content.decode()
    assert unread.count('data-testid="notification"') == 1 and 'data-verb="comment.added"' in unread
    none = alice_browser.get("/notifications/?type=credits&unread=true").content.decode()
    assert 'data-testid="notifications-empty"' in none and "No notifications match this filter." in none


def test_a_bad_filter_or_page_link_says_so(alice, alice_browser):
    bad_type = alice_browser.get("/notifications/?type=weather")
    assert bad_type.status_code == 400 and "Unknown notification type" in bad_type.content.decode()
    bad_cursor = alice_browser.get("/notifications/?cursor=not-a-cursor")
    assert bad_cursor.status_code == 400 and "That page link is invalid" in bad_cursor.content.decode()


def test_load_more_brings_the_next_page_of_rows(alice, alice_browser):
    notes = make_notes(alice, 23)
    first = alice_browser.get("/notifications/").content.decode()
    assert first.count('data-testid="notification"') == 20 and 'data-testid="load-more"' in first
    cursor = first.split('hx-get="?cursor=')[1].split("&")[0].split('"')[0]
    more = alice_browser.get(f"/notifications/?cursor={cursor}", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in more and more.count('data-testid="notification"') == 3
    assert 'data-testid="load-more"' not in more
    assert [f'id="notification-{n.pk}"' in more for n in notes[20:]] == [True] * 3


def test_clicking_a_notification_marks_it_read_and_a_button_marks_one_read(alice, alice_browser):
    first, second = make_notes(alice, 2)
    alice_browser.get(f"/notifications/{first.pk}/open/")
    first.refresh_from_db()
    assert first.read_at is not None
    row = alice_browser.post(f"/notifications/{second.pk}/read/", headers={"HX-Request": "true"}).content.decode()
    assert f'id="notification-{second.pk}"' in row and 'data-unread="false"' in row
    assert 'id="notification-count"' in row and 'hx-swap-oob="true"' in row and 'data-unread="0"' in row
    assert Notification.objects.filter(user=alice, read_at=None).count() == 0


def test_someone_elses_notification_is_a_404_on_every_page_route(alice, bob, alice_browser):
    theirs = make_notes(bob, 1)[0]
    assert alice_browser.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert alice_browser.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_from_the_page(alice, alice_browser):
    make_notes(alice, 3)
    assert alice_browser.post("/notifications/").status_code == 302
    assert Notification.objects.filter(user=alice, read_at=None).count() == 0


# -- the bell ----------------------------------------------------------------------------------------------


def test_every_page_has_the_bell_that_loads_its_panel_when_opened(alice_browser):
    page = alice_browser.get("/dashboard/").content.decode()
    assert 'data-testid="notification-menu"' in page and 'hx-get="/notifications/panel/"' in page
    assert 'hx-trigger="toggle from:closest details"' in page and 'href="/notifications/"' in page


def test_the_panel_shows_the_latest_ten_with_mark_all_read_and_view_all(alice, alice_browser):
    notes = make_notes(alice, 12)
    panel = alice_browser.get("/notifications/panel/").content.decode()
    assert panel.count('data-testid="notification"') == 10
    assert f'href="/notifications/{notes[0].pk}/open/"' in panel  # newest first
    assert f"/notifications/{notes[-1].pk}/" not in panel
    assert 'data-testid="panel-read-all"' in panel and 'data-testid="panel-view-all"' in panel
    assert 'data-unread="12"' in panel  # the bell's count, refreshed out of band
    after = alice_browser.post("/notifications/read-all/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="panel-read-all"' not in after and 'data-unread="0"' in after
    assert Notification.objects.filter(user=alice, read_at=None).count() == 0


def test_an_empty_panel_says_so(alice_browser):
    panel = alice_browser.get("/notifications/panel/").content.decode()
    assert 'data-testid="panel-empty"' in panel and 'data-testid="panel-read-all"' not in panel


# -- the API -----------------------------------------------------------------------------------------------


def test_the_api_pages_with_a_cursor_and_filters_unread(alice, alice_api):
    notes = make_notes(alice, 5)
    Notification.objects.filter(pk=notes[0].pk).update(read_at="2030-01-01T00:00:00Z")
    first = alice_api.get("/api/notifications?limit=2").json()
    assert [item["id"] for item in first["items"]] == [str(n.pk) for n in notes[:2]] and first["unread"] == 4
    second = alice_api.get(f"/api/notifications?limit=2&cursor={first['next_cursor']}").json()
    assert [item["id"] for item in second["items"]] == [str(n.pk) for n in notes[2:4]]
    unread = alice_api.get("/api/notifications?unread=true").json()["items"]
    assert [item["id"] for item in unread] == [str(n.pk) for n in notes[1:]]
    assert unread[0]["type"] == "credits" and unread[0]["url"] == "/settings/billing/" and not unread[0]["read"]
    assert alice_api.get("/api/notifications?type=comment").json()["items"] == []
    bad = alice_api.get("/api/notifications?cursor=garbage")
    assert bad.status_code == 400 and bad.json()["field"] == "cursor"
    assert alice_api.get("/api/notifications?type=weather").status_code == 422


def test_the_api_marks_one_or_all_read_and_counts_unread(alice, alice_api):
    first, *_rest = make_notes(alice, 3)
    assert alice_api.get("/api/notifications/unread-count").json() == {"unread": 3}
    one = alice_api.post(f"/api/notifications/{first.pk}/read")
    assert one.status_code == 200 and one.json()["read"] is True and one.json()["read_at"]
    assert alice_api.get("/api/notifications/unread-count").json() == {"unread": 2}
    assert alice_api.post("/api/notifications/read-all").json() == {"marked": 2}
    assert alice_api.get("/api/notifications/unread-count").json() == {"unread": 0}


def test_the_api_answers_404_for_someone_elses_or_an_unknown_notification(alice_api, bob):
    theirs = make_notes(bob, 1)[0]
    response = alice_api.post(f"/api/notifications/{theirs.pk}/read")
    assert response.status_code == 404 and "detail" in response.json()
    assert alice_api.post("/api/notifications/00000000-0000-4000-8000-000000000000/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert Client().get("/api/notifications/unread-count").status_code == 401


def test_the_api_documents_every_route_with_its_errors():
    paths = api.get_openapi_schema()["paths"]
    expected = {
        ("/api/notifications", "get"): {"200", "400", "401", "403", "422"},
        ("/api/notifications/unread-count", "get"): {"200", "401", "403"},
        ("/api/notifications/read-all", "post"): {"200", "401", "403"},
        ("/api/notifications/{notification_id}/read", "post"): {"200", "401", "403", "404", "422"},
    }
    for (path, method), codes in expected.items():
        assert {str(code) for code in paths[path][method]["responses"]} == codes, path
