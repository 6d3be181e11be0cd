"""Iteration operations on the offline engine, run as real jobs: each result is checked pixel by pixel
against its source, and records its parent and operation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from imagestudio.catalog.params import ParameterError
from imagestudio.gallery.models import Image
from imagestudio.gallery.upload import UploadError
from imagestudio.generation import operations, runner
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.generation.providers import offline_ops
from tests.factories import RECORD_TASKS_ONLY, store_subject, subject_png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_task_runs(settings):
    settings.TASKS = RECORD_TASKS_ONLY
    settings.FAL_KEY = ""


def pixels(image: Image) -> np.ndarray:
    with image.file.open("rb") as handle:
        picture = PILImage.open(io.BytesIO(handle.read()))
        picture.load()
    return np.asarray(picture)


def result_of(job: GenerationJob) -> Image:
    assert runner.run(job.pk) == JobStatus.SUCCEEDED, GenerationJob.objects.get(pk=job.pk).error_message
    job.refresh_from_db()
    (image,) = Image.objects.filter(job=job)
    assert (image.parent_image_id, image.operation) == (job.parent_image_id, job.action)
    assert job.credits_charged == 0  # the offline engine is free
    return image


def test_image_to_image_keeps_the_size_and_changes_the_pixels(alice):
    source = store_subject(alice)
    job = operations.image_to_image(alice, source, prompt="a green pear, watercolor", strength=0.7)
    assert (job.model.endpoint_id, job.width, job.height) == ("offline/studio-img2img", 96, 72)
    result = result_of(job)
    before, after = pixels(source), pixels(result)
    assert after.shape == before.shape
    assert np.abs(after.astype(int) - before.astype(int)).mean() > 5
    assert result.prompt == "a green pear, watercolor"
    assert result.lineage_root_id == source.pk


def test_a_low_strength_changes_less_than_a_high_one(alice):
    source = store_subject(alice)
    low = result_of(operations.image_to_image(alice, source, prompt="blue sky", strength=0.1, parameters={"seed": 5}))
    high = result_of(operations.image_to_image(alice, source, prompt="blue sky", strength=0.9, parameters={"seed": 5}))
    base = pixels(source).astype(int)
    assert np.abs(pixels(low).astype(int) - base).mean() < np.abs(pixels(high).astype(int) - base).mean()


def mask_png(size: tuple[int, int], box: tuple[int, int, int, int]) -> bytes:
    mask = PILImage.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def test_inpaint_changes_only_inside_the_mask(alice):
    source = store_subject(alice)
    job = operations.inpaint(alice, source, mask=mask_png((96, 72), (10, 10, 40, 40)), prompt="a golden coin")
    result = result_of(job)
    before, after = pixels(source).astype(int), pixels(result).astype(int)
    inside = np.zeros(before.shape[:2], bool)
    inside[10:41, 10:41] = True
    assert np.array_equal(after[~inside], before[~inside])
    assert np.abs(after[inside] - before[inside]).mean() > 3


def test_a_mask_drawn_on_a_transparent_canvas_counts_its_painted_strokes(alice):
    source = store_subject(alice)
    canvas = PILImage.new("RGBA", (48, 36), (0, 0, 0, 0))  # half size, same aspect: scaled up to the image
    ImageDraw.Draw(canvas).rectangle((24, 0, 47, 35), fill=(255, 255, 255, 255))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    result = result_of(operations.inpaint(alice, source, mask=out.getvalue(), prompt="sea"))
    before, after = pixels(source).astype(int), pixels(result).astype(int)
    assert np.array_equal(after[:, :44], before[:, :44])
    assert np.abs(after[:, 52:] - before[:, 52:]).mean() > 3


@pytest.mark.parametrize(
    ("mask", "message", "error"),
    [
        (b"not a png", "not an image", UploadError),  # the upload validator's answer (415), like any upload
        ("empty", "empty", ParameterError),
        ("square", "draw it over the image", ParameterError),
    ],
)
def test_bad_masks_are_refused_before_anything_is_queued(alice, mask, message, error):
    source = store_subject(alice)
    if mask == "empty":
        mask = mask_png((96, 72), (0, 0, 0, 0))
        mask = mask_png((96, 72), (-5, -5, -1, -1))
    elif mask == "square":
        mask = mask_png((50, 50), (0, 0, 20, 20))
    with pytest.raises(error, match=message) as raised:
        operations.inpaint(alice, source, mask=mask, prompt="x")
    assert raised.value.field == "mask"
    assert not GenerationJob.objects.exists()


def test_outpaint_extends_the_canvas_and_keeps_the_original_exactly(alice):
    source = store_subject(alice)
    job = operations.outpaint(alice, source, left=16, right=8, top=0, bottom=24, prompt="a wooden table")
    result = result_of(job)
    assert (result.width, result.height) == (96 + 24, 72 + 24)
    assert np.array_equal(pixels(result)[0:72, 16 : 16 + 96], pixels(source))


def test_outpaint_to_an_aspect_ratio(alice):
    result = result_of(operations.outpaint(alice, store_subject(alice), aspect_ratio="16:9"))
    assert (result.width, result.height) == (128, 72)


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_upscale_dimensions_are_exact(alice, scale):
    source = store_subject(alice, subject_png(40, 30))
    result = result_of(operations.upscale(alice, source, scale=scale))
    assert (result.width, result.height) == (40 * scale, 30 * scale)
    assert pixels(result).shape[:2] == (30 * scale, 40 * scale)


def test_background_removal_makes_the_background_transparent(alice):
    result = result_of(operations.remove_background(alice, store_subject(alice)))
    alpha = pixels(result)[..., 3]
    assert result.format.lower() == "png"
    assert alpha[2, 50] == 0 and alpha[70, 90] == 0  # the flat background
    assert alpha[36, 48] == 255  # the middle of the disc


def test_style_transfer_moves_the_colours_toward_the_reference(alice):
    content = store_subject(alice)
    blue = PILImage.new("RGB", (64, 64), (30, 60, 200))
    out = io.BytesIO()
    blue.save(out, "PNG")
    reference = store_subject(alice, out.getvalue(), prompt="deep blue")
    result = result_of(operations.style_transfer(alice, content, style_image=reference))
    before, after = pixels(content)[..., :3].mean(axis=(0, 1)), pixels(result)[..., :3].mean(axis=(0, 1))
    assert after.shape == before.shape and result.width == 96
    assert after[2] - after[0] > before[2] - before[0] + 20  # bluer than red, by a lot more than before
    assert GenerationJob.objects.get(pk=result.job_id).inputs["style_image_id"] == str(reference.pk)


def test_edits_are_exact(alice):
    source = store_subject(alice)
    before = pixels(source)
    crop = result_of(operations.edit(alice, source, steps={"crop": {"x": 10, "y": 5, "width": 30, "height": 20}}))
    assert np.array_equal(pixels(crop), before[5:25, 10:40])
    flipped = result_of(operations.edit(alice, source, steps={"flip": "horizontal"}))
    assert np.array_equal(pixels(flipped), before[:, ::-1])
    turned = result_of(operations.edit(alice, source, steps={"rotate": 90}))
    assert (turned.width, turned.height) == (72, 96)
    assert np.array_equal(pixels(turned), np.rot90(before))
    resized = result_of(operations.edit(alice, source, steps={"resize": {"width": 50, "height": 20}}))
    assert (resized.width, resized.height) == (50, 20)
    brighter = result_of(operations.edit(alice, source, steps={"adjust": {"brightness": 0.5}}))
    assert pixels(brighter).mean() > before.mean() + 5
    assert all(image.operation == "edit" for image in (crop, flipped, turned, resized, brighter))


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda u, i: operations.upscale(u, i, scale=3), "scale"),
        (lambda u, i: operations.outpaint(u, i), "left"),
        (lambda u, i: operations.outpaint(u, i, left=-3), "left"),
        (lambda u, i: operations.outpaint(u, i, aspect_ratio="wide"), "aspect_ratio"),
        (lambda u, i: operations.edit(u, i, steps={}), "edit"),
        (lambda u, i: operations.edit(u, i, steps={"crop": {"x": 90, "y": 0, "width": 20, "height": 5}}), "crop"),
        (lambda u, i: operations.edit(u, i, steps={"adjust": {"brightness": 3}}), "adjust"),
        (lambda u, i: operations.edit(u, i, steps={"flip": "diagonal"}), "flip"),
        (lambda u, i: operations.style_transfer(u, i, style_image=i), "style_image_id"),
        (lambda u, i: operations.image_to_image(u, i, prompt="x", strength=1.5), "strength"),
        (lambda u, i: operations.image_to_image(u, i, prompt="   "), "prompt"),
        (lambda u, i: operations.upscale(u, i, scale=2, model_id="offline/studio-v1"), "model_id"),
    ],
)
def test_bad_inputs_name_their_field_and_queue_nothing(alice, call, field):
    with pytest.raises(ParameterError) as raised:
        call(alice, store_subject(alice))
    assert raised.value.field == field
    assert not GenerationJob.objects.exists()


def test_an_upscale_too_large_is_refused(alice):
    source = store_subject(alice, subject_png(1200, 900))
    with pytest.raises(ParameterError, match="8192"):
        operations.upscale(alice, source, scale=8)


def test_variation_with_a_strength_starts_from_the_image(alice):
    source = store_subject(alice)
    job = operations.variation(alice, source, strength=0.3, num_images=2)
    assert (job.action, job.model.endpoint_id, job.num_images, job.parameters["strength"]) == (
        "variation",
        "offline/studio-img2img",
        2,
        0.3,
    )
    assert runner.run(job.pk) == JobStatus.SUCCEEDED
    results = Image.objects.filter(job=job).order_by("output_index")
    assert [(r.width, r.height) for r in results] == [(96, 72), (96, 72)]
    assert results[0].seed != results[1].seed


def test_remix_runs_the_edited_recipe_as_the_images_child(alice):
    source = store_subject(alice, subject_png(320, 256))
    job = operations.remix(alice, source, prompt="a red apple at night", parameters={"num_inference_steps": 8})
    assert (job.action, job.parent_image_id, job.parameters["num_inference_steps"]) == ("remix", source.pk, 8)
    assert (job.width, job.height, job.model.endpoint_id) == (320, 256, "offline/studio-v1")
    result = result_of(job)
    assert result.prompt == "a red apple at night"


def test_a_deleted_source_fails_the_job_readably_and_refunds(alice):
    source = store_subject(alice)
    job = operations.upscale(alice, source, scale=2)
    source.file.delete(save=False)
    assert runner.run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert "no longer stored" in job.error_message


def test_retrying_an_operation_repeats_it(alice):
    from imagestudio.generation import services

    source = store_subject(alice)
    job = operations.upscale(alice, source, scale=4)
    again = services.regenerate(job)
    assert (again.action, again.inputs, again.width, again.height) == ("upscale", job.inputs, 384, 288)
    assert result_of(again).width == 384


def test_an_operation_reports_its_progress_step_by_step():
    seen: list[tuple[float, str]] = []
    request = offline_ops.OperationInput(operation="upscale", source=subject_png(32, 24), inputs={"scale": 8})
    result = offline_ops.run_operation(request, lambda fraction, message: seen.append((fraction, message)))
    fractions = [fraction for fraction, _ in seen]
    assert result.images[0].width == 256
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [message for _, message in seen if "step" in message] == [
        "Image 1 of 1 · step 1/3",
        "Image 1 of 1 · step 2/3",
        "Image 1 of 1 · step 3/3",
    ]
