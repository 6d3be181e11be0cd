"""Share links: made by those who may manage the thing shared; opened by anyone with the token, after its
password; 404 once revoked or expired; originals only when downloads are allowed; framing allowed only here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.utils import timezone

from imagestudio.sharing.models import SharedImage, SharedProject
from tests.factories import make_image, make_project


def post_json(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


@pytest.fixture
def project(alice):
    project = make_project(user=alice, name="Lookbook", description="Autumn shoot")
    make_image(user=alice, project=project, prompt="red coat in the rain")
    make_image(user=alice, project=project, prompt="green scarf at dawn")
    return project


def test_a_project_link_opens_without_an_account_and_counts_views(alice_api, project):
    made = post_json(alice_api, f"/api/projects/{project.pk}/share", {"allow_download": True})
    assert made.status_code == 201
    body = made.json()
    assert len(body["token"]) >= 32 and body["url"].endswith(f"/s/{body['token']}/")
    assert (body["kind"], body["has_password"], body["allow_download"]) == ("project", False, True)

    anonymous = Client()
    shown = anonymous.get(f"/api/share/project/{body['token']}").json()
    assert shown["title"] == "Lookbook"
    assert sorted(i["prompt"] for i in shown["images"]) == ["green scarf at dawn", "red coat in the rain"]
    assert all(i["file_url"] for i in shown["images"])
    page = anonymous.get(f"/s/{body['token']}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'property="og:title" content="Lookbook"' in html and "twitter:card" in html
    assert "frame-ancestors *" in page["Content-Security-Policy"] and "X-Frame-Options" not in page
    assert SharedProject.objects.get(share_token=body["token"]).view_count == 2
    thumb = anonymous.get(shown["images"][0]["thumbnail_url"])
    assert thumb.status_code in (200, 302)


def test_other_pages_still_refuse_framing(alice_browser):
    response = alice_browser.get("/dashboard/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_originals_only_when_downloads_are_allowed(alice, alice_api):
    image = make_image(user=alice)
    token = post_json(alice_api, f"/api/images/{image.pk}/share").json()["token"]
    anonymous = Client()
    shown = anonymous.get(f"/api/share/image/{token}").json()
    assert shown["images"][0]["file_url"] is None
    assert anonymous.get(f"/s/{token}/images/{image.pk}/file").status_code == 404
    assert anonymous.get(f"/s/{token}/images/{image.pk}/thumb").status_code in (200, 302)
    other = make_image(user=alice)  # never the owner's other data through this token
    assert anonymous.get(f"/s/{token}/images/{other.pk}/thumb").status_code == 404


def test_a_password_link_answers_401_until_the_password_is_given(alice_api, project):
    token = post_json(alice_api, f"/api/share/project/{project.pk}", {"password": "open sesame"}).json()["token"]
    anonymous = Client()
    missing = anonymous.get(f"/api/share/project/{token}")
    assert missing.status_code == 401 and missing.json()["field"] == "password"
    wrong = anonymous.get(f"/api/share/project/{token}", headers={"X-Share-Password": "guess"})
    assert wrong.status_code == 401 and "Wrong password" in wrong.json()["detail"]
    right = anonymous.get(f"/api/share/project/{token}", headers={"X-Share-Password": "open sesame"})
    assert right.status_code == 200

    page = anonymous.get(f"/s/{token}/")
    assert page.status_code == 401 and 'data-testid="share-password-form"' in page.content.decode()
    assert anonymous.post(f"/s/{token}/", {"password": "nope"}).status_code == 401
    unlocked = anonymous.post(f"/s/{token}/", {"password": "open sesame"})
    assert unlocked.status_code == 302
    assert anonymous.get(f"/s/{token}/").status_code == 200
    stored = SharedProject.objects.get(share_token=token).password_hash
    assert "open sesame" not in stored and check_password("open sesame", stored)  # hashed, never kept as text


def test_wrong_password_guesses_are_rate_limited(alice_api, project, rate_limits):
    token = post_json(alice_api, f"/api/share/project/{project.pk}", {"password": "correct horse"}).json()["token"]
    anonymous = Client()
    answers = [
        anonymous.get(f"/api/share/project/{token}", headers={"X-Share-Password": f"guess {i}"}).status_code
        for i in range(11)
    ]
    assert answers == [401] * 10 + [429]


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_revoked_and_expired_links_answer_404(alice_api, project, how):
    token = post_json(alice_api, f"/api/share/project/{project.pk}").json()["token"]
    if how == "revoked":
        assert alice_api.delete(f"/api/share/{token}").status_code == 204
    else:
        SharedProject.objects.filter(share_token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    anonymous = Client()
    assert anonymous.get(f"/api/share/project/{token}").status_code == 404
    assert anonymous.get(f"/s/{token}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [({"password": "abc"}, "password"), ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at")],
)
def test_bad_link_options_are_422(alice_api, project, body, field):
    response = post_json(alice_api, f"/api/share/project/{project.pk}", body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert SharedProject.objects.count() == 0


def test_only_those_who_may_manage_can_share_or_revoke(alice_api, bob_api, project, alice):
    assert post_json(bob_api, f"/api/share/project/{project.pk}").status_code == 404
    image = make_image(user=alice)
    assert post_json(bob_api, f"/api/images/{image.pk}/share").status_code == 404
    token = post_json(alice_api, f"/api/share/project/{project.pk}").json()["token"]
    assert bob_api.delete(f"/api/share/{token}").status_code == 404
    assert Client().delete(f"/api/share/{token}").status_code == 401
    assert SharedProject.objects.get(share_token=token).revoked_at is None


def test_the_owner_lists_creates_and_revokes_links_on_the_page(alice, alice_browser, project):
    form = alice_browser.get(f"/shares/?project={project.pk}")
    assert 'data-testid="share-form"' in form.content.decode()
    made = alice_browser.post(
        "/shares/new/", {"project": str(project.pk), "password": "letmein", "allow_download": "on"}
    )
    assert made.status_code == 302
    link = SharedProject.objects.get(project=project)
    assert link.allow_download and link.has_password
    listing = alice_browser.get("/shares/").content.decode()
    assert link.share_token in listing and "iframe" in listing
    alice_browser.post(f"/shares/{link.share_token}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None
    image = make_image(user=alice)
    alice_browser.post("/shares/new/", {"image": str(image.pk)})
    assert SharedImage.objects.filter(image=image, created_by=alice).count() == 1


def test_a_trashed_image_is_no_longer_shared(alice, alice_api):
    image = make_image(user=alice)
    token = post_json(alice_api, f"/api/images/{image.pk}/share").json()["token"]
    image.deleted_at = timezone.now()
    image.save(update_fields=["deleted_at"])
    assert Client().get(f"/api/share/image/{token}").status_code == 404


def test_the_share_page_offers_social_links_and_a_native_share_button(alice_api, project):
    token = post_json(alice_api, f"/api/projects/{project.pk}/share").json()["token"]
    html = Client().get(f"/s/{token}/").content.decode()
    for intent in ("twitter.com/intent/tweet", "facebook.com/sharer", "pinterest.com/pin/create", "reddit.com/submit"):
        assert intent in html
    assert f"%2Fs%2F{token}%2F" in html  # each intent carries this link, encoded
    assert 'data-web-share data-share-url="http://testserver/s/' in html and 'data-testid="share-native"' in html


def test_an_image_link_offers_an_img_embed(alice, alice_browser):
    image = make_image(user=alice)
    alice_browser.post("/shares/new/", {"image": str(image.pk)})
    token = SharedImage.objects.get(image=image).share_token
    html = alice_browser.get("/shares/").content.decode()
    assert f'&lt;img src="http://testserver/s/{token}/images/{image.pk}/thumb"' in html


def test_the_embed_shows_the_images_without_the_sites_chrome(alice_api, project):
    token = post_json(alice_api, f"/api/projects/{project.pk}/share").json()["token"]
    embed = Client().get(f"/s/{token}/?embed=1")
    html = embed.content.decode()
    assert embed.status_code == 200 and 'data-testid="share-embed"' in html
    assert html.count('data-testid="share-image"') == 2
    assert 'data-testid="nav-signup"' not in html  # no site header
    assert "frame-ancestors *" in embed["Content-Security-Policy"]


def test_a_project_description_is_markdown_on_the_share_page_and_plain_in_its_card(alice, alice_api):
    project = make_project(user=alice, name="Brief", description="For the **autumn** launch <script>x()</script>")
    token = post_json(alice_api, f"/api/projects/{project.pk}/share").json()["token"]

    html = Client().get(f"/s/{token}/").content.decode()

    shown = html.split('data-testid="share-description">', 1)[1].split("</div>", 1)[0]
    assert "<strong>autumn</strong>" in shown and "<script" not in shown and "&lt;script&gt;" in shown
    meta = '<meta property="og:description" content="For the autumn launch &lt;script&gt;x()&lt;/script&gt;">'
    assert meta in html
