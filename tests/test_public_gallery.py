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


def test_public_pages_merge_single_images_and_public_projects_newest_first(alice, bob):
    # The public list is read in two parts (images published one by one, images of public projects) and
    # merged; page by page it must be exactly the newest-first order of their union, no row twice or lost.
    from datetime import timedelta

    from django.utils import timezone

    from imagestudio.gallery.public import newest_public

    project = make_project(user=alice, name="Showcase", is_public=True)
    archived = make_project(user=bob, name="Old", is_public=True, is_archived=True)
    start = timezone.now()
    expected = []
    for n in range(11):
        if n % 3 == 0:
            image = make_image(user=alice, project=project, prompt=f"in project {n}")
        else:
            image = make_image(user=bob, prompt=f"alone {n}")
            Image.objects.filter(pk=image.pk).update(is_public=True)
        Image.objects.filter(pk=image.pk).update(created_at=start - timedelta(minutes=n))
        expected.append(image.pk)
    both = make_image(user=alice, project=project, prompt="public twice")  # public itself and by its project
    Image.objects.filter(pk=both.pk).update(is_public=True, created_at=start - timedelta(minutes=5, seconds=30))
    expected.insert(6, both.pk)
    make_image(user=bob, project=archived, prompt="archived project")  # not public
    seen, cursor = [], None
    for _ in range(10):
        page = newest_public(cursor, limit=4)
        seen += [image.pk for image in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
