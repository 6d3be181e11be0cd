"""The public gallery: only images their owners opted in (one by one or through a public project), seen
without an account; signed-in visitors remix a public image into the generate form."""

from __future__ import annotations

from django.test import Client

from imagestudio.gallery.models import Image
from tests.conftest import bearer_client
from tests.factories import make_image, make_project


def test_only_opted_in_images_are_public(alice, alice_api, bob):
    shown = make_image(user=alice, prompt="a public lighthouse")
    hidden = make_image(user=alice, prompt="a private sketch")
    project = make_project(user=alice, name="Showcase", is_public=True)
    in_project = make_image(user=alice, project=project, prompt="a showcase piece")
    trashed = make_image(user=bob, prompt="gone")
    Image.objects.filter(pk=trashed.pk).update(is_public=True, deleted_at="2026-01-01T00:00:00Z")

    response = alice_api.put(f"/api/images/{shown.pk}/public", {"is_public": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["is_public"] is True

    anonymous = Client()
    listed = anonymous.get("/api/gallery/public").json()["items"]
    assert {item["id"] for item in listed} == {str(shown.pk), str(in_project.pk)}
    assert all(item["creator"] == "Alice" for item in listed)
    assert anonymous.get(f"/explore/{shown.pk}/thumb").status_code in (200, 302)
    assert anonymous.get(f"/explore/{hidden.pk}/thumb").status_code == 404
    page = anonymous.get("/explore/").content.decode()
    assert "a public lighthouse" in page and "a private sketch" not in page and "Sign up to remix" in page


def test_only_those_who_may_manage_an_image_change_its_visibility(alice, bob_api):
    image = make_image(user=alice)
    response = bob_api.put(f"/api/images/{image.pk}/public", {"is_public": True}, content_type="application/json")
    assert response.status_code == 404
    image.refresh_from_db()
    assert image.is_public is False
    assert (
        bearer_client(alice)
        .put(f"/api/images/{image.pk}/public", {"is_public": True}, content_type="application/json")
        .status_code
        == 200
    )


def test_the_image_page_toggles_public_and_others_can_remix_it(alice, alice_browser, bob):
    image = make_image(user=alice, prompt="sunrise over dunes", width=64, height=48, seed=4242)
    assert 'data-testid="make-public"' in alice_browser.get(f"/images/{image.pk}/").content.decode()
    alice_browser.post(f"/images/{image.pk}/public/", {"is_public": "1"})
    image.refresh_from_db()
    assert image.is_public is True

    visitor = Client()
    visitor.force_login(bob)
    form = visitor.get(f"/generate/?remix={image.pk}").context["form"]
    assert (form["prompt"].value(), form["seed"].value()) == ("sunrise over dunes", 4242)

    alice_browser.post(f"/images/{image.pk}/public/", {"is_public": "0"})
    assert visitor.get(f"/generate/?remix={image.pk}").status_code == 404  # private again: not remixable
