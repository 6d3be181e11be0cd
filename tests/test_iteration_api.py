"""The iteration API: every operation answers 202 with its job; the images it makes carry `parent_id` and
`operation`; bad input is a 422 naming the field; access follows the one access helper."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from imagestudio.gallery.models import Image
from imagestudio.generation import runner
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.factories import RECORD_TASKS_ONLY, make_image, make_project, png_bytes, store_subject, subject_png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_task_runs(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""


def error_field(body: dict) -> str:
    """The field a 422 names: ours say `field`; schema errors are ninja's `detail[0].loc`."""
    if "field" in body:
        return body["field"]
    return ".".join(str(part) for part in body["detail"][0]["loc"])


def post(client, path: str, body: dict | None = None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def mask_png(size=(64, 48), box=(4, 4, 30, 30)) -> bytes:
    mask = PILImage.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def ran(client, response) -> dict:
    """Run the queued job; answer the API's view of the one image it made."""
    assert response.status_code == 202, response.content
    job = response.json()
    assert runner.run(job["id"]) == JobStatus.SUCCEEDED, GenerationJob.objects.get(pk=job["id"]).error_message
    status = client.get(f"/api/generate/queue/{job['id']}/status").json()
    (image_id,) = status["image_ids"]
    return client.get(f"/api/images/{image_id}").json()


@pytest.mark.parametrize(
    ("route", "body", "operation", "size"),
    [
        ("upscale", {"scale": 4}, "upscale", (256, 192)),
        ("remove-background", {}, "remove-background", (64, 48)),
        ("outpaint", {"left": 16, "bottom": 8}, "outpaint", (80, 56)),
        ("outpaint", {"aspect_ratio": "1:1"}, "outpaint", (64, 64)),
        ("edit", {"crop": {"x": 0, "y": 0, "width": 32, "height": 24}, "flip": "horizontal"}, "edit", (32, 24)),
        ("edit", {"rotate": 90, "adjust": {"contrast": 0.2}}, "edit", (48, 64)),
        ("variation", {"strength": 0.4}, "variation", (64, 48)),
    ],
)
def test_each_operation_queues_a_job_whose_image_is_the_childs(alice, alice_api, route, body, operation, size):
    source = store_subject(alice, subject_png(64, 48))
    image = ran(alice_api, post(alice_api, f"/api/images/{source.pk}/{route}", body))
    assert (image["parent_id"], image["operation"], (image["width"], image["height"])) == (
        str(source.pk),
        operation,
        size,
    )


def test_inpaint_takes_a_data_url_mask(alice, alice_api):
    source = make_image(user=alice)
    mask = "data:image/png;base64," + base64.b64encode(mask_png()).decode()
    image = ran(alice_api, post(alice_api, f"/api/images/{source.pk}/inpaint", {"mask": mask, "prompt": "a moon"}))
    assert (image["operation"], image["prompt"]) == ("inpaint", "a moon")


def test_inpaint_takes_a_multipart_mask_file(alice, alice_api):
    source = make_image(user=alice)
    mask = io.BytesIO(mask_png())
    mask.name = "mask.png"
    response = alice_api.post(
        f"/api/images/{source.pk}/inpaint", {"mask": mask, "prompt": "a sun", "parameters": '{"feather": 2}'}
    )
    image = ran(alice_api, response)
    assert image["operation"] == "inpaint"
    assert GenerationJob.objects.get().parameters["feather"] == 2


def test_image_to_image_from_an_image_id(alice, alice_api):
    source = make_image(user=alice)
    body = {"image_id": str(source.pk), "prompt": "in autumn", "strength": 0.5}
    image = ran(alice_api, post(alice_api, "/api/generate/image-to-image", body))
    assert (image["parent_id"], image["operation"], image["prompt"]) == (str(source.pk), "image-to-image", "in autumn")


def test_image_to_image_from_an_upload_stores_the_upload_as_the_parent(alice, alice_api):
    upload = io.BytesIO(png_bytes(80, 60))
    upload.name = "photo.png"
    image = ran(alice_api, alice_api.post("/api/generate/image-to-image", {"file": upload, "prompt": "as a painting"}))
    parent = Image.objects.get(pk=image["parent_id"])
    assert (parent.operation, parent.user_id, parent.width) == ("import", alice.pk, 80)
    assert (image["width"], image["height"]) == (80, 60)


def test_an_upload_that_is_not_an_image_is_refused(alice, alice_api):
    upload = io.BytesIO(b"<svg onload=alert(1)>")
    upload.name = "x.png"
    response = alice_api.post("/api/generate/image-to-image", {"file": upload, "prompt": "x"})
    assert response.status_code == 415 and response.json()["field"] == "file"  # the upload validator's status
    assert not Image.objects.exists() and not GenerationJob.objects.exists()


def test_remix_overrides_the_recipe(alice, alice_api):
    source = make_image(user=alice, width=320, height=256)
    body = {"prompt": "the same at night", "parameters": {"num_inference_steps": 6}}
    image = ran(alice_api, post(alice_api, f"/api/images/{source.pk}/remix", body))
    assert (image["operation"], image["prompt"], image["parent_id"]) == ("remix", "the same at night", str(source.pk))
    assert image["parameters"]["num_inference_steps"] == 6


def test_style_transfer_takes_another_visible_image(alice, bob, alice_api):
    source, style = make_image(user=alice), make_image(user=alice, prompt="a style")
    image = ran(
        alice_api, post(alice_api, f"/api/images/{source.pk}/style-transfer", {"style_image_id": str(style.pk)})
    )
    assert image["operation"] == "style-transfer"
    bobs = make_image(user=bob)
    refused = post(alice_api, f"/api/images/{source.pk}/style-transfer", {"style_image_id": str(bobs.pk)})
    assert refused.status_code == 422 and refused.json()["field"] == "style_image_id"


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("upscale", {"scale": 3}, "scale"),
        ("upscale", {"scale": 2, "model_id": "fal-ai/flux/dev"}, "model_id"),
        ("inpaint", {"prompt": "x"}, "mask"),
        ("inpaint", {"prompt": "x", "mask": "data:image/png;base64,iVBORw0KGgoAAAA="}, "mask"),  # a damaged PNG
        ("outpaint", {}, "left"),
        ("edit", {}, "edit"),
        ("edit", {"adjust": {"brightness": 2}}, "adjust.brightness"),
        ("style-transfer", {}, "style_image_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(alice, alice_api, route, body, field):
    source = make_image(user=alice)
    response = post(alice_api, f"/api/images/{source.pk}/{route}", body)
    assert response.status_code == 422, response.content
    assert error_field(response.json()).endswith(field)
    assert not GenerationJob.objects.exists()


def test_an_outsiders_image_is_not_found(alice, bob_api):
    source = make_image(user=alice)
    for route, body in [("upscale", {"scale": 2}), ("remove-background", {}), ("edit", {"flip": "vertical"})]:
        assert post(bob_api, f"/api/images/{source.pk}/{route}", body).status_code == 404
    assert post(bob_api, "/api/generate/image-to-image", {"image_id": str(source.pk), "prompt": "x"}).status_code == 404
    assert not GenerationJob.objects.exists()


def test_in_a_team_editors_iterate_and_viewers_may_not(alice, bob, alice_api, bob_api):
    team = create_team(alice, "Studio")
    project = make_project(user=alice, workspace=team)
    source = make_image(user=alice, project=project)
    set_member(team, bob, Role.VIEWER)
    assert post(bob_api, f"/api/images/{source.pk}/upscale", {"scale": 2}).status_code == 403
    assert not GenerationJob.objects.exists()
    set_member(team, bob, Role.EDITOR)
    response = post(bob_api, f"/api/images/{source.pk}/upscale", {"scale": 2})
    assert response.status_code == 202
    job = GenerationJob.objects.get()
    assert (job.user_id, job.project_id) == (bob.pk, project.pk)


def test_the_openapi_spec_documents_every_iteration_route(alice_api):
    spec = alice_api.get("/api/openapi.json").json()
    paths = spec["paths"]
    assert "/api/generate/image-to-image" in paths
    for route in [
        "variation",
        "upscale",
        "remix",
        "inpaint",
        "outpaint",
        "remove-background",
        "style-transfer",
        "edit",
    ]:
        operation = paths[f"/api/images/{{image_id}}/{route}"]["post"]
        assert {"202", "404", "422"} <= set(operation["responses"]), route
    assert "multipart/form-data" in paths["/api/images/{image_id}/inpaint"]["post"]["requestBody"]["content"]
