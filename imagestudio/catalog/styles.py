"""Style presets: prompt fragments appended visibly to the user's prompt (and a style hint offline)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class StylePreset:
    id: str
    label: StrOrPromise  # translated when shown
    fragment: str
    negative: str = ""


STYLE_PRESETS: dict[str, StylePreset] = {
    preset.id: preset
    for preset in [
        StylePreset(
            "photographic",
            _("Photographic"),
            "photograph, natural light, 35mm, sharp focus, highly detailed",
            "illustration, painting, cartoon",
        ),
        StylePreset(
            "cinematic",
            _("Cinematic"),
            "cinematic still, dramatic lighting, anamorphic, film grain, teal and orange grade",
        ),
        StylePreset(
            "anime", _("Anime"), "anime style, cel shading, clean line art, vibrant colors", "photo, realistic"
        ),
        StylePreset("digital-art", _("Digital art"), "digital art, crisp details, vivid colors, artstation"),
        StylePreset("watercolor", _("Watercolor"), "watercolor painting, soft washes, paper texture, bleeding edges"),
        StylePreset(
            "oil-painting", _("Oil painting"), "oil painting, visible brush strokes, rich impasto, canvas texture"
        ),
        StylePreset("3d-render", _("3D render"), "3d render, octane, soft global illumination, subsurface scattering"),
        StylePreset("pixel-art", _("Pixel art"), "pixel art, 16-bit, limited palette, crisp pixels", "blurry, smooth"),
        StylePreset("line-art", _("Line art"), "line art, ink drawing, clean outlines, monochrome", "color, shading"),
        StylePreset("neon", _("Neon"), "neon glow, synthwave, dark background, glowing outlines"),
        StylePreset("vintage", _("Vintage"), "vintage photo, faded colors, sepia tones, film grain, vignette"),
        StylePreset(
            "minimal",
            _("Minimal"),
            "minimalist, flat shapes, generous negative space, simple palette",
            "cluttered, busy",
        ),
        StylePreset("pastel", _("Pastel"), "pastel colors, soft light, gentle gradients"),
        StylePreset("noir", _("Noir"), "film noir, black and white, high contrast, hard shadows", "color"),
        StylePreset("low-poly", _("Low poly"), "low poly, faceted geometry, flat shading"),
        StylePreset("sketch", _("Sketch"), "pencil sketch, cross hatching, graphite on paper", "color"),
    ]
}


def apply_style(prompt: str, negative_prompt: str, style_id: str | None) -> tuple[str, str]:
    """The prompt and negative prompt with the style's fragments added (once)."""
    preset = STYLE_PRESETS.get(style_id or "")
    if preset is None:
        return prompt, negative_prompt
    if preset.fragment not in prompt:
        prompt = f"{prompt.rstrip(' ,.')}, {preset.fragment}"
    if preset.negative and preset.negative not in negative_prompt:
        negative_prompt = ", ".join(part for part in (negative_prompt.strip(" ,"), preset.negative) if part)
    return prompt, negative_prompt
