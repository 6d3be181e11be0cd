"""A/B and X/Y comparisons: the grid's jobs share their seeds and differ only in the prompt or the swept
setting; bad setups name their field and queue nothing; the grid page shows labels and picks a winner."""

from __future__ import annotations

import json

import pytest

from imagestudio.catalog.params import ParameterError
from imagestudio.gallery.models import Image
from imagestudio.generation import experiments, runner
from imagestudio.generation.models import Experiment, GenerationJob, JobStatus
from tests.factories import RECORD_TASKS_ONLY, ai_model, make_image

pytestmark = pytest.mark.django_db
OFFLINE = "offline/studio-turbo"
SMALL = {"width": 256, "height": 256, "num_inference_steps": 2}


@pytest.fixture(autouse=True)
def _no_task_runs(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""


def jobs_of(experiment: Experiment) -> list[GenerationJob]:
    by_id = {str(job.pk): job for job in GenerationJob.objects.all()}
    return [by_id[cell["job"]] for cell in experiment.cells]


def test_ab_runs_every_prompt_on_the_same_seeds(alice):
    model = ai_model(OFFLINE)
    experiment = experiments.start(
        alice, model=model, prompts=["a red fox", "a blue whale", " "], seeds=[11, 22], parameters=SMALL
    )
    jobs = jobs_of(experiment)
    assert [(job.user_prompt, job.parameters["seed"]) for job in jobs] == [
        ("a red fox", 11),
        ("a red fox", 22),
        ("a blue whale", 11),
        ("a blue whale", 22),
    ]
    assert experiment.axes["rows"] == ["a red fox", "a blue whale"]
    assert {job.num_images for job in jobs} == {1}


def test_xy_sweeps_two_settings_and_keeps_everything_else(alice):
    model = ai_model(OFFLINE)
    x = experiments.parse_axis(model, "guidance_scale", "2, 6, 10", "x")
    y = experiments.parse_axis(model, "num_inference_steps", "2,4", "y")
    experiment = experiments.start(
        alice, model=model, prompt="a lighthouse", x=x, y=y, seed_count=1, parameters={"width": 256, "height": 256}
    )
    jobs = jobs_of(experiment)
    assert len(jobs) == 6 and len({job.parameters["seed"] for job in jobs}) == 1
    cells = {(cell["row"], cell["column"]) for cell in experiment.cells}
    assert cells == {(r, c) for r in range(2) for c in range(3)}
    for cell, job in zip(experiment.cells, jobs, strict=True):
        assert job.parameters["guidance_scale"] == [2.0, 6.0, 10.0][cell["column"]]
        assert job.parameters["num_inference_steps"] == [2, 4][cell["row"]]
    assert experiment.axes["columns"] == ["guidance scale = 2.0", "guidance scale = 6.0", "guidance scale = 10.0"]


@pytest.mark.parametrize(
    ("setup", "field"),
    [
        ({"prompts": ["only one"]}, "prompts"),
        ({"prompt": "x"}, "x"),
        ({"prompt": "", "x": ("guidance_scale", "2,4")}, "prompt"),
        ({"prompt": "x", "x": ("guidance_scale", "2,99")}, "guidance_scale"),
        ({"prompt": "x", "x": ("guidance_scale", "2,2")}, "x_values"),
        ({"prompt": "x", "x": ("guidance_scale", "2,abc")}, "x_values"),
        ({"prompt": "x", "x": ("seed", "1,2")}, "x"),
        (
            {"prompt": "x", "x": ("guidance_scale", "1,2,3,4,5,6"), "y": ("num_inference_steps", "1,2,3,4")},
            "seed_count",
        ),
    ],
)
def test_a_bad_setup_names_its_field_and_queues_nothing(alice, setup, field):
    model = ai_model(OFFLINE)
    with pytest.raises(ParameterError) as raised:
        x = experiments.parse_axis(model, *setup["x"], "x") if "x" in setup else None
        y = experiments.parse_axis(model, *setup["y"], "y") if "y" in setup else None
        experiments.start(
            alice, model=model, prompt=setup.get("prompt", ""), prompts=setup.get("prompts"), x=x, y=y, parameters=SMALL
        )
    assert raised.value.field == field
    assert not GenerationJob.objects.exists() and not Experiment.objects.exists()


def test_a_cell_error_says_which_cell(alice):
    model = ai_model(OFFLINE)
    x = experiments.parse_axis(model, "guidance_scale", "5, 50", "x")
    with pytest.raises(ParameterError, match=r"guidance scale = 50\.0: Guidance scale must be at most 20"):
        experiments.start(alice, model=model, prompt="x", x=x, parameters=SMALL)


def test_the_grid_page_labels_rows_and_columns_and_picks_a_winner(alice, alice_browser):
    model = ai_model(OFFLINE)
    x = experiments.parse_axis(model, "guidance_scale", "3,9", "x")
    experiment = experiments.start(alice, model=model, prompt="a kite", x=x, seeds=[5], parameters=SMALL)
    for job in jobs_of(experiment):
        assert runner.run(job.pk) == JobStatus.SUCCEEDED
    page = alice_browser.get(f"/generate/compare/{experiment.pk}/").content.decode()
    assert "guidance scale = 3.0" in page and "guidance scale = 9.0" in page
    assert page.count('data-testid="compare-cell"') == 2 and "hx-trigger" not in page.split("compare-grid")[1][:400]
    winner = Image.objects.filter(job__in=jobs_of(experiment)).first()
    response = alice_browser.post(f"/generate/compare/{experiment.pk}/winner/", {"image_id": str(winner.pk)})
    assert response.status_code == 302 and response["Location"] == f"/images/{winner.pk}/"
    experiment.refresh_from_db()
    assert experiment.winner_id == winner.pk


def test_a_winner_must_come_from_the_grid(alice, alice_browser):
    model = ai_model(OFFLINE)
    experiment = experiments.start(alice, model=model, prompts=["a", "b"], seeds=[1], parameters=SMALL)
    stranger = make_image(user=alice)
    alice_browser.post(f"/generate/compare/{experiment.pk}/winner/", {"image_id": str(stranger.pk)})
    experiment.refresh_from_db()
    assert experiment.winner_id is None


def test_the_setup_page_queues_a_comparison(alice, alice_browser):
    form = {
        "model_id": OFFLINE,
        "mode": "prompts",
        "prompts": "a fox\na wolf",
        "seed_count": "2",
        "x": "",
        "y": "",
    }
    response = alice_browser.post("/generate/compare/", form)
    experiment = Experiment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/generate/compare/{experiment.pk}/"
    assert GenerationJob.objects.count() == 4
    assert alice_browser.get("/generate/compare/").status_code == 200


def test_the_setup_page_keeps_the_input_on_an_error(alice, alice_browser):
    form = {"model_id": OFFLINE, "mode": "sweep", "prompt": "a quiet bay", "x": "guidance_scale", "x_values": "4"}
    response = alice_browser.post("/generate/compare/", form)
    body = response.content.decode()
    assert response.status_code == 422 and "Give 2 to 6 values" in body and "a quiet bay" in body
    assert not GenerationJob.objects.exists()


def test_someone_elses_comparison_is_not_found(alice, bob, alice_browser):
    experiment = experiments.start(bob, model=ai_model(OFFLINE), prompts=["a", "b"], seeds=[1], parameters=SMALL)
    assert alice_browser.get(f"/generate/compare/{experiment.pk}/").status_code == 404


def test_the_api_queues_a_sweep_and_answers_its_grid(alice, alice_api, bob_api):
    body = {
        "model_id": OFFLINE,
        "prompt": "a paper boat",
        "x": {"name": "guidance_scale", "values": [3, 8]},
        "seeds": [4, 5],
        "parameters": {"width": 256, "height": 256, "num_inference_steps": 2},
    }
    response = alice_api.post("/api/generate/compare", json.dumps(body), content_type="application/json")
    assert response.status_code == 202, response.content
    grid = response.json()
    assert (grid["columns"], grid["seeds"], len(grid["cells"])) == (
        ["guidance scale = 3.0", "guidance scale = 8.0"],
        [4, 5],
        4,
    )
    assert {(cell["column"], cell["seed"], cell["job"]["status"]) for cell in grid["cells"]} == {
        (0, 4, "queued"),
        (0, 5, "queued"),
        (1, 4, "queued"),
        (1, 5, "queued"),
    }
    again = alice_api.get(f"/api/generate/compare/{grid['id']}")
    assert again.status_code == 200 and again.json()["cells"] == grid["cells"]
    assert bob_api.get(f"/api/generate/compare/{grid['id']}").status_code == 404


def test_the_api_refuses_a_bad_sweep_naming_the_field(alice_api):
    body = {"model_id": OFFLINE, "prompt": "x", "x": {"name": "guidance_scale", "values": [3, 99]}}
    response = alice_api.post("/api/generate/compare", json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "guidance_scale"
    assert not GenerationJob.objects.exists()
