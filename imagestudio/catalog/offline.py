"""The offline models: our own engine, always available, free, clearly labelled as offline."""

from __future__ import annotations

# The descriptions are stored in English; pages show them through {% translate model.description %}.
from django.utils.translation import gettext_noop

STYLE_ENUM = [
    "none",
    "photographic",
    "cinematic",
    "anime",
    "digital-art",
    "watercolor",
    "oil-painting",
    "3d-render",
    "pixel-art",
    "line-art",
    "neon",
    "vintage",
    "minimal",
    "pastel",
    "noir",
    "low-poly",
    "sketch",
]

_COMMON_INPUT = {
    "prompt": {"type": "string", "required": True},
    "negative_prompt": {"type": "string", "required": False, "default": ""},
    "image_size": {
        "type": "enum(string) | ImageSize",
        "required": False,
        "enum": ["square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"],
        "default": "square_hd",
    },
    "seed": {"type": "integer", "required": False},
    "num_images": {"type": "integer", "required": False, "default": 1, "min": 1, "max": 4},
    "style": {"type": "enum(string)", "required": False, "enum": STYLE_ENUM, "default": "none"},
}

OFFLINE_MODELS = [
    {
        "endpoint_id": "offline/studio-v1",
        "display_name": "Studio Offline",
        "description": gettext_noop(
            "Our procedural illustration engine. Runs on this machine with no key and no network: "
            "colours, scenes and styles in the prompt shape the picture. Free."
        ),
        "category": "text-to-image",
        "capabilities": ["text-to-image"],
        "input": {
            **_COMMON_INPUT,
            "num_inference_steps": {"type": "integer", "required": False, "default": 24, "min": 1, "max": 50},
            "guidance_scale": {"type": "number", "required": False, "default": 7.0, "min": 0, "max": 20},
        },
        "speed_class": "standard",
        "quality_class": "standard",
        "is_featured": True,
        "sort_order": 0,
    },
    {
        "endpoint_id": "offline/studio-turbo",
        "display_name": "Studio Offline Turbo",
        "description": gettext_noop("The offline engine tuned for quick drafts: fewer steps, softer detail. Free."),
        "category": "text-to-image",
        "capabilities": ["text-to-image"],
        "input": {
            **_COMMON_INPUT,
            "num_inference_steps": {"type": "integer", "required": False, "default": 6, "min": 1, "max": 12},
            "guidance_scale": {"type": "number", "required": False, "default": 5.0, "min": 0, "max": 20},
        },
        "speed_class": "fast",
        "quality_class": "draft",
        "is_featured": False,
        "sort_order": 1,
    },
]


# Iteration operations on the offline engine (imagestudio/engine/ops): real image processing, no weights.
_SEED_AND_COUNT = {
    "seed": {"type": "integer", "required": False},
    "num_images": {"type": "integer", "required": False, "default": 1, "min": 1, "max": 4},
}
_PROMPTED = {
    "prompt": {"type": "string", "required": True},
    "negative_prompt": {"type": "string", "required": False, "default": ""},
    **_SEED_AND_COUNT,
    "num_inference_steps": {"type": "integer", "required": False, "default": 24, "min": 1, "max": 50},
    "guidance_scale": {"type": "number", "required": False, "default": 7.0, "min": 0, "max": 20},
    "style": {"type": "enum(string)", "required": False, "enum": STYLE_ENUM, "default": "none"},
}


def _operation_model(endpoint_id: str, name: str, description: str, category: str, caps: list, inputs: dict) -> dict:
    return {
        "endpoint_id": endpoint_id,
        "display_name": name,
        "description": description + " Runs on this machine, free.",
        "category": category,
        "capabilities": caps,
        "input": inputs,
        "speed_class": "fast",
        "quality_class": "standard",
        "is_featured": False,
        "sort_order": 2,
    }


OFFLINE_MODELS += [
    _operation_model(
        "offline/studio-img2img",
        "Studio Offline Image-to-Image",
        "Moves an image toward a render of the prompt by a strength, colour-matched to the source.",
        "image-to-image",
        ["image-to-image"],
        {**_PROMPTED, "strength": {"type": "number", "required": False, "default": 0.6, "min": 0.01, "max": 1}},
    ),
    _operation_model(
        "offline/studio-fill",
        "Studio Offline Fill",
        "Inpainting and outpainting: fills the masked or added area from its surroundings plus the prompt's texture.",
        "inpainting",
        ["inpainting", "outpainting"],
        {**_PROMPTED, "feather": {"type": "integer", "required": False, "default": 8, "min": 0, "max": 64}},
    ),
    _operation_model(
        "offline/studio-upscale",
        "Studio Offline Upscaler",
        "Lanczos with edge-aware sharpening per 2x step: 2x, 4x or 8x.",
        "upscale",
        ["upscale"],
        {"scale": {"type": "integer", "required": False, "default": 2, "min": 2, "max": 8}},
    ),
    _operation_model(
        "offline/studio-cutout",
        "Studio Offline Background Removal",
        "Cuts the subject out (GrabCut seeded from the border and saliency) into a transparent PNG.",
        "background-removal",
        ["background-removal"],
        {},
    ),
    _operation_model(
        "offline/studio-style",
        "Studio Offline Style Transfer",
        "Keeps your image and gives it a reference image's colours (Lab statistics) and texture.",
        "image-to-image",
        ["style-transfer"],
        {"strength": {"type": "number", "required": False, "default": 1.0, "min": 0, "max": 1}},
    ),
    _operation_model(
        "offline/studio-edit",
        "Studio Offline Edits",
        "Crop, rotate, flip, resize and tone adjustments, exact.",
        "edit",
        ["edit"],
        {},
    ),
]
