"""The generate page's parameter panel, built from a model's input schema: only the fields the model
accepts, with their ranges and defaults. Pure functions over the schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from imagestudio.catalog.params import ASPECT_RATIOS, MAX_SIDE, MIN_SIDE

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Fields the panel lays out itself (prompt area, size, count, seed) or that need an upload UI.
LAYOUT_FIELDS = {"prompt", "negative_prompt", "image_size", "aspect_ratio", "num_images", "seed", "style"}
NOT_FORM_FIELDS = {
    "sync_mode",
    "loras",
    "embeddings",
    "controlnets",
    "ip_adapter",
    "image_url",
    "mask_url",
    "control_image_url",
    "image_urls",
    "reference_image_url",
    "webhook_url",
}
PRIMARY_FIELDS = ("guidance_scale", "num_inference_steps", "scheduler", "sampler")
LABELS = {
    "guidance_scale": _("Guidance (CFG)"),
    "num_inference_steps": _("Steps"),
    "enable_safety_checker": _("Safety checker"),
    "output_format": _("Output format"),
    "safety_tolerance": _("Safety tolerance"),
    "expand_prompt": _("Expand prompt"),
    "enhance_prompt": _("Enhance prompt"),
    "raw": _("Raw mode"),
    "acceleration": _("Acceleration"),
}
HELP = {
    "guidance_scale": _("How closely the image follows the prompt. Higher is more literal."),
    "num_inference_steps": _("More steps add detail and take longer."),
    "enable_safety_checker": _("Blur outputs the provider flags as unsafe."),
    "acceleration": _("Trade a little quality for speed."),
}


@dataclass(frozen=True)
class PanelField:
    name: str
    label: StrOrPromise  # translated when shown
    kind: str  # integer, number, boolean, enum, string
    default: object = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: list = field(default_factory=list)
    help: StrOrPromise = ""
    primary: bool = False  # shown in the main panel; the rest go in "Advanced"


@dataclass(frozen=True)
class Panel:
    aspect_ratios: list[str]
    supports_custom_size: bool
    min_side: int
    max_side: int
    max_images: int
    has_seed: bool
    has_negative_prompt: bool
    fields: list[PanelField]

    @property
    def primary_fields(self) -> list[PanelField]:
        return [f for f in self.fields if f.primary]

    @property
    def advanced_fields(self) -> list[PanelField]:
        return [f for f in self.fields if not f.primary]

    def rows(self, values: dict) -> list[tuple[PanelField, object]]:
        """Each field with its current value (the user's, else the model's default)."""
        return [(f, values.get(f.name, f.default)) for f in self.fields]


def _kind(spec: dict) -> str | None:
    kind = spec.get("type", "")
    if kind in ("integer", "number", "boolean", "string"):
        return kind
    if kind.startswith("enum") and spec.get("enum") and "ImageSize" not in kind:
        return "enum"
    return None


def _field(name: str, spec: dict) -> PanelField | None:
    kind = _kind(spec)
    if kind is None or name in LAYOUT_FIELDS or name in NOT_FORM_FIELDS:
        return None
    step = 1 if kind == "integer" else (0.1 if kind == "number" else None)
    return PanelField(
        name=name,
        label=LABELS.get(name, name.replace("_", " ").capitalize()),
        kind=kind,
        default=spec.get("default"),
        min=spec.get("min"),
        max=spec.get("max"),
        step=step,
        choices=list(spec.get("enum", [])),
        help=HELP.get(name, spec.get("note", "") if len(spec.get("note", "")) < 120 else ""),
        primary=name in PRIMARY_FIELDS,
    )


def build_panel(schema: dict) -> Panel:
    fields = [f for name, spec in schema.items() if isinstance(spec, dict) and (f := _field(name, spec))]
    fields.sort(key=lambda f: (not f.primary, PRIMARY_FIELDS.index(f.name) if f.primary else 0, f.name))
    count = schema.get("num_images", {})
    return Panel(
        aspect_ratios=list(ASPECT_RATIOS),
        supports_custom_size="image_size" in schema,
        min_side=MIN_SIDE,
        max_side=MAX_SIDE,
        max_images=int(count.get("max", 1)) if count else 1,
        has_seed="seed" in schema,
        has_negative_prompt="negative_prompt" in schema,
        fields=fields,
    )
