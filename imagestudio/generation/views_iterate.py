"""The iteration tool pages: one page per operation on an image (image-to-image, variation, inpaint,
outpaint, upscale, remove background, style transfer, edit), each a form beside the image.

A submitted form queues a job (generation/operations.py) and comes back to the page with the job's live
card; a bad input comes back with the error on its field and every value kept (the painted mask too).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog.params import ASPECT_RATIOS, ParameterError
from imagestudio.gallery import upload
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.models import Image
from imagestudio.generation import operations, services
from imagestudio.generation.access import get_job_for, limit_generation
from imagestudio.generation.models import GenerationJob

TOOLS = [
    ("image-to-image", gettext_lazy("Image to image"), "wand"),
    ("variation", gettext_lazy("Variations"), "git-branch"),
    ("inpaint", gettext_lazy("Inpaint"), "brush"),
    ("outpaint", gettext_lazy("Outpaint"), "maximize"),
    ("upscale", gettext_lazy("Upscale"), "zoom-in"),
    ("remove-background", gettext_lazy("Remove background"), "scissors"),
    ("style-transfer", gettext_lazy("Style transfer"), "palette"),
    ("edit", gettext_lazy("Edit"), "sliders"),
]
SUBMIT_LABELS = {
    "edit": gettext_lazy("Save as a new version"),
    "variation": gettext_lazy("Make variations"),
    "remove-background": gettext_lazy("Remove background"),
}
TOOL_NAMES = {name for name, _, _ in TOOLS}
OUTPAINT_RATIOS = [ratio for ratio in ASPECT_RATIOS if ratio != "1:1"] + ["1:1"]
EDIT_RATIOS = ["1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3"]


@login_required
def iterate(request: AuthenticatedRequest, image_id, operation: str) -> HttpResponse:
    if operation not in TOOL_NAMES:
        raise Http404("No such tool.")
    image = get_image_for(request.user, image_id, "edit")  # in a team, editors iterate; viewers may not
    error: ParameterError | None = None
    if request.method == "POST":
        limit_generation(request)
        try:
            queued = QUEUE[operation](request, image, request.POST)
        except ParameterError as exc:
            error = exc
        except upload.UploadError as exc:  # a mask the upload validator refused
            error = ParameterError(exc.field, exc.message)
        except (InsufficientCredits, services.QueueFull) as exc:
            error = ParameterError("", str(exc))
        else:
            return redirect(f"{reverse('image_iterate', args=[image.pk, operation])}?job={queued.pk}")
    shown = get_job_for(request.user, job_id) if (job_id := request.GET.get("job")) else None
    context = _context(request, image, operation, error, shown)
    return render(request, f"generation/iterate/{operation}.html", context, status=422 if error else 200)


def _context(
    request: AuthenticatedRequest,
    image: Image,
    operation: str,
    error: ParameterError | None,
    job: GenerationJob | None,
) -> dict:
    models = operations.models_for(operation)
    # What was submitted, so a form that comes back with an error keeps it; "" for a field not sent.
    values = defaultdict(str, request.POST.dict() if request.method == "POST" else {})
    chosen = values.get("model_id") or (operations.choose_model(operation, None).endpoint_id if models else "")
    return {
        "image": image,
        "operation": operation,
        "tools": TOOLS,
        "tool_label": dict((name, label) for name, label, _ in TOOLS)[operation],
        "submit_label": SUBMIT_LABELS.get(operation, ""),
        "models": models,
        "chosen_model": chosen,
        "values": values,
        "error": error,
        "field_error": defaultdict(str, {error.field: error.message} if error and error.field else {}),
        "job": job,
        "outpaint_ratios": OUTPAINT_RATIOS,
        "edit_ratios": EDIT_RATIOS,
        "max_side": operations.MAX_SIDE,
        "crop_fields": [
            ("x", gettext("Left")),
            ("y", gettext("Top")),
            ("width", gettext("Width")),
            ("height", gettext("Height")),
        ],
        "style_choices": _style_choices(request, image) if operation == "style-transfer" else [],
    }


def _style_choices(request: AuthenticatedRequest, image: Image) -> list[Image]:
    """Recent images of the user's own to pick a style reference from (any visible image works by id)."""
    return list(Image.objects.alive().filter(user=request.user).exclude(pk=image.pk).order_by("-created_at")[:24])


# -- reading the forms ------------------------------------------------------------------------------


def _number(data: QueryDict, name: str, kind: type = float, default=None):
    raw = (data.get(name) or "").strip()
    if raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ParameterError(name, f"{name.replace('_', ' ').capitalize()} must be a number.") from None


def _parameters(data: QueryDict) -> dict:
    parameters: dict = {}
    if count := _number(data, "num_images", int):
        parameters["num_images"] = count
    if (seed := _number(data, "seed", int)) is not None:
        parameters["seed"] = seed
    if (feather := _number(data, "feather", int)) is not None:
        parameters["feather"] = feather
    return parameters


def _image_to_image(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    return operations.image_to_image(
        request.user,
        image,
        prompt=data.get("prompt", ""),
        negative_prompt=data.get("negative_prompt", ""),
        strength=_number(data, "strength"),
        model_id=data.get("model_id") or None,
        parameters=_parameters(data),
    )


def _variation(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    strength = _number(data, "strength") if data.get("mode") == "strength" else None
    return operations.variation(
        request.user,
        image,
        strength=strength,
        num_images=_number(data, "num_images", int, 1),
        model_id=data.get("model_id") or None,
    )


def _inpaint(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    return operations.inpaint(
        request.user,
        image,
        mask=operations.decode_data_url(data.get("mask", ""), "mask"),
        prompt=data.get("prompt", ""),
        negative_prompt=data.get("negative_prompt", ""),
        model_id=data.get("model_id") or None,
        parameters=_parameters(data),
    )


def _outpaint(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    if data.get("mode") == "aspect":
        margins: dict = {"aspect_ratio": data.get("aspect_ratio") or ""}
    else:
        margins = {side: _number(data, side, int, 0) for side in ("left", "right", "top", "bottom")}
    return operations.outpaint(
        request.user,
        image,
        **margins,
        prompt=data.get("prompt") or None,
        model_id=data.get("model_id") or None,
        parameters=_parameters(data),
    )


def _upscale(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    return operations.upscale(
        request.user, image, scale=_number(data, "scale", int, 2), model_id=data.get("model_id") or None
    )


def _remove_background(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    return operations.remove_background(request.user, image, model_id=data.get("model_id") or None)


def _style_transfer(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    style_id = data.get("style_image_id")
    if not style_id:
        raise ParameterError("style_image_id", gettext("Choose the image whose style to use."))
    try:
        style = get_image_for(request.user, style_id)
    except Http404:
        raise ParameterError("style_image_id", gettext("That style image was not found.")) from None
    return operations.style_transfer(
        request.user,
        image,
        style_image=style,
        strength=_number(data, "strength"),
        model_id=data.get("model_id") or None,
    )


def edit_steps(data: QueryDict) -> dict:
    """The edit form's fields as operations.edit steps (empty fields are no edit)."""
    steps: dict = {}
    if data.get("crop_aspect"):
        steps["crop"] = {"aspect_ratio": data["crop_aspect"]}
    elif data.get("crop_width") and data.get("crop_height"):
        steps["crop"] = {key: _number(data, f"crop_{key}", int, 0) for key in ("x", "y", "width", "height")}
    if rotate := _number(data, "rotate"):
        steps["rotate"] = rotate
    if data.get("flip"):
        steps["flip"] = data["flip"]
    if data.get("resize_width") or data.get("resize_height"):
        steps["resize"] = {"width": _number(data, "resize_width", int), "height": _number(data, "resize_height", int)}
    adjust = {key: _number(data, key, float, 0.0) for key in operations.ADJUSTMENTS}
    if any(adjust.values()):
        steps["adjust"] = adjust
    return steps


def _edit(request: AuthenticatedRequest, image: Image, data: QueryDict) -> GenerationJob:
    return operations.edit(request.user, image, steps=edit_steps(data))


QUEUE: dict[str, Callable[[AuthenticatedRequest, Image, QueryDict], GenerationJob]] = {
    "image-to-image": _image_to_image,
    "variation": _variation,
    "inpaint": _inpaint,
    "outpaint": _outpaint,
    "upscale": _upscale,
    "remove-background": _remove_background,
    "style-transfer": _style_transfer,
    "edit": _edit,
}
