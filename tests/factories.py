"""Small builders for test data (no factory library)."""

from __future__ import annotations

import io

from PIL import Image as PILImage

from imagestudio.catalog.models import AIModel
from imagestudio.gallery.services import Recipe, store_image

# settings.TASKS for tests that drive the queue by hand: tasks are recorded, never run.
RECORD_TASKS_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def png_bytes(width: int = 64, height: int = 48, colour=(120, 80, 200)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def make_image(user, prompt: str = "a violet test square", *, width: int = 64, height: int = 48, seed: int = 7, **kwargs):
    model = AIModel.objects.get(endpoint_id="offline/studio-v1")
    recipe = Recipe(prompt=prompt, negative_prompt="", model_endpoint=model.endpoint_id,
                    parameters={"seed": seed, "num_inference_steps": 20}, seed=seed)
    return store_image(user=user, data=png_bytes(width, height), recipe=recipe, model=model, **kwargs)
