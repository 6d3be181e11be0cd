"""The offline models: our own engine, always available, free, clearly labelled as offline."""

from __future__ import annotations

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
        "description": "Our procedural illustration engine. Runs on this machine with no key and no network: "
        "colours, scenes and styles in the prompt shape the picture. Free.",
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
        "description": "The offline engine tuned for quick drafts: fewer steps, softer detail. Free.",
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
