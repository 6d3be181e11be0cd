"""The batch API: one of four sources, 202 with the batch, 422 listing bad lines, status with counts and
items, and the control routes (409 when a command does not fit the batch's state)."""

from __future__ import annotations

import json

import pytest

from imagestudio.batches.models import Batch
from imagestudio.generation import runner
from imagestudio.generation.models import GenerationJob, JobStatus, Preset
from imagestudio.workspaces.models import Role
from imagestudio.workspaces.services import create_team, set_member
from tests.factories import RECORD_TASKS_ONLY, make_project

pytestmark = pytest.mark.django_db(transaction=True)
TURBO = "offline/studio-turbo"
SMALL = {"width": 256, "height": 256, "num_inference_steps": 1}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""
    settings.BATCH_FEED_AHEAD = 2


def post(client, path: str, body: dict | None = None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


@pytest.mark.parametrize(
    ("source", "total"),
    [
        ({"prompts": ["a fox", "a whale", "a kite"]}, 3),
        ({"csv": "prompt,seed\na fox,1\na whale,2\n"}, 2),
        (
            {"template": "a {{animal}} at {{time}}", "variables": {"animal": ["fox", "owl"], "time": ["dawn", "dusk"]}},
            4,
        ),
        ({"prompt": "a lighthouse", "seeds": [1, 2, 3, 4, 5]}, 5),
    ],
)
def test_each_source_makes_a_batch(alice, alice_api, source, total):
    response = post(alice_api, "/api/generate/batch", {**source, "model_id": TURBO, "parameters": SMALL})
    assert response.status_code == 202, response.content
    batch = response.json()["batch"]
    assert (batch["total"], batch["status"], batch["estimated_credits"]) == (total, "running", 0)
    assert GenerationJob.objects.count() == min(total, 2)


def test_a_bad_csv_is_answered_with_every_bad_line(alice_api):
    body = {"csv": "prompt,seed,guidance_scale\na fox,x,3\n,2,3\na kite,3,80\n", "model_id": TURBO}
    response = post(alice_api, "/api/generate/batch", body)
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(2, "seed"), (3, "prompt")]
    body["csv"] = "prompt,guidance_scale\na fox,3\na kite,80\n"  # the rows parse; the model refuses one
    errors = post(alice_api, "/api/generate/batch", body).json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "guidance_scale")]
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"prompts": ["a"], "csv": "prompt\na\n"}, {"prompt": "a"}],
)
def test_exactly_one_source_is_required(alice_api, body):
    response = post(alice_api, "/api/generate/batch", {**body, "model_id": TURBO})
    assert response.status_code == 422 and response.json()["field"] == "source"


def test_status_counts_items_and_the_controls(alice, alice_api):
    created = post(
        alice_api, "/api/generate/batch", {"prompts": ["a", "b", "c"], "model_id": TURBO, "parameters": SMALL}
    )
    batch_id = created.json()["batch"]["id"]
    first = GenerationJob.objects.filter(batch_id=batch_id).order_by("created_at").first()
    assert runner.run(first.pk) == JobStatus.SUCCEEDED
    status = alice_api.get(f"/api/generate/batch/{batch_id}").json()
    assert status["counts"] == {"pending": 0, "queued": 2, "running": 0, "succeeded": 1, "failed": 0, "canceled": 0}
    assert [item["status"] for item in status["items"]] == ["succeeded", "queued", "queued"]
    assert len(status["items"][0]["image_ids"]) == 1
    page = alice_api.get(f"/api/generate/batch/{batch_id}?limit=2").json()
    assert [item["position"] for item in page["items"]] == [0, 1] and page["next_position"] == 1
    paused = post(alice_api, f"/api/generate/batch/{batch_id}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert post(alice_api, f"/api/generate/batch/{batch_id}/pause").status_code == 409
    assert post(alice_api, f"/api/generate/batch/{batch_id}/resume").json()["status"] == "running"
    assert post(alice_api, f"/api/generate/batch/{batch_id}/cancel").json()["status"] == "canceled"
    assert post(alice_api, f"/api/generate/batch/{batch_id}/retry-failed").status_code == 409
    queue = alice_api.get("/api/generate/queue").json()["items"]
    assert {job["batch_id"] for job in queue} == {batch_id}
    # jobs the pause took back into the batch have no item any more; the others say how their batch stands
    assert {job["batch_status"] for job in queue if job["status"] != "canceled" or job["batch_status"]} == {"canceled"}


def test_others_see_a_batch_by_their_role(alice, bob, alice_api, bob_api):
    team = create_team(alice, "Studio")
    project = make_project(user=alice, workspace=team)
    body = {"prompts": ["a", "b"], "model_id": TURBO, "parameters": SMALL, "project_id": str(project.pk)}
    batch_id = post(alice_api, "/api/generate/batch", body).json()["batch"]["id"]
    assert bob_api.get(f"/api/generate/batch/{batch_id}").status_code == 404
    set_member(team, bob, Role.VIEWER)
    assert bob_api.get(f"/api/generate/batch/{batch_id}").status_code == 200
    assert post(bob_api, f"/api/generate/batch/{batch_id}/pause").status_code == 403
    set_member(team, bob, Role.ADMIN)
    assert post(bob_api, f"/api/generate/batch/{batch_id}/pause").status_code == 200


def test_a_preset_brings_its_model_and_settings(alice, alice_api):
    preset = Preset.objects.create(
        user=alice,
        name="Small drafts",
        settings={
            "form": {
                "model": TURBO,
                "aspect_ratio": "custom",
                "width": 320,
                "height": 256,
                "style": "anime",
                "seed": 9,
            },
            "panel": {"num_inference_steps": 2},
        },
    )
    body = {"prompts": ["a fox", "an owl"], "preset_id": str(preset.pk)}
    assert post(alice_api, "/api/generate/batch", body).status_code == 202
    jobs = list(GenerationJob.objects.order_by("created_at"))
    assert {(j.model.endpoint_id, j.width, j.height, j.style, j.parameters["num_inference_steps"]) for j in jobs} == {
        (TURBO, 320, 256, "anime", 2)
    }
    assert len({job.parameters["seed"] for job in jobs}) == 2  # the preset's seed is not shared


def test_dynamic_prompts_in_a_batch(alice_api):
    body = {"prompts": ["a {red|blue} kite"], "model_id": TURBO, "parameters": SMALL, "dynamic": "all"}
    created = post(alice_api, "/api/generate/batch", body).json()["batch"]
    assert created["total"] == 2
    items = alice_api.get(f"/api/generate/batch/{created['id']}").json()["items"]
    assert [item["prompt"] for item in items] == ["a red kite", "a blue kite"]
