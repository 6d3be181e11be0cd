"""Iteration operations on fal models, end to end: the real fal_client sends our stored image (and mask) to
the emulator, which processes them like the endpoint does; results are checked by size and pixels, and
each operation's credits are reserved and charged from its real output."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from imagestudio.billing.models import CreditEntry
from imagestudio.gallery.models import Image
from imagestudio.generation import operations
from imagestudio.generation.models import JobStatus
from tests.factories import store_subject, subject_png
from tests.test_fal_jobs import drive, fal  # noqa: F401  (fal: the emulator fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fal")]


def pixels(image: Image) -> np.ndarray:
    with image.file.open("rb") as handle:
        picture = PILImage.open(io.BytesIO(handle.read()))
        picture.load()
    return np.asarray(picture)


def finished(job) -> Image:
    job = drive(job)
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    (image,) = Image.objects.filter(job=job)
    assert (image.parent_image_id, image.operation, image.model_id) == (job.parent_image_id, job.action, job.model_id)
    return image


def charges(job) -> list[tuple[str, int]]:
    return list(CreditEntry.objects.filter(job=job).order_by("created_at", "id").values_list("kind", "amount"))


def test_an_esrgan_upscale_sends_the_image_and_gets_it_back_twice_the_size(alice):
    source = store_subject(alice)
    job = operations.upscale(alice, source, scale=2, model_id="fal-ai/esrgan")
    assert (job.parameters["scale"], "seed" in job.parameters) == (2, True)
    result = finished(job)
    assert (result.width, result.height) == (192, 144)
    before = np.asarray(PILImage.fromarray(pixels(source)).resize((192, 144)), dtype=int)
    assert np.abs(pixels(result)[..., :3].astype(int) - before[..., :3]).mean() < 12  # the same picture, larger


def test_8x_on_a_4x_model_runs_two_passes_and_charges_for_the_result(alice):
    source = store_subject(alice, subject_png(32, 24))
    job = operations.upscale(alice, source, scale=8, model_id="fal-ai/clarity-upscaler")
    assert (job.inputs["passes"], job.parameters["upscale_factor"]) == ([4, 2], 4)
    # $0.03 per megapixel of the 256×192 result (1 MP, rounded up) = 3 credits.
    assert job.credits_reserved == 3
    result = finished(job)
    job.refresh_from_db()
    assert (result.width, result.height) == (256, 192)
    assert job.provider_state["passes_done"] == 2
    assert job.credits_charged == 3 and charges(job) == [("reserve", -3), ("settle", 0)]


def test_fal_inpainting_changes_only_the_masked_area(alice):
    source = store_subject(alice)
    mask = PILImage.new("L", (96, 72), 0)
    ImageDraw.Draw(mask).rectangle((50, 10, 90, 60), fill=255)
    out = io.BytesIO()
    mask.save(out, "PNG")
    job = operations.inpaint(
        alice, source, mask=out.getvalue(), prompt="a blue square", model_id="fal-ai/flux-lora/inpainting"
    )
    result = finished(job)
    before, after = pixels(source).astype(int), pixels(result)[..., :3].astype(int)
    assert after.shape == before.shape
    assert np.abs(after[:, :48] - before[:, :48]).max() <= 1
    assert np.abs(after[12:58, 52:88] - before[12:58, 52:88]).mean() > 3


def test_fal_background_removal_is_transparent_and_charged_per_image(alice):
    job = operations.remove_background(alice, store_subject(alice), model_id="fal-ai/bria/background/remove")
    assert job.credits_reserved == 2  # $0.018 per image
    result = finished(job)
    alpha = pixels(result)[..., 3]
    assert alpha[2, 2] == 0 and alpha[36, 48] == 255
    job.refresh_from_db()
    assert job.credits_charged == 2


@pytest.mark.parametrize("model", ["fal-ai/image-apps-v2/outpaint", "fal-ai/bria/expand", "fal-ai/flux-pro/v1/fill"])
def test_fal_outpainting_keeps_the_original_and_grows_the_canvas(alice, model):
    source = store_subject(alice)
    result = finished(operations.outpaint(alice, source, left=24, right=8, bottom=16, model_id=model))
    assert (result.width, result.height) == (96 + 32, 72 + 16)
    kept = pixels(result)[0:72, 24 : 24 + 96, :3].astype(int)
    if model == "fal-ai/flux-pro/v1/fill":  # the padded canvas is inpainted: the original region is unmasked
        assert np.abs(kept - pixels(source).astype(int)).max() <= 1
    else:
        assert np.array_equal(kept, pixels(source).astype(int))


def test_fal_image_to_image_follows_the_source_size(alice):
    source = store_subject(alice)
    job = operations.image_to_image(
        alice, source, prompt="a green apple", strength=0.8, model_id="fal-ai/flux/dev/image-to-image"
    )
    assert (job.width, job.height, job.parameters["strength"]) == (96, 72, 0.8)
    result = finished(job)
    assert (result.width, result.height) == (96, 72)
    assert np.abs(pixels(result)[..., :3].astype(int) - pixels(source).astype(int)).mean() > 3


def test_fal_redux_restyles_at_the_content_images_size(alice):
    content, reference = store_subject(alice), store_subject(alice, subject_png(64, 64))
    result = finished(
        operations.style_transfer(alice, content, style_image=reference, model_id="fal-ai/flux/dev/redux")
    )
    assert (result.width, result.height) == (96, 72)


def test_a_model_that_cannot_do_the_operation_is_refused(alice):
    with pytest.raises(operations.ParameterError) as raised:
        operations.upscale(alice, store_subject(alice), scale=2, model_id="fal-ai/flux/dev")
    assert raised.value.field == "model_id"


def test_aura_sr_only_does_4x(alice):
    with pytest.raises(operations.ParameterError, match="4× only"):
        operations.upscale(alice, store_subject(alice), scale=2, model_id="fal-ai/aura-sr")
    assert (
        finished(
            operations.upscale(alice, store_subject(alice, subject_png(40, 30)), scale=4, model_id="fal-ai/aura-sr")
        ).width
        == 160
    )
