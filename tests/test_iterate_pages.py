"""The iteration tool pages: each renders its form beside the image, queues its operation on submit and
comes back to the job's card; bad input comes back with the error and the values kept."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from imagestudio.generation.models import GenerationJob
from imagestudio.generation.views_iterate import TOOL_NAMES
from tests.factories import RECORD_TASKS_ONLY, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_task_runs(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""


def mask_url(size=(64, 48), box=(4, 4, 20, 20)) -> str:
    mask = PILImage.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    out = io.BytesIO()
    mask.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize("tool", sorted(TOOL_NAMES))
def test_every_tool_page_shows_its_form_beside_the_image(alice, alice_browser, tool):
    image = make_image(user=alice)
    response = alice_browser.get(f"/images/{image.pk}/iterate/{tool}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="iterate-form"' in body and f'data-testid="tool-{tool}"' in body
    assert f"/images/{image.pk}/file" in body


def test_an_unknown_tool_is_not_found(alice, alice_browser):
    image = make_image(user=alice)
    assert alice_browser.get(f"/images/{image.pk}/iterate/sharpen/").status_code == 404


def test_the_detail_page_links_every_tool_and_remix(alice, alice_browser):
    image = make_image(user=alice)
    body = alice_browser.get(f"/images/{image.pk}/").content.decode()
    for tool in TOOL_NAMES:
        assert f"/images/{image.pk}/iterate/{tool}/" in body
    assert f"/generate/?remix={image.pk}" in body


def test_submitting_queues_the_operation_and_shows_its_job(alice, alice_browser):
    image = make_image(user=alice)
    response = alice_browser.post(f"/images/{image.pk}/iterate/upscale/", {"scale": "4"})
    job = GenerationJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/images/{image.pk}/iterate/upscale/?job={job.pk}"
    assert (job.action, job.parent_image_id, job.width, job.height, job.inputs["scale"]) == (
        "upscale",
        image.pk,
        256,
        192,
        4,
    )
    page = alice_browser.get(response["Location"]).content.decode()
    assert f'id="job-{job.pk}"' in page


def test_inpaint_takes_the_painted_mask(alice, alice_browser):
    image = make_image(user=alice)
    response = alice_browser.post(
        f"/images/{image.pk}/iterate/inpaint/", {"mask": mask_url(), "prompt": "a moon", "feather": "4"}
    )
    assert response.status_code == 302
    job = GenerationJob.objects.get()
    assert (job.action, job.prompt, job.parameters["feather"]) == ("inpaint", "a moon", 4)
    assert job.inputs["mask"].startswith("masks/")


def test_a_bad_submit_keeps_what_was_typed_and_painted(alice, alice_browser):
    image = make_image(user=alice)
    mask = mask_url(box=(-4, -4, -1, -1))  # nothing painted inside the image
    response = alice_browser.post(f"/images/{image.pk}/iterate/inpaint/", {"mask": mask, "prompt": "a quiet lake"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "The mask is empty" in body
    assert "a quiet lake" in body and mask in body
    assert not GenerationJob.objects.exists()


def test_the_edit_form_becomes_edit_steps(alice, alice_browser):
    image = make_image(user=alice)
    form = {
        "crop_x": "4",
        "crop_y": "2",
        "crop_width": "40",
        "crop_height": "30",
        "rotate": "90",
        "flip": "vertical",
        "brightness": "0.25",
        "contrast": "0",
        "saturation": "0",
        "temperature": "0",
    }
    assert alice_browser.post(f"/images/{image.pk}/iterate/edit/", form).status_code == 302
    job = GenerationJob.objects.get()
    assert job.inputs == {
        "source": str(image.pk),
        "crop": [4, 2, 44, 32],
        "rotate": 90.0,
        "flip": "vertical",
        "adjust": {"brightness": 0.25},
    }
    assert (job.width, job.height, job.credits_reserved) == (30, 40, 0)


def test_outpaint_by_aspect_ratio_from_the_page(alice, alice_browser):
    image = make_image(user=alice)  # 64×48
    form = {"mode": "aspect", "aspect_ratio": "16:9", "left": "999"}
    assert alice_browser.post(f"/images/{image.pk}/iterate/outpaint/", form).status_code == 302
    job = GenerationJob.objects.get()
    assert (job.width, job.height) == (85, 48)
    assert [job.inputs[side] for side in ("left", "right", "top", "bottom")] == [10, 11, 0, 0]


def test_a_style_reference_must_be_visible_to_the_user(alice, bob, alice_browser):
    image = make_image(user=alice)
    bobs = make_image(user=bob)
    response = alice_browser.post(f"/images/{image.pk}/iterate/style-transfer/", {"style_image_id": str(bobs.pk)})
    assert response.status_code == 422
    assert "That style image was not found" in response.content.decode()
    assert not GenerationJob.objects.exists()


def test_someone_elses_image_has_no_tools(alice, bob_browser_client):
    image = make_image(user=alice)
    assert bob_browser_client.get(f"/images/{image.pk}/iterate/upscale/").status_code == 404
    assert bob_browser_client.post(f"/images/{image.pk}/iterate/upscale/", {"scale": "2"}).status_code == 404
    assert not GenerationJob.objects.exists()


@pytest.fixture
def bob_browser_client(bob):
    from django.test import Client

    client = Client()
    client.force_login(bob)
    return client


def test_remix_from_the_generate_form_keeps_the_lineage(alice, alice_browser):
    image = make_image(user=alice, width=320, height=256)
    page = alice_browser.get(f"/generate/?remix={image.pk}").content.decode()
    assert f'name="remix_of" value="{image.pk}"' in page and 'data-testid="remix-banner"' in page
    form = {
        "model": "offline/studio-v1",
        "prompt": "the same, at dusk",
        "aspect_ratio": "1:1",
        "num_images": 1,
        "remix_of": str(image.pk),
    }
    assert alice_browser.post("/generate/", form).status_code == 302
    job = GenerationJob.objects.get()
    assert (job.action, job.parent_image_id, job.user_prompt) == ("remix", image.pk, "the same, at dusk")


def test_remixing_someone_elses_image_does_not_make_it_a_parent(alice, bob, alice_browser):
    bobs = make_image(user=bob)
    form = {"model": "offline/studio-v1", "prompt": "x", "aspect_ratio": "1:1", "num_images": 1, "remix_of": bobs.pk}
    assert alice_browser.post("/generate/", form).status_code == 302
    job = GenerationJob.objects.get()
    assert (job.action, job.parent_image_id) == ("generate", None)


def test_gallery_tiles_and_generate_results_link_the_tools(alice, alice_browser):
    image = make_image(user=alice)
    body = alice_browser.get("/images/").content.decode()
    assert f'data-iterate="/images/{image.pk}/iterate/edit/"' in body  # the lightbox's tools button
    assert f'href="/images/{image.pk}/iterate/upscale/"' in body  # the tile's hover action


def test_a_cut_out_is_shown_on_a_checkerboard(alice, alice_browser):
    cut_out = make_image(user=alice, operation="remove-background")
    assert "checkerboard" in alice_browser.get(f"/images/{cut_out.pk}/").content.decode()
    assert "checkerboard" not in alice_browser.get(f"/images/{make_image(user=alice).pk}/").content.decode()
