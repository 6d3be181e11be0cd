"""Settings › Notifications: the master switch and the type × channel table are saved together and validated,
and the notification producers (events.record) skip people who turned a type's in-app channel off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imagestudio.events.models import Notification
from imagestudio.events.services import record
from imagestudio.gallery.comments import add_comment
from imagestudio.preferences import services
from imagestudio.preferences.services import NOTIFICATION_CHANNELS, NOTIFICATION_TYPES
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.factories import make_image, make_project, make_user

pytestmark = pytest.mark.django_db
URL = "/settings/notifications/"


def all_on(**overrides: str | None) -> dict:
    """A POST with every switch on; an override of None leaves that switch out (unchecked)."""
    data = {"notifications_enabled": "on"}
    data.update({f"{kind}__{channel}": "on" for kind in NOTIFICATION_TYPES for channel in NOTIFICATION_CHANNELS})
    for name, value in overrides.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    return data


@pytest.fixture
def team(catalog):
    """Olga's image in a team project; Maya (who comments) and Bob are members."""
    owner = make_user(email="olga@example.com", name="Olga")
    maya = make_user(email="maya@example.com", name="Maya")
    bob = make_user(email="bob@example.com", name="Bob")
    workspace = create_team(owner, "Team")
    set_member(workspace, maya, Role.EDITOR)
    set_member(workspace, bob, Role.VIEWER)
    image = make_image(user=owner, project=make_project(user=owner, name="Posters", workspace=workspace))
    return {"owner": owner, "maya": maya, "bob": bob, "image": image}


def reasons() -> list[tuple[str, str]]:
    return sorted((n.user.name, n.reason) for n in Notification.objects.select_related("user"))


# -- the page -------------------------------------------------------------------------------------------


def test_the_page_shows_every_type_with_both_channels_on_by_default(alice_browser):
    response = alice_browser.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="notification-type"') == len(NOTIFICATION_TYPES) == 8
    assert html.count('role="switch"') == 1 + 8 * 2
    assert html.count(" checked") == 1 + 8 * 2
    assert 'data-testid="email-not-sent"' not in html  # emails are sent now
    assert html.count('data-testid="not-sent-yet"') == 0  # every type has something that sends it


def test_saving_stores_the_master_switch_and_each_toggle_and_says_so(alice, alice_browser):
    data = all_on(notifications_enabled=None, mention__in_app=None, credits__email=None)
    response = alice_browser.post(URL, data, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Notification settings saved." in response.content.decode()
    row = services.settings_for(alice)
    assert row.notifications_enabled is False
    stored = services.value(row, "notifications")
    assert stored["mention"] == {"in_app": False, "email": True}
    assert stored["credits"] == {"in_app": True, "email": False}
    assert stored["comment"] == {"in_app": True, "email": True} and len(stored) == 8
    html = response.content.decode()
    assert 'data-testid="notifications-off"' in html
    assert 'name="mention__in_app" aria-label' in html and 'name="mention__email" checked' in html


def test_wants_reads_what_the_page_saved(alice, alice_browser):
    alice_browser.post(URL, all_on(share__email=None))
    assert services.wants(alice, "share", "email") is False
    assert services.wants(alice, "share", "in_app") is True
    alice_browser.post(URL, all_on(notifications_enabled=None))
    assert services.wants(alice, "share", "in_app") is False  # the master switch wins


def test_a_bad_post_re_renders_with_a_message_and_the_values_sent_and_stores_nothing(alice, alice_browser):
    response = alice_browser.post(URL, all_on(job_failed__in_app="maybe", batch_done__email=None))
    html = response.content.decode()
    assert response.status_code == 422
    assert "A switch is either on or off." in html
    assert 'name="batch_done__email" aria-label' in html  # still unchecked, as sent
    assert 'name="batch_done__in_app" checked' in html
    assert services.settings_for(alice).settings.get("notifications") is None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


# -- producers respect it --------------------------------------------------------------------------------


def test_a_muted_type_produces_no_notification_while_another_type_still_does(team):
    services.update_settings(user=team["bob"], changes={"notifications": {"mention": {"in_app": False}}})
    add_comment(team["image"], user=team["maya"], text="@bob @olga what do you think?")
    # Bob muted mentions: nothing. Olga (mentioned, mentions on) gets her one notification.
    assert reasons() == [("Olga", "mention")]

    add_comment(team["image"], user=team["bob"], text="Looks good")
    assert reasons() == [("Olga", "mention"), ("Olga", "owner")]  # Bob may still comment; Olga is told


def test_a_muted_mention_falls_back_to_the_comment_notification(team):
    services.update_settings(user=team["owner"], changes={"notifications": {"mention": {"in_app": False}}})
    add_comment(team["image"], user=team["maya"], text="@olga and @bob, have a look")
    assert reasons() == [("Bob", "mention"), ("Olga", "owner")]


def test_muting_comments_silences_the_owner_but_not_mentions(team):
    services.update_settings(user=team["owner"], changes={"notifications": {"comment": {"in_app": False}}})
    add_comment(team["image"], user=team["maya"], text="New idea for @bob")
    assert reasons() == [("Bob", "mention")]


def test_the_master_switch_silences_every_type(team):
    services.update_settings(user=team["owner"], changes={"notifications_enabled": False})
    add_comment(team["image"], user=team["maya"], text="@olga @bob hello")
    assert reasons() == [("Bob", "mention")]


def test_email_only_muting_leaves_in_app_notifications_alone(team):
    services.update_settings(user=team["bob"], changes={"notifications": {"mention": {"email": False}}})
    add_comment(team["image"], user=team["maya"], text="@bob hello")
    assert reasons() == [("Bob", "mention"), ("Olga", "owner")]


def test_reasons_without_a_type_are_always_delivered(team):
    services.update_settings(user=team["bob"], changes={"notifications_enabled": False})
    record(actor=team["maya"], verb="test.other", target=team["image"], notify=[(team["bob"], "something-new")])
    assert reasons() == [("Bob", "something-new")]


def test_preferences_are_read_in_one_query_for_all_recipients(team):
    others = [make_user(email=f"p{i}@example.com", name=f"P{i}") for i in range(5)]
    services.update_settings(user=others[0], changes={"notifications": {"comment": {"in_app": False}}})
    notify = [(person, "owner") for person in others] + [(team["bob"], "mention")]
    with CaptureQueriesContext(connection) as queries:
        record(actor=team["maya"], verb="test.many", target=team["image"], notify=notify)
    assert sum('"user_settings"' in q["sql"] for q in queries.captured_queries) == 1
    assert Notification.objects.count() == 5  # six people, one of whom muted comments
