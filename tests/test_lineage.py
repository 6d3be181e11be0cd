"""Lineage: images made from other images record how (`operation`) and join their parent's lineage; the
lineage API answers ancestors and descendants; the migration links images stored before it."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from imagestudio.gallery import versions
from imagestudio.gallery.models import Image
from imagestudio.generation import runner, services
from imagestudio.generation.models import JobStatus
from tests.factories import RECORD_TASKS_ONLY, enqueue_job, make_image

pytestmark = pytest.mark.django_db


def derived(user, parent: Image, operation: str = "variation") -> Image:
    return make_image(user=user, parent_image=parent, operation=operation)


def test_a_variation_records_its_operation_and_joins_its_parents_versions(alice, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    job = enqueue_job(user=alice)
    assert runner.run(job.pk) == JobStatus.SUCCEEDED
    original = Image.objects.get(job=job)
    variation_job = services.vary(original, user=alice)
    assert runner.run(variation_job.pk) == JobStatus.SUCCEEDED
    variation = Image.objects.get(job=variation_job)
    assert (variation.operation, variation.parent_image_id, variation.lineage_root_id) == (
        "variation",
        original.pk,
        original.pk,
    )
    assert (original.operation, original.lineage_root_id) == ("generate", None)
    assert [image.pk for image in versions.versions_of(alice, original)] == [original.pk, variation.pk]


def test_a_grandchild_joins_the_root_of_its_lineage(alice):
    root = make_image(user=alice)
    child = derived(alice, root)
    grandchild = derived(alice, child, "upscale")
    assert (child.lineage_root_id, grandchild.lineage_root_id) == (root.pk, root.pk)


def test_the_image_api_says_how_an_image_was_made(alice, alice_api):
    root = make_image(user=alice)
    child = derived(alice, root, "upscale")
    body = alice_api.get(f"/api/images/{child.pk}").json()
    assert (body["operation"], body["parent_id"], body["parent_image_id"]) == ("upscale", str(root.pk), str(root.pk))
    assert alice_api.get(f"/api/images/{root.pk}").json()["operation"] == "generate"


def tree(client, image: Image) -> dict:
    response = client.get(f"/api/images/{image.pk}/lineage")
    assert response.status_code == 200, response.content
    return response.json()


def ids(nodes: list[dict]) -> list[str]:
    return [node["id"] for node in nodes]


def test_the_lineage_api_answers_ancestors_root_first_and_descendants_breadth_first(alice, alice_api):
    root = make_image(user=alice)
    a, c = derived(alice, root), derived(alice, root, "upscale")
    b = derived(alice, a, "remix")
    d = derived(alice, b, "inpaint")
    of_b = tree(alice_api, b)
    assert ids(of_b["ancestors"]) == [str(root.pk), str(a.pk)]
    assert [node["distance"] for node in of_b["ancestors"]] == [2, 1]
    assert ids(of_b["descendants"]) == [str(d.pk)]
    assert of_b["root_id"] == str(root.pk) and of_b["truncated"] is False
    of_root = tree(alice_api, root)
    assert of_root["ancestors"] == []
    assert ids(of_root["descendants"]) == [str(a.pk), str(c.pk), str(b.pk), str(d.pk)]
    assert [node["distance"] for node in of_root["descendants"]] == [1, 1, 2, 3]
    node = of_root["descendants"][2]
    assert (node["operation"], node["parent_id"]) == ("remix", str(a.pk))
    assert node["thumbnail_url"] == f"/api/images/{b.pk}/thumbnail"
    assert alice_api.get(node["thumbnail_url"]).status_code in (200, 302)  # 302: a presigned URL on S3


def test_a_trashed_relative_ends_its_branch(alice, alice_api):
    root = make_image(user=alice)
    a = derived(alice, root)
    b = derived(alice, a)
    Image.objects.filter(pk=a.pk).update(deleted_at=timezone.now())
    assert tree(alice_api, b)["ancestors"] == []
    assert tree(alice_api, root)["descendants"] == []


def test_an_outsider_gets_404_for_the_lineage(alice, bob_api):
    image = make_image(user=alice)
    assert bob_api.get(f"/api/images/{image.pk}/lineage").status_code == 404


def test_a_lineage_larger_than_the_limit_says_truncated(alice, alice_api, monkeypatch):
    monkeypatch.setattr(versions, "LINEAGE_LIMIT", 2)
    root = make_image(user=alice)
    derived(alice, root), derived(alice, root)
    assert tree(alice_api, root)["truncated"] is True
    assert len(tree(alice_api, root)["descendants"]) == 1  # the root and one child fit in two


def test_the_migration_links_images_stored_before_it_to_their_lineage_root(alice):
    migration = importlib.import_module("imagestudio.gallery.migrations.0008_image_operation")
    root = make_image(user=alice)
    a = derived(alice, root)
    b = derived(alice, a)
    elsewhere = make_image(user=alice)
    Image.objects.update(lineage_root=None)  # as every image was before the migration
    migration._link_lineages(apps.get_model("gallery", "Image"))
    roots = dict(Image.objects.values_list("id", "lineage_root_id"))
    assert (roots[root.pk], roots[a.pk], roots[b.pk], roots[elsewhere.pk]) == (None, root.pk, root.pk, None)


def test_the_detail_page_shows_the_lineage_as_an_indented_tree(alice, alice_browser):
    root = make_image(user=alice)
    a, c = derived(alice, root), derived(alice, root, "upscale")
    b = derived(alice, a, "remix")
    html = alice_browser.get(f"/images/{a.pk}/").content.decode()
    assert 'data-testid="lineage-tree"' in html and "3 images" in html
    nodes = re.findall(r'data-testid="lineage-node" data-depth="(\d)" data-image-id="([0-9a-f-]+)"', html)
    # The original, then this image, then its child: the sibling (c) is not in this image's line.
    assert nodes == [("0", str(root.pk)), ("1", str(a.pk)), ("2", str(b.pk))]
    assert html.count('aria-current="page"') >= 1 and "· this image" in html
    full = alice_browser.get(f"/images/{root.pk}/").content.decode()
    nodes = re.findall(r'data-testid="lineage-node" data-depth="(\d)" data-image-id="([0-9a-f-]+)"', full)
    assert nodes == [("0", str(root.pk)), ("1", str(a.pk)), ("2", str(b.pk)), ("1", str(c.pk))]  # depth first
    assert ">Upscaled</a>" in full and ">Remix</a>" in full


def test_an_image_without_relatives_shows_no_lineage_card(alice, alice_browser):
    image = make_image(user=alice)
    assert 'data-testid="lineage-tree"' not in alice_browser.get(f"/images/{image.pk}/").content.decode()


# -- compare ------------------------------------------------------------------------------------------


def test_compare_defaults_to_the_parent_as_before(alice, alice_browser):
    root = make_image(user=alice)
    child = derived(alice, root, "upscale")
    html = alice_browser.get(f"/images/{child.pk}/compare/").content.decode()
    assert 'data-testid="compare"' in html
    assert f'src="/images/{root.pk}/file" alt="Before:' in html and f'src="/images/{child.pk}/file" alt="After:' in html
    assert "After · Upscaled" in html and "Before · Generated" in html
    assert f'href="/images/{root.pk}/compare/?with={child.pk}"' in html  # swap sides
    assert 'role="slider"' in html and 'aria-valuenow="50"' in html
    assert 'data-testid="compare-image"' in alice_browser.get(f"/images/{child.pk}/").content.decode()


def test_compare_with_any_visible_image(alice, alice_browser):
    one, two = make_image(user=alice), make_image(user=alice)
    html = alice_browser.get(f"/images/{one.pk}/compare/", {"with": two.pk}).content.decode()
    assert f'src="/images/{two.pk}/file" alt="Before:' in html


def test_compare_with_someone_elses_image_is_404(alice, bob, alice_browser):
    mine, theirs = make_image(user=alice), make_image(user=bob)
    assert alice_browser.get(f"/images/{mine.pk}/compare/", {"with": theirs.pk}).status_code == 404
    assert alice_browser.get(f"/images/{mine.pk}/compare/", {"with": "not-an-id"}).status_code == 404
    assert alice_browser.get(f"/images/{theirs.pk}/compare/").status_code == 404


def test_an_original_has_nothing_to_compare_with(alice, alice_browser):
    original = make_image(user=alice)
    html = alice_browser.get(f"/images/{original.pk}/compare/").content.decode()
    assert 'data-testid="compare-nothing"' in html and 'data-testid="compare"' not in html
    assert 'data-testid="compare-image"' not in alice_browser.get(f"/images/{original.pk}/").content.decode()
