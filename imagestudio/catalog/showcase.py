"""The model showcase: the comparison matrix, what each model is good for, its recommended settings, which
models are new, and the sample pictures the offline engine draws for its own models.

Everything is derived from the catalog rows and our measured performance; nothing here is stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from imagestudio.catalog import performance
from imagestudio.catalog.labels import CAPABILITIES
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.panel import LABELS
from imagestudio.catalog.params import IMAGE_SIZE_PRESETS, MAX_SIDE, aspect_ratio_name
from imagestudio.catalog.services import default_model, get_model
from imagestudio.engine import RenderRequest, render

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SPEED_LABELS: dict[str, StrOrPromise] = {"fast": _("Fast"), "standard": _("Standard"), "slow": _("Slow")}
QUALITY_LABELS: dict[str, StrOrPromise] = {"draft": _("Draft"), "standard": _("Standard"), "high": _("High")}
QUALITY_RANK = {"draft": 0, "standard": 1, "high": 2}

# A model is "new" this long after it joined the catalog, unless it came with the first catalog load
# (a fresh install is not news): rows created within FIRST_LOAD of the oldest row are the original catalog.
NEW_FOR = timedelta(days=30)
FIRST_LOAD = timedelta(hours=1)

# Sort keys of the matrix; each has a natural direction ("-key" reverses it).
SORTS = ("featured", "name", "cost", "speed", "quality", "resolution", "newest")


# -- one row of the matrix --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    label: StrOrPromise
    pixels: int | None  # the largest output in pixels; None when it follows the input or the model decides


@dataclass(frozen=True)
class ModelRow:
    model: AIModel
    speed: performance.Speed
    resolution: Resolution
    is_new: bool
    stats: performance.ModelStats | None  # the last 30 days

    @property
    def capabilities(self) -> list[tuple[str, StrOrPromise]]:
        return [(cap, CAPABILITIES.get(cap, cap.replace("-", " ").capitalize())) for cap in self.model.capabilities]

    @property
    def speed_label(self) -> StrOrPromise:
        return SPEED_LABELS.get(self.speed.kind, self.speed.kind)

    @property
    def quality_label(self) -> StrOrPromise:
        return QUALITY_LABELS.get(self.model.quality_class, self.model.quality_class.capitalize())

    @property
    def quality_rank(self) -> int:
        return QUALITY_RANK.get(self.model.quality_class, 1)

    @property
    def price(self) -> str:
        return price_text(self.model.pricing)


def price_text(pricing: dict) -> str:
    """fal's price in short ("$0.025 / MP"), marked "≈" when it is our estimate; "" when there is none."""
    amount = pricing.get("amount_usd")
    if amount is None:
        return ""
    if amount == 0:
        return gettext("Free")
    unit = (pricing.get("unit") or "").lower()
    per = gettext("MP") if "megapixel" in unit else gettext("s") if "second" in unit else gettext("image")
    text = f"${amount:g} / {per}"
    return f"≈ {text}" if pricing.get("estimated") else text


def price_note(pricing: dict) -> str:
    if pricing.get("estimated"):
        return gettext("fal publishes no fixed price for this model: the cost shown is a cautious estimate.")
    return ""


def max_resolution(model: AIModel) -> Resolution:
    """The largest picture the studio can ask this model for, from its input schema."""
    schema = model.input_schema
    if "image_size" in schema:  # the studio sends custom sizes up to MAX_SIDE
        return Resolution(f"{MAX_SIDE} × {MAX_SIDE}", MAX_SIDE * MAX_SIDE)
    if "aspect_ratio" in schema:
        return Resolution(_("Set by aspect ratio"), None)
    for name in ("scale", "upscale_factor"):
        if (spec := schema.get(name)) and spec.get("max"):
            return Resolution(_("Up to %(n)s× the input") % {"n": spec["max"]}, None)
    if model.category in ("background-removal", "edit", "image-to-image", "inpainting"):
        return Resolution(_("Same as the input"), None)
    return Resolution("—", None)


def first_catalog_load() -> datetime | None:
    return AIModel.objects.aggregate(first=Min("created_at"))["first"]


def is_new(model: AIModel, *, first: datetime | None, now: datetime) -> bool:
    if first is None or model.created_at <= first + FIRST_LOAD:
        return False
    return model.created_at >= now - NEW_FOR


def new_models(*, now: datetime | None = None) -> list[AIModel]:
    """Active models added since the first catalog load, within NEW_FOR; newest first."""
    now = now or timezone.now()
    first = first_catalog_load()
    if first is None:
        return []
    since = max(first + FIRST_LOAD, now - NEW_FOR)
    return list(AIModel.objects.active().filter(created_at__gt=since).order_by("-created_at"))


def matrix(
    *,
    capability: str = "",
    provider: str = "",
    max_cost: int | None = None,
    sort: str = "",
    now: datetime | None = None,
) -> list[ModelRow]:
    """Every active model passing the filters, with derived labels and 30-day stats, in `sort` order."""
    stats_now = now
    now = now or timezone.now()
    models = AIModel.objects.active()
    if capability:
        models = models.with_capability(capability)
    if provider:
        models = models.filter(provider=provider)
    if max_cost is not None:
        models = models.filter(cost_per_generation__lte=max_cost)
    chosen = list(models)
    if not chosen:
        stats = {}
    elif stats_now is None:
        stats = performance.cached_model_stats(performance.MONTH)
    else:
        stats = performance.model_stats(window=performance.MONTH, now=stats_now)
    first = first_catalog_load()
    rows = [
        ModelRow(
            model=model,
            speed=performance.speed_of(model, stats.get(model.pk)),
            resolution=max_resolution(model),
            is_new=is_new(model, first=first, now=now),
            stats=stats.get(model.pk),
        )
        for model in chosen
    ]
    return sort_rows(rows, sort)


def _sort_key(key: str):
    missing = float("inf")  # rows without a value go last in the natural direction
    return {
        "featured": lambda r: (not r.model.is_featured, r.model.sort_order, r.model.display_name.lower()),
        "name": lambda r: r.model.display_name.lower(),
        "cost": lambda r: (r.model.cost_per_generation, r.model.display_name.lower()),
        "speed": lambda r: (r.speed.rank, r.speed.median_seconds if r.speed.measured else missing),
        "quality": lambda r: (-r.quality_rank, r.model.display_name.lower()),
        "resolution": lambda r: -(r.resolution.pixels or 0),
        "newest": lambda r: -r.model.created_at.timestamp(),
    }[key]


def sort_rows(rows: list[ModelRow], sort: str) -> list[ModelRow]:
    key = sort.removeprefix("-") or "featured"
    if key not in SORTS:
        key = "featured"
    ordered = sorted(rows, key=_sort_key(key))  # stable: ties keep the catalog's order
    return list(reversed(ordered)) if sort.startswith("-") else ordered


# -- best uses ---------------------------------------------------------------------------------------

BEST_USES: dict[str, list[StrOrPromise]] = {
    "offline/studio-v1": [
        _("Illustrations and concept sketches with no key and no network"),
        _("Trying prompts, styles and seeds for free"),
        _("Demos and offline work"),
    ],
    "offline/studio-turbo": [_("Quick drafts while you shape a prompt"), _("Exploring many seeds in seconds")],
    "fal-ai/flux/dev": [
        _("Detailed photoreal and illustrated images"),
        _("Prompts with many elements, and legible text"),
        _("Final renders at a moderate price"),
    ],
    "fal-ai/flux/schnell": [
        _("Drafts in one to four steps"),
        _("Exploring compositions cheaply"),
        _("Large batches and A/B tests"),
    ],
    "fal-ai/flux-pro/v1.1": [_("Production images with strong prompt adherence"), _("Marketing and product visuals")],
    "fal-ai/flux-pro/v1.1-ultra": [
        _("Large, very detailed hero images"),
        _("Photorealism (raw mode)"),
        _("Print and wide formats"),
    ],
    "fal-ai/fast-sdxl": [_("Stable Diffusion XL looks and community LoRAs"), _("Fast, inexpensive batches")],
}
CATEGORY_USES: dict[str, list[StrOrPromise]] = {
    "image-to-image": [_("Restyling or reworking an image you have")],
    "inpainting": [_("Replacing or removing part of an image")],
    "outpainting": [_("Extending an image beyond its borders")],
    "upscale": [_("Enlarging images for print or large screens")],
    "background-removal": [_("Product shots and cut-outs on a transparent background")],
    "video": [_("Turning a still image into a short clip")],
    "edit": [_("Exact crops, rotations and tone adjustments")],
    "training": [_("Training a LoRA on your own subject or style")],
}
CAPABILITY_USES: dict[str, StrOrPromise] = {
    "lora": _("Custom styles and characters through LoRAs"),
    "controlnet": _("Following a pose, depth map or edges (ControlNet)"),
    "ip-adapter": _("Keeping a face or a reference look (IP-Adapter)"),
    "realtime": _("Near-instant previews"),
    "style-reference": _("Carrying a reference image's style over"),
    "style-transfer": _("Giving your image another image's colours and texture"),
}


def best_uses(model: AIModel) -> list[StrOrPromise]:
    if model.endpoint_id in BEST_USES:
        return BEST_USES[model.endpoint_id]
    uses = list(CATEGORY_USES.get(model.category, []))
    if model.category == "text-to-image":
        if model.quality_class == "high":
            uses.append(_("Final, high-fidelity renders"))
        elif model.speed_class == "fast":
            uses.append(_("Fast drafts and exploring ideas"))
        else:
            uses.append(_("Everyday generation"))
    uses += [CAPABILITY_USES[cap] for cap in model.capabilities if cap in CAPABILITY_USES]
    return uses


# -- recommended settings ----------------------------------------------------------------------------

# In the catalog's parameter language (what the generate form and the model's panel take). Checked against
# each model's schema by the tests; models not listed get their own defaults.
RECOMMENDED: dict[str, dict[str, Any]] = {
    "offline/studio-v1": {"aspect_ratio": "3:2", "num_inference_steps": 32, "guidance_scale": 7.5},
    "offline/studio-turbo": {"aspect_ratio": "1:1", "resolution": "0.5", "num_images": 4, "num_inference_steps": 8},
    "fal-ai/flux/dev": {"aspect_ratio": "4:3", "num_inference_steps": 28, "guidance_scale": 3.5},
    "fal-ai/flux/schnell": {"aspect_ratio": "1:1", "num_images": 4, "num_inference_steps": 4},
    "fal-ai/flux-pro/v1.1": {"aspect_ratio": "3:2", "output_format": "png"},
    "fal-ai/flux-pro/v1.1-ultra": {"aspect_ratio": "16:9", "output_format": "png"},
    "fal-ai/fast-sdxl": {"aspect_ratio": "1:1", "num_inference_steps": 25, "guidance_scale": 7.5},
}
FORM_KEYS = ("aspect_ratio", "resolution", "num_images", "style")  # the generate form's own fields
FORM_LABELS: dict[str, StrOrPromise] = {
    "aspect_ratio": _("Aspect ratio"),
    "resolution": _("Resolution (MP)"),
    "num_images": _("Images"),
    "style": _("Style"),
}


@dataclass(frozen=True)
class Recommendation:
    form: dict[str, Any]  # the generate form's fields
    panel: dict[str, Any]  # the model's own parameters

    def rows(self) -> list[tuple[StrOrPromise, Any]]:
        """(label, value) pairs for the model page."""
        labelled = [(FORM_LABELS[k], v) for k, v in self.form.items()]
        return labelled + [(LABELS.get(k, k.replace("_", " ").capitalize()), v) for k, v in self.panel.items()]


def generates_from_text(model: AIModel) -> bool:
    """Whether the generate page offers the model (the others work on an image: the iterate pages)."""
    return model.is_active and "text-to-image" in model.capabilities


def _from_defaults(model: AIModel) -> dict[str, Any]:
    defaults = model.default_parameters
    chosen: dict[str, Any] = {}
    preset = IMAGE_SIZE_PRESETS.get(defaults.get("image_size", ""))
    if preset:
        chosen["aspect_ratio"] = aspect_ratio_name(*preset)
    for name in ("num_inference_steps", "guidance_scale"):
        if name in defaults:
            chosen[name] = defaults[name]
    return chosen


def recommendation(model: AIModel) -> Recommendation:
    chosen = RECOMMENDED.get(model.endpoint_id) or _from_defaults(model)
    form = {k: v for k, v in chosen.items() if k in FORM_KEYS}
    panel = {k: v for k, v in chosen.items() if k not in FORM_KEYS and k in model.input_schema}
    return Recommendation(form=form, panel=panel)


def apply_url(model: AIModel) -> str:
    """The generate page with this model and its recommended settings filled in."""
    return f"{reverse('generate')}?{urlencode({'model': model.endpoint_id, 'settings': 'recommended'})}"


def generate_start(model_ref: str, *, recommended: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The generate page's form values and panel values for `?model=<ref>` (and `&settings=recommended`).

    A model the page does not offer (unknown, switched off, not text-to-image) falls back to the default."""
    model = get_model(model_ref)
    if model is None or not generates_from_text(model):
        model = default_model()
    if model is None:
        return {}, None
    if not recommended:
        return {"model": model.endpoint_id}, None
    chosen = recommendation(model)
    return {"model": model.endpoint_id, **chosen.form}, dict(chosen.panel) or None


# -- engine samples ----------------------------------------------------------------------------------

SAMPLE_PROMPTS = (
    "a lighthouse on a cliff above a stormy sea at golden hour",
    "a fox in a snowy pine forest at dusk",
    "a rainy city street at night with neon signs",
    "a bowl of lemons on a blue table, soft window light",
)
SAMPLE_SIZE = (512, 384)


def has_engine_samples(model: AIModel) -> bool:
    return model.is_offline and generates_from_text(model)


def render_sample(model: AIModel, index: int) -> bytes:
    """A WebP the offline engine draws for `model` from a fixed prompt and seed: the same bytes every time."""
    width, height = SAMPLE_SIZE
    steps = int(model.default_parameters.get("num_inference_steps", 24))
    guidance = float(model.default_parameters.get("guidance_scale", 7.0))
    request = RenderRequest(
        prompt=SAMPLE_PROMPTS[index], width=width, height=height, seed=1000 + index, steps=steps, guidance=guidance
    )
    out = io.BytesIO()
    render(request).save(out, "WEBP", quality=82, method=4)
    return out.getvalue()
