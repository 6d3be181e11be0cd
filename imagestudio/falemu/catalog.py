"""Input validation the way a fal model answers it: pydantic-v1 style 422 bodies naming the field.

`check_input` turns a request body into a `Plan` (what to render) or raises `ModelInputError`.
Field rules come from `catalog_data.ENDPOINTS` (read from our catalog data); a few rules that
the catalog cannot express (image_size presets, aspect ratios, content policy) live here, and
those of image-input endpoints in `operations.select`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from . import llm, operations
from .catalog_data import ENDPOINTS, value_or_default
from .errors import ModelInputError, too_large
from .errors import detail as _err

# fal's named image sizes (fal docs, ImageSize presets): the emulator keeps its own copy of fal's facts.
IMAGE_SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}

MAX_SIDE = 14142  # fal toolkit ImageSize bound
FORBIDDEN_WORD = "forbidden-content"
# Aspect-ratio models (FLUX1.1 [pro] ultra) render ~4 MP on fal; the emulator renders ~1 MP to stay fast.
ASPECT_RATIO_PIXELS = 1024 * 1024
DEFAULT_SIZE = (1024, 1024)
_RATIO_RE = re.compile(r"^(\d{1,3}):(\d{1,3})$")


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    category: str
    output_key: str  # "images" (common image output) or "image" (single-image tools)
    fields: dict[str, dict]
    output_fields: tuple[str, ...] = ()  # the keys the catalog lists for the result


@dataclass(frozen=True)
class Plan:
    """What the emulated model will produce for one request."""

    prompt: str
    negative_prompt: str
    width: int
    height: int
    num_images: int
    seed: int | None
    steps: int
    guidance: float
    output_format: str  # "png" or "jpeg"
    sync_mode: bool
    # Image-input endpoints: what to do with the input images (None: render the prompt at width x height).
    operation: operations.Operation | None = None


def find_endpoint(endpoint_id: str) -> Endpoint | None:
    if endpoint_id.strip("/") == llm.ENDPOINT_ID:  # not an image model: its schema lives in llm.py
        return Endpoint(llm.ENDPOINT_ID, llm.CATEGORY, llm.OUTPUT_KEY, llm.FIELDS, llm.OUTPUT_FIELDS)
    spec = ENDPOINTS.get(endpoint_id.strip("/"))
    if spec is None:
        return None
    return Endpoint(endpoint_id, spec["category"], spec["output"], spec["fields"], tuple(spec["output_fields"]))


def check_input(endpoint: Endpoint, body: Any, *, max_pixels: int) -> Plan:
    """Validate like the model does (all field errors at once), then apply the content check."""
    if not isinstance(body, dict):
        raise ModelInputError([_err(["body"], "value is not a valid dict", "type_error.dict")])
    errors = [e for name, spec in endpoint.fields.items() for e in _check_field(name, spec, body)]
    if errors:
        raise ModelInputError(errors)
    width, height = _resolve_size(endpoint, body)
    operation = operations.select(endpoint, body, (width, height))
    # An output that follows the input image is measured when the runner has loaded it.
    if (operation is None or not operation.follows_source) and width * height > max_pixels:
        raise too_large("image_size", width, height, max_pixels)
    plan = _plan(endpoint, body, width, height, operation)
    _check_content(plan)
    return plan


def _check_field(name: str, spec: dict, body: dict) -> list[dict]:
    loc = ["body", name]
    if name not in body or body[name] is None:
        return [_err(loc, "field required", "value_error.missing")] if spec.get("required") else []
    value, kind = body[name], spec["type"]
    if kind in ("integer", "number"):
        return _check_number(loc, value, spec)
    if kind == "string":
        return _check_string(loc, value, required=bool(spec.get("required")))
    if kind == "url":
        return _check_url(loc, value)
    if kind == "boolean" and not isinstance(value, bool):
        return [_err(loc, "value could not be parsed to a boolean", "type_error.bool")]
    if kind == "enum":
        return _check_enum(loc, value, spec["enum"])
    if kind == "image_size":
        return _check_image_size(loc, value)
    if kind == "aspect_ratio":
        return _check_aspect_ratio(loc, value, spec["enum"])
    if kind == "list" and not isinstance(value, list):
        return [_err(loc, "value is not a valid list", "type_error.list")]
    return []


def _check_number(loc: list, value: Any, spec: dict) -> list[dict]:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec["type"] == "integer" and not (is_number and float(value).is_integer()):
        return [_err(loc, "value is not a valid integer", "type_error.integer")]
    if not is_number or not math.isfinite(value):
        return [_err(loc, "value is not a valid float", "type_error.float")]
    return _check_bounds(loc, value, spec)


def _check_bounds(loc: list, value: float, spec: dict) -> list[dict]:
    if "min" in spec and value < spec["min"]:
        limit = spec["min"]
        return [
            _err(
                loc,
                f"ensure this value is greater than or equal to {limit}",
                "value_error.number.not_ge",
                {"limit_value": limit},
            )
        ]
    if "exclusive_min" in spec and value <= spec["exclusive_min"]:
        limit = spec["exclusive_min"]
        return [
            _err(loc, f"ensure this value is greater than {limit}", "value_error.number.not_gt", {"limit_value": limit})
        ]
    if "max" in spec and value > spec["max"]:
        limit = spec["max"]
        return [
            _err(
                loc,
                f"ensure this value is less than or equal to {limit}",
                "value_error.number.not_le",
                {"limit_value": limit},
            )
        ]
    return []


def _check_string(loc: list, value: Any, *, required: bool) -> list[dict]:
    if not isinstance(value, str):
        return [_err(loc, "str type expected", "type_error.str")]
    if required and not value.strip():
        return [
            _err(
                loc, "ensure this value has at least 1 characters", "value_error.any_str.min_length", {"limit_value": 1}
            )
        ]
    return []


def _check_url(loc: list, value: Any) -> list[dict]:
    if not isinstance(value, str):
        return [_err(loc, "str type expected", "type_error.str")]
    if not value.startswith(("http://", "https://", "data:")):
        return [_err(loc, "invalid or missing URL scheme", "value_error.url.scheme")]
    return []


def _check_enum(loc: list, value: Any, allowed: list) -> list[dict]:
    # fal's zod types list some numeric choices as strings ("4"); accept the number too.
    if value in allowed or (isinstance(value, int) and not isinstance(value, bool) and str(value) in allowed):
        return []
    permitted = ", ".join(repr(v) for v in allowed)
    return [
        _err(
            loc,
            f"value is not a valid enumeration member; permitted: {permitted}",
            "type_error.enum",
            {"enum_values": allowed},
        )
    ]


def _check_image_size(loc: list, value: Any) -> list[dict]:
    if isinstance(value, str):
        return _check_enum(loc, value, list(IMAGE_SIZE_PRESETS))
    if not isinstance(value, dict):
        return [_err(loc, "value is not a valid dict or preset name", "type_error")]
    side_spec = {"type": "integer", "exclusive_min": 0, "max": MAX_SIDE}
    errors = []
    for side in ("width", "height"):
        if side not in value:
            errors.append(_err([*loc, side], "field required", "value_error.missing"))
        else:
            errors.extend(_check_number([*loc, side], value[side], side_spec))
    return errors


def _check_aspect_ratio(loc: list, value: Any, allowed: list) -> list[dict]:
    if isinstance(value, str) and (value in allowed or _ratio(value)):
        return []
    return _check_enum(loc, value, allowed)


def _ratio(value: str) -> tuple[int, int] | None:
    match = _RATIO_RE.match(value)
    if not match or not int(match[1]) or not int(match[2]):
        return None
    return int(match[1]), int(match[2])


def _resolve_size(endpoint: Endpoint, body: dict) -> tuple[int, int]:
    fields = endpoint.fields
    if "image_size" in fields:
        value = body.get("image_size") or fields["image_size"].get("default")
        if isinstance(value, dict):
            return int(value["width"]), int(value["height"])
        return IMAGE_SIZE_PRESETS.get(value or "", DEFAULT_SIZE)
    if fields.get("aspect_ratio", {}).get("type") == "aspect_ratio":
        return _size_for_ratio(body.get("aspect_ratio") or fields["aspect_ratio"].get("default", "1:1"))
    if "width" in fields and "height" in fields:
        return int(body.get("width", fields["width"].get("default", 1024))), int(
            body.get("height", fields["height"].get("default", 1024))
        )
    return DEFAULT_SIZE


def _size_for_ratio(value: str) -> tuple[int, int]:
    w_ratio, h_ratio = _ratio(value) or (1, 1)
    height = math.sqrt(ASPECT_RATIO_PIXELS * h_ratio / w_ratio)
    width = height * w_ratio / h_ratio
    # Diffusion models work in multiples of 32 pixels.
    return max(32, round(width / 32) * 32), max(32, round(height / 32) * 32)


def _plan(endpoint: Endpoint, body: dict, width: int, height: int, operation: operations.Operation | None) -> Plan:
    def value(name: str, fallback: Any) -> Any:
        return value_or_default(endpoint.fields, body, name, fallback)

    # PNG unless the caller explicitly asks for JPEG (fal defaults some models to JPEG): lossless
    # outputs keep tests exact. Cut-outs are PNG whatever is asked: JPEG has no alpha.
    fmt = body.get("output_format") or body.get("format") or body.get("image_format")
    lossless = operation is not None and operation.lossless
    jpeg = fmt in ("jpeg", "jpg") and not lossless
    return Plan(
        prompt=str(body.get("prompt") or ""),
        negative_prompt=str(body.get("negative_prompt") or ""),
        width=width,
        height=height,
        num_images=int(value("num_images", 1)) if endpoint.output_key == "images" else 1,
        seed=int(body["seed"]) if body.get("seed") is not None else None,
        steps=int(value("num_inference_steps", 28)),
        guidance=float(value("guidance_scale", 3.5)),
        output_format="jpeg" if jpeg else "png",
        sync_mode=bool(body.get("sync_mode", False)),
        operation=operation,
    )


def _check_content(plan: Plan) -> None:
    text = f"{plan.prompt} {plan.negative_prompt}".lower()
    if FORBIDDEN_WORD in text:
        msg = "The content could not be processed because it contained material flagged by a content checker."
        error = _err(["body", "prompt"], msg, "content_policy_violation")
        raise ModelInputError([error], error_type="content_policy_violation")
