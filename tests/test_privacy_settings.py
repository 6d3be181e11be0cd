"""Settings › Privacy: the two visibility switches and the retention choice are saved and validated; new
images of a user who chose "public by default" start out public; Explore shows a name only for a public
profile; the retention preview counts what would move."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from imagestudio.gallery.models import Image
from imagestudio.preferences import services
from imagestudio.workspaces.services import create_team
from tests.factories import make_image, make_project

pytestmark = pytest.mark.django_db
URL = "/settings/privacy/"


def set_privacy(user, **privacy: bool) -> None:
    services.update_settings(user=user, changes={"privacy": privacy})


def generate(client, **parameters):
    body = {"model_id": "offline/studio-v1", "prompt": "a lighthouse at dusk", "parameters": parameters}
    return client.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")


def age(image: Image, days: int) -> None:
    Image.objects.filter(pk=image.pk).update(created_at=timezone.now() - timedelta(days=days))


# -- the page -------------------------------------------------------------------------------------------


def test_the_page_shows_the_defaults_and_what_each_switch_controls(alice_browser):
    response = alice_browser.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="public_profile" aria-describedby="public_profile_help" checked' in html  # names were always shown
    assert 'id="images_public_by_default" aria-describedby="images_public_by_default_help" data-testid' in html
    assert 'id="retention_enabled" aria-describedby="retention_help" data-testid' in html  # off
    assert 'value="365"' in html
    assert "Favourites are never moved" in html
    assert "There is no public profile page" in html


def test_saving_stores_privacy_and_retention_and_says_so(alice, alice_browser):
    data = {"images_public_by_default": "on", "retention_enabled": "on", "retention_days": "90"}
    response = alice_browser.post(URL, data, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Privacy settings saved." in response.content.decode()
    row = services.settings_for(alice)
    assert services.value(row, "privacy") == {"public_profile": False, "images_public_by_default": True}
    assert services.value(row, "retention_days") == 90
    assert 'value="90"' in response.content.decode()


def test_turning_retention_off_keeps_images_forever(alice, alice_browser):
    services.update_settings(user=alice, changes={"retention_days": 30})
    alice_browser.post(URL, {"public_profile": "on", "retention_days": "30"})
    assert services.value(services.settings_for(alice), "retention_days") is None


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "Keep images at least 1 day."),
        ("3651", "At most 3650 days (ten years)."),
        ("ten", "Enter a whole number of days."),
        ("", "How many days should images be kept?"),
    ],
)
def test_a_bad_retention_re_renders_with_a_message_and_the_values_sent(alice, alice_browser, days, message):
    data = {"images_public_by_default": "on", "retention_enabled": "on", "retention_days": days}
    response = alice_browser.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert f'value="{days}"' in html
    assert 'id="images_public_by_default" aria-describedby="images_public_by_default_help" checked' in html
    assert 'id="public_profile" aria-describedby="public_profile_help" data-testid' in html  # left off, as sent
    assert services.settings_for(alice).settings == {}  # nothing stored


def test_a_switch_with_a_strange_value_is_refused(alice, alice_browser):
    response = alice_browser.post(URL, {"public_profile": "maybe"})
    assert response.status_code == 422
    assert "A switch is either on or off." in response.content.decode()
    assert services.settings_for(alice).settings == {}


# -- public by default ----------------------------------------------------------------------------------


def test_a_newly_generated_image_is_public_when_the_owner_chose_so(alice, alice_api, bob, bob_api, run_tasks):
    set_privacy(alice, images_public_by_default=True)
    with run_tasks():
        alice_job = generate(alice_api, width=256, height=256).json()["id"]
        bob_job = generate(bob_api, width=256, height=256).json()["id"]
    assert Image.objects.get(job_id=alice_job).is_public is True
    assert Image.objects.get(job_id=bob_job).is_public is False  # Bob kept the default
    listed = [item["id"] for item in alice_api.get("/api/gallery/public").json()["items"]]
    assert listed == [str(Image.objects.get(job_id=alice_job).pk)]


def test_public_by_default_never_publishes_team_project_images(alice):
    set_privacy(alice, images_public_by_default=True)
    team_image = make_image(user=alice, project=make_project(user=alice, workspace=create_team(alice, "Team")))
    own_project_image = make_image(user=alice, project=make_project(user=alice))
    loose_image = make_image(user=alice)
    assert (team_image.is_public, own_project_image.is_public, loose_image.is_public) == (False, True, True)


def test_images_made_before_the_choice_stay_as_they_were(alice):
    before = make_image(user=alice)
    set_privacy(alice, images_public_by_default=True)
    before.refresh_from_db()
    assert before.is_public is False


# -- the name in Explore --------------------------------------------------------------------------------


def test_explore_shows_the_name_only_with_a_public_profile(alice, bob, client):
    shown = make_image(user=alice, prompt="alice's lighthouse")
    hidden = make_image(user=bob, prompt="bob's harbour")
    Image.objects.filter(pk__in=[shown.pk, hidden.pk]).update(is_public=True)
    set_privacy(bob, public_profile=False)

    html = client.get("/explore/").content.decode()
    assert html.count('data-testid="explore-creator">Alice<') == 1
    assert html.count('data-testid="explore-creator">A studio member<') == 1
    assert "Bob" not in html
    creators = {item["prompt"]: item["creator"] for item in client.get("/api/gallery/public").json()["items"]}
    assert creators == {"alice's lighthouse": "Alice", "bob's harbour": "A studio member"}


# -- the retention preview ------------------------------------------------------------------------------


def test_the_preview_counts_old_non_favourite_images(alice, alice_browser):
    old, old_favourite, recent = (make_image(user=alice) for _ in range(3))
    age(old, 40)
    age(old_favourite, 40)
    Image.objects.filter(pk=old_favourite.pk).update(is_favorite=True)
    age(recent, 5)

    page = alice_browser.get(URL).content.decode()
    assert 'data-count="0"' in page  # nothing is 365 days old
    partial = alice_browser.get(URL, {"retention_days": "30"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert body.startswith('<p id="retention-preview"') and 'data-count="1"' in body
    assert "Right now 1 image is older than 30 days" in body
    assert (
        'data-count="2"'
        in alice_browser.get(URL, {"retention_days": "3"}, headers={"HX-Request": "true"}).content.decode()
    )


def test_the_preview_of_an_unusable_number_says_what_to_enter(alice_browser):
    body = alice_browser.get(URL, {"retention_days": "0"}, headers={"HX-Request": "true"}).content.decode()
    assert "data-count" not in body
    assert "Enter a number of days from 1 to 3650" in body


def test_a_re_rendered_form_previews_the_days_sent(alice, alice_browser):
    age(make_image(user=alice), 20)
    html = alice_browser.post(URL, {"retention_days": "10", "public_profile": "bad"}).content.decode()
    assert 'data-count="1"' in html and "older than 10 days" in html


def test_the_preview_stops_counting_at_its_cap_and_says_more(alice, alice_browser, monkeypatch):
    from imagestudio.preferences import retention

    for image in [make_image(user=alice) for _ in range(3)]:
        age(image, 40)
    monkeypatch.setattr(retention, "PREVIEW_CAP", 2)
    body = alice_browser.get(URL, {"retention_days": "30"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-count="2"' in body and "Right now more than 2 images are older than 30 days" in body
    monkeypatch.setattr(retention, "PREVIEW_CAP", 3)  # exactly at the cap: the plain count
    body = alice_browser.get(URL, {"retention_days": "30"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-count="3"' in body and "Right now 3 images are older than 30 days" in body
