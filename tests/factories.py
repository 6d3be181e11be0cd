"""Builders for test data (no factory library). Every builder takes keyword arguments only.

- `make_user`: an account through the real signup service, with a known credit balance.
- `enqueue_job`: a job through `services.enqueue` (validated, credits reserved, wake-up queued).
- `make_job`: a job row written directly, in any state, for read paths (pages, lists, history).
- `make_image`: a stored image (files, renditions, metadata) through the gallery service.
- `provider_result`: what a provider hands back, built by hand (PNG bytes of a known size).
"""

from __future__ import annotations

import io
import itertools

from PIL import Image as PILImage
from PIL import ImageDraw

from imagestudio.accounts.models import User
from imagestudio.accounts.services import register
from imagestudio.billing import services as billing
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.services import Recipe, store_image
from imagestudio.generation import services
from imagestudio.generation.models import GenerationJob
from imagestudio.generation.providers.base import OutputImage, ProviderResult
from imagestudio.projects.models import Project
from imagestudio.workspaces.services import personal_workspace

# settings.TASKS for tests that drive the queue by hand: tasks are recorded, never run.
RECORD_TASKS_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
PASSWORD = "correct-Horse-battery-9"
OFFLINE = "offline/studio-v1"
SMALL = {"width": 256, "height": 256}
_serial = itertools.count(1)


def ai_model(endpoint: str | AIModel) -> AIModel:
    return endpoint if isinstance(endpoint, AIModel) else AIModel.objects.get(endpoint_id=endpoint)


def make_user(*, email: str | None = None, password: str = PASSWORD, name: str = "", credits: int | None = 500) -> User:
    """A new account; `credits` (when not None) is its balance, set through the ledger so it still sums up."""
    user = register(email or f"user{next(_serial)}@example.com", password, name)
    user.refresh_from_db(fields=["credits_balance"])
    if credits is not None and credits != user.credits_balance:
        billing.adjust(user=user, amount=credits - user.credits_balance, reason="Test balance")
        user.refresh_from_db(fields=["credits_balance"])
    return user


def enqueue_job(
    *,
    user: User,
    model: str | AIModel = OFFLINE,
    prompt: str = "a teal lighthouse at dusk",
    parameters: dict | None = None,
    **request_fields,
) -> GenerationJob:
    """A job queued the way every caller queues one. `parameters` defaults to a small 256×256 image."""
    return services.enqueue(
        services.GenerationRequest(
            user=user,
            model=ai_model(model),
            prompt=prompt,
            parameters=dict(SMALL) if parameters is None else parameters,
            **request_fields,
        )
    )


def make_job(
    *, user: User, model: str | AIModel = OFFLINE, prompt: str = "a job row", status: str = "queued", **fields
) -> GenerationJob:
    """A job row in any state, written directly: no validation, no credits, no wake-up."""
    fields.setdefault("parameters", {"seed": 1, "num_inference_steps": 20})
    fields.setdefault("width", 256)
    fields.setdefault("height", 256)
    return GenerationJob.objects.create(user=user, model=ai_model(model), prompt=prompt, status=status, **fields)


def png_bytes(width: int = 64, height: int = 48, colour=(120, 80, 200)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def make_image(
    *,
    user: User,
    prompt: str = "a violet test square",
    width: int = 64,
    height: int = 48,
    seed: int = 7,
    model: str | AIModel = OFFLINE,
    **kwargs,
):
    """A stored image; `kwargs` go to `store_image` (job, output_index, project, parent_image, ...)."""
    model = ai_model(model)
    recipe = Recipe(
        prompt=prompt,
        negative_prompt="",
        model_endpoint=model.endpoint_id,
        parameters={"seed": seed, "num_inference_steps": 20},
        seed=seed,
    )
    return store_image(user=user, data=png_bytes(width, height), recipe=recipe, model=model, **kwargs)


def provider_result(*, count: int = 1, width: int = 256, height: int = 256, seed: int | None = 42) -> ProviderResult:
    """A provider's answer with `count` PNG outputs already downloaded (as fal jobs hold them when finishing)."""
    images = [
        OutputImage(data=png_bytes(width, height, (40 * i, 90, 160)), width=width, height=height) for i in range(count)
    ]
    return ProviderResult(images=images, seed=seed)


def make_project(*, user: User, name: str = "A project", workspace=None, **fields) -> Project:
    """A project in `workspace` (default: the user's personal workspace), written directly."""
    return Project.objects.create(workspace=workspace or personal_workspace(user), user=user, name=name, **fields)


def subject_png(width: int = 96, height: int = 72) -> bytes:
    """A red disc on a flat pale background: a clear subject for cut-outs and visible edits."""
    picture = PILImage.new("RGB", (width, height), (226, 232, 240))
    ImageDraw.Draw(picture).ellipse((width * 0.3, height * 0.25, width * 0.7, height * 0.75), fill=(200, 40, 50))
    picture.putpixel((0, 0), (10, 20, 30))  # a marker that shows where the top-left corner went
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def store_subject(user: User, data: bytes | None = None, prompt: str = "a red apple on a table"):
    """A stored image of `subject_png` (or `data`), as if the offline engine had made it."""
    recipe = Recipe(prompt=prompt, negative_prompt="", model_endpoint=OFFLINE, parameters={"seed": 3}, seed=3)
    return store_image(user=user, data=data or subject_png(), recipe=recipe, model=ai_model(OFFLINE))
