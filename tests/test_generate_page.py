"""The generate page: schema-built panel, styles, live estimate, presets, history restore, regenerate, vary."""

from __future__ import annotations

import pytest

from imagestudio.catalog.panel import build_panel
from imagestudio.catalog.services import fal_catalog
from imagestudio.generation.models import GenerationJob, Preset
from imagestudio.projects import services as projects
from imagestudio.workspaces.services import personal_workspace
from tests.factories import RECORD_TASKS_ONLY, make_image, make_job, make_project

pytestmark = pytest.mark.django_db
BASE = {
    "model": "offline/studio-v1",
    "prompt": "a lighthouse at dusk",
    "aspect_ratio": "custom",
    "width": 256,
    "height": 256,
    "num_images": 1,
}


def schema(endpoint: str) -> dict:
    return next(e["input"] for e in fal_catalog()["endpoints"] if e["endpoint_id"] == endpoint)


def test_the_panel_offers_only_what_the_model_takes():
    flux = {f.name: f for f in build_panel(schema("fal-ai/flux/dev")).fields}
    assert flux["num_inference_steps"].max == 50 and flux["num_inference_steps"].default == 28
    assert flux["guidance_scale"].primary and flux["enable_safety_checker"].kind == "boolean"
    assert flux["output_format"].choices == ["jpeg", "png"]
    assert "sync_mode" not in flux and "prompt" not in flux
    ultra = build_panel(schema("fal-ai/flux-pro/v1.1-ultra"))
    assert "num_inference_steps" not in {f.name for f in ultra.fields}
    assert not ultra.supports_custom_size and not ultra.has_negative_prompt


def test_the_panel_swaps_with_the_model(alice_browser, settings):
    settings.FAL_KEY = "k"
    response = alice_browser.get("/generate/panel/", {"model": "fal-ai/fast-sdxl"})
    assert b'name="num_inference_steps"' in response.content and b'data-model="fal-ai/fast-sdxl"' in response.content


def test_styles_add_their_fragments_visibly(alice_browser, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    alice_browser.post("/generate/", {**BASE, "style": "cinematic"})
    job = GenerationJob.objects.get()
    assert job.prompt.startswith("a lighthouse at dusk, cinematic still")
    assert job.user_prompt == "a lighthouse at dusk" and job.style == "cinematic"
    assert job.parameters["style"] == "cinematic"  # the offline engine renders it too


def test_panel_settings_reach_the_job_and_bad_ones_are_refused(alice_browser, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    alice_browser.post("/generate/", {**BASE, "num_inference_steps": "9", "guidance_scale": "3.5"})
    job = GenerationJob.objects.get()
    assert job.parameters["num_inference_steps"] == 9 and job.parameters["guidance_scale"] == 3.5
    response = alice_browser.post("/generate/", {**BASE, "num_inference_steps": "500"})
    assert response.status_code == 422 and b"at most 50" in response.content
    assert GenerationJob.objects.count() == 1


def test_the_estimate_explains_a_disabled_button(alice_browser, alice, settings):
    settings.FAL_KEY = "k"
    free = alice_browser.get(
        "/generate/estimate/", {"model": "offline/studio-v1", "aspect_ratio": "1:1", "num_images": 4}
    )
    assert b"Free" in free.content
    paid = alice_browser.get(
        "/generate/estimate/", {"model": "fal-ai/flux/dev", "aspect_ratio": "1:1", "num_images": 4}
    )
    assert b"10 credits" in paid.content and b"estimate-problem" not in paid.content
    alice.credits_balance = 3
    alice.save(update_fields=["credits_balance"])
    short = alice_browser.get(
        "/generate/estimate/", {"model": "fal-ai/flux/dev", "aspect_ratio": "1:1", "num_images": 4}
    )
    assert b"Not enough credits" in short.content


def test_presets_save_and_load(alice_browser, alice):
    alice_browser.post("/generate/presets/", {**BASE, "style": "anime", "name": "Anime drafts", "guidance_scale": "4"})
    preset = Preset.objects.get(user=alice)
    assert preset.settings["form"]["style"] == "anime" and preset.settings["panel"]["guidance_scale"] == "4"
    page = alice_browser.get("/generate/", {"preset": preset.pk}).content.decode()
    assert "a lighthouse at dusk" in page and 'value="anime" selected' in page


def test_a_preset_saved_while_remixing_keeps_no_link_to_the_image(alice_browser, alice):
    image = make_image(user=alice)
    response = alice_browser.post("/generate/presets/", {**BASE, "name": "From a remix", "remix_of": str(image.pk)})
    assert response.status_code == 302
    assert "remix_of" not in Preset.objects.get(user=alice).settings["form"]


def test_an_account_keeps_at_most_so_many_presets(alice_browser, alice, settings):
    settings.USER_MAX_PRESETS = 2
    for name in ("One", "Two", "Three"):
        alice_browser.post("/generate/presets/", {**BASE, "name": name})
    assert sorted(Preset.objects.filter(user=alice).values_list("name", flat=True)) == ["One", "Two"]
    alice_browser.post("/generate/presets/", {**BASE, "name": "Two", "style": "noir"})  # updating one is fine
    assert Preset.objects.get(user=alice, name="Two").settings["form"]["style"] == "noir"


def test_history_restores_every_setting(alice_browser, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    alice_browser.post("/generate/", {**BASE, "seed": 4242, "style": "noir", "num_inference_steps": "12"})
    job = GenerationJob.objects.get()
    page = alice_browser.get("/generate/", {"from": job.pk}).content.decode()
    assert 'value="4242"' in page and "a lighthouse at dusk" in page and 'value="noir" selected' in page
    assert 'name="num_inference_steps"' in page and 'value="12"' in page


def test_regenerate_and_vary_use_new_seeds(alice_browser, alice, settings):
    settings.TASKS = RECORD_TASKS_ONLY
    alice_browser.post("/generate/", {**BASE, "seed": 7})
    job = GenerationJob.objects.get()
    alice_browser.post(f"/generate/jobs/{job.pk}/regenerate/", headers={"HX-Request": "true"})
    again = GenerationJob.objects.exclude(pk=job.pk).get()
    assert again.prompt == job.prompt and (again.width, again.height) == (256, 256)
    assert job.parameters["seed"] == 7 and again.parameters["seed"] not in (None, 7)
    image = make_image(user=alice, job=job, seed=7)
    alice_browser.post(f"/images/{image.pk}/vary/")
    variation = GenerationJob.objects.get(action="variation")
    assert variation.parent_image_id == image.pk and variation.prompt == job.prompt
    assert variation.parameters["seed"] not in (None, 7, again.parameters["seed"])


def test_the_style_fragment_is_shown(alice_browser):
    alice_browser.post("/generate/presets/", {**BASE, "style": "noir", "name": "Noir"})
    preset = Preset.objects.get()
    html = alice_browser.get("/generate/", {"preset": preset.pk}).content.decode()
    assert "Adds: film noir, black and white" in html


def test_a_rejected_setting_is_shown_on_its_field_when_restored(alice_browser, alice):
    job = make_job(
        user=alice,
        prompt="x",
        status="failed",
        error_field="num_inference_steps",
        error_message="fal.ai rejected a setting: too many steps",
    )
    html = alice_browser.get("/generate/", {"from": job.pk}).content.decode()
    assert "too many steps" in html


def test_jobs_can_be_scheduled_over_the_api(alice_api, settings):
    import json
    from datetime import timedelta

    from django.utils import timezone

    settings.TASKS = RECORD_TASKS_ONLY
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    response = alice_api.post(
        "/api/generate/text-to-image",
        json.dumps({"model_id": "offline/studio-v1", "prompt": "later", "run_after": later}),
        content_type="application/json",
    )
    assert response.status_code == 202
    assert GenerationJob.objects.get().run_after > timezone.now() + timedelta(minutes=59)


def test_generating_into_a_project_from_its_link_uses_its_defaults(alice, alice_browser):
    project = projects.create_project(
        workspace=personal_workspace(alice),
        user=alice,
        fields=projects.ProjectFields(name="Posters"),
        template="storyboard",  # defaults: offline model, 16:9
    )
    page = alice_browser.get(f"/generate/?project={project.pk}")
    form = page.context["form"]
    assert form["project"].value() == project.pk
    assert form["aspect_ratio"].value() == "16:9"
    assert 'data-testid="project-select"' in page.content.decode()

    body = {
        "model": "offline/studio-v1",
        "project": str(project.pk),
        "prompt": "a lighthouse at dusk",
        "aspect_ratio": "1:1",
        "resolution": "0.5",
        "num_images": "1",
        "style": "none",
    }
    response = alice_browser.post("/generate/", body)
    assert response.status_code == 302 and response["Location"] == f"/generate/?project={project.pk}"
    job = alice.jobs.get()
    assert job.project_id == project.pk


def test_a_project_someone_may_not_edit_is_refused_on_the_generate_page(alice, bob, alice_browser):
    theirs = make_project(user=bob, name="Bob's")
    assert alice_browser.get(f"/generate/?project={theirs.pk}").status_code == 404
    body = {
        "model": "offline/studio-v1",
        "project": str(theirs.pk),
        "prompt": "x",
        "aspect_ratio": "1:1",
        "num_images": "1",
    }
    response = alice_browser.post("/generate/", body)
    assert response.status_code == 422
    assert "project" in response.context["form"].errors
    assert not alice.jobs.exists()
