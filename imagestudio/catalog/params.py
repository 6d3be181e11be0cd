"""Turn what a user asked for into the exact arguments a model accepts (fal's input names).

Pure functions over a model's input schema (the `input` object of our catalog data), so the generate
page, the API, batches and the CLI all validate the same way.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from urllib.parse import urlsplit

# ~1 MP sizes per aspect ratio, multiples of 64 (what SDXL/FLUX are trained on).
ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "9:16": (768, 1344),
    "4:3": (1152, 896),
    "3:4": (896, 1152),
    "3:2": (1216, 832),
    "2:3": (832, 1216),
    "21:9": (1536, 640),
}
IMAGE_SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
MIN_SIDE, MAX_SIDE = 256, 2048
MAX_SEED = 2**32 - 1
MEGAPIXEL = 1024 * 1024  # fal bills a 1024×1024 image as one megapixel
# Caps on what one job may carry: every argument is copied into the job, its images' metadata and PNG text.
MAX_STRING = 4000  # characters in one string argument
MAX_URL = 2048
MAX_ITEMS = 16  # entries in one list argument (LoRAs, ControlNets, …)
MAX_DEPTH = 4  # nesting of objects and lists
MAX_ARGUMENT_BYTES = 16_000  # one argument, as JSON
MAX_ARGUMENTS_BYTES = 64_000  # all of them
MAX_ABS_NUMBER = 1e15  # a number with no range of its own


NOT_RECORDED = {"prompt", "negative_prompt", "image_size", "aspect_ratio", "num_images", "seed", "sync_mode", "style"}


def _is_scalar(spec: dict) -> bool:
    kind = spec.get("type", "")
    return kind in ("integer", "number", "boolean") or kind == "enum(string)"


class ParameterError(ValueError):
    """A bad input, tied to the field that caused it so forms and API clients can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Resolved:
    arguments: dict  # exactly what the provider receives
    width: int
    height: int
    num_images: int
    seed: int


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def _number(field: str, value, kind: type, spec: dict):
    """A finite number of `kind` within the spec's range. Numeric strings are accepted (HTML forms send them);
    booleans, NaN and infinities are not (NaN passes every range check and would reach the database)."""
    label = _label(field)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ParameterError(field, f"{label} must be a number.")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            raise ParameterError(field, f"{label} must be a number.") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(field, f"{label} must be a finite number.")
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ParameterError(field, f"{label} must be a whole number.")
    low, high = spec.get("min"), spec.get("max")
    if abs(value) > MAX_ABS_NUMBER and (low is None or high is None):
        raise ParameterError(field, f"{label} is out of range.")
    if low is not None and value < low:
        raise ParameterError(
            field, f"{label} must be at least {low}" + (f" and at most {high}." if high is not None else ".")
        )
    if high is not None and value > high:
        raise ParameterError(
            field, f"{label} must be at most {high}" + (f" and at least {low}." if low is not None else ".")
        )
    return kind(value)


def _size(params: dict) -> tuple[int, int]:
    size = params.get("image_size")
    if size is not None and not isinstance(size, str | dict):
        raise ParameterError("image_size", 'Image size must be a preset name or {"width": …, "height": …}.')
    if isinstance(size, str):
        if size not in IMAGE_SIZE_PRESETS:
            raise ParameterError("image_size", f"Unknown size {size!r}; use one of {', '.join(IMAGE_SIZE_PRESETS)}.")
        return IMAGE_SIZE_PRESETS[size]
    if isinstance(size, dict):
        return _custom_size(size.get("width"), size.get("height"))
    if params.get("width") or params.get("height"):
        return _custom_size(params.get("width"), params.get("height"))
    ratio = params.get("aspect_ratio") or "1:1"
    if not isinstance(ratio, str) or ratio not in ASPECT_RATIOS:
        raise ParameterError("aspect_ratio", f"Unknown aspect ratio {ratio!r}; use one of {', '.join(ASPECT_RATIOS)}.")
    return _scaled(ASPECT_RATIOS[ratio], params.get("resolution"))


def _scaled(size: tuple[int, int], resolution) -> tuple[int, int]:
    """A ~1 MP preset scaled to `resolution` megapixels, in 64 px steps, no side over MAX_SIDE."""
    if resolution in (None, "", 1, "1"):
        return size
    megapixels = _number("resolution", resolution, float, {"min": 0.25, "max": 4})
    scale = min(math.sqrt(megapixels), MAX_SIDE / max(size))
    width, height = (max(MIN_SIDE, round(side * scale / 64) * 64) for side in size)
    return width, height


def _custom_size(width, height) -> tuple[int, int]:
    spec = {"min": MIN_SIDE, "max": MAX_SIDE}
    w = _number("width", width, int, spec)
    h = _number("height", height, int, spec)
    # Diffusion models work in 8-pixel latent blocks; round so the output is exactly what we store.
    return (w // 8) * 8, (h // 8) * 8


def aspect_ratio_name(width: int, height: int) -> str:
    """The closest named ratio, for models that take `aspect_ratio` instead of a size."""
    return min(
        ASPECT_RATIOS,
        key=lambda name: abs(math.log(width / height) - math.log(ASPECT_RATIOS[name][0] / ASPECT_RATIOS[name][1])),
    )


def resolve(schema: dict, params: dict, *, rng: random.Random | None = None) -> Resolved:
    """Validate `params` against a model's input schema and return the provider arguments.

    Accepts fal's own input names plus our conveniences: aspect_ratio, width/height.
    """
    width, height = _size(params)
    num_images = _number("num_images", params.get("num_images", 1), int, {"min": 1, "max": 4})
    seed_value = params.get("seed")
    largest_seed = min(MAX_SEED, schema.get("seed", {}).get("max", MAX_SEED))  # some models stop at 2**31 - 1
    if seed_value in (None, "", "random"):
        seed = (rng or random.SystemRandom()).randint(0, largest_seed)
    else:
        seed = _number("seed", seed_value, int, {"min": 0, "max": largest_seed})

    arguments: dict = {}
    if "image_size" in schema:
        arguments["image_size"] = {"width": width, "height": height}
    elif "aspect_ratio" in schema:
        arguments["aspect_ratio"] = aspect_ratio_name(width, height)
    if "num_images" in schema:
        arguments["num_images"] = num_images
    if "seed" in schema:
        arguments["seed"] = seed

    skip = {
        "prompt",
        "negative_prompt",
        "image_size",
        "aspect_ratio",
        "num_images",
        "seed",
        "width",
        "height",
        "resolution",
    }
    for field, value in params.items():
        if field in skip or value in (None, ""):
            continue
        spec = schema.get(field)
        if spec is None:
            continue  # quietly drop what this model does not accept (e.g. steps on a fixed-step model)
        arguments[field] = _coerce(field, value, spec)
    if len(_json(arguments)) > MAX_ARGUMENTS_BYTES:
        raise ParameterError("parameters", f"The parameters are too large (at most {MAX_ARGUMENTS_BYTES // 1000} KB).")
    # Record the defaults the model will use anyway, so every job's recipe says exactly what ran.
    for field, spec in schema.items():
        if field not in arguments and field not in NOT_RECORDED and "default" in spec and _is_scalar(spec):
            arguments[field] = spec["default"]
    return Resolved(arguments=arguments, width=width, height=height, num_images=num_images, seed=seed)


def _coerce(field: str, value, spec: dict):
    kind = spec.get("type", "")
    if kind.startswith("integer"):  # also "integer (literal 4)"
        return _number(field, value, int, spec)
    if kind == "number":
        return _number(field, value, float, spec)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str | int) and str(value).lower() in {"true", "1", "on", "yes"}:
            return True
        if isinstance(value, str | int) and str(value).lower() in {"false", "0", "off", "no"}:
            return False
        raise ParameterError(field, f"{_label(field)} must be true or false.")
    if kind.startswith("enum") and "enum" in spec and not isinstance(value, dict):
        if not isinstance(value, str | int | float) or isinstance(value, bool) or value not in spec["enum"]:
            raise ParameterError(field, f"{_label(field)} must be one of {', '.join(map(str, spec['enum']))}.")
        return value
    if kind == "string(url)":
        return _url(field, value)
    if kind == "string":
        return _string(field, value, MAX_STRING)
    if kind == "array<number>":
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            raise ParameterError(field, f"{_label(field)} must be a list of at most {MAX_ITEMS} numbers.")
        return [_number(f"{field}[{index}]", item, float, {}) for index, item in enumerate(value)]
    if kind.startswith("array<") and not isinstance(value, list):
        raise ParameterError(field, f"{_label(field)} must be a list.")
    # Objects and lists of objects (LoRAs, ControlNets, fill images…): plain JSON, bounded, URLs http(s).
    cleaned = _json_value(field, value, depth=0)
    if len(_json(cleaned)) > MAX_ARGUMENT_BYTES:
        raise ParameterError(field, f"{_label(field)} is too large (at most {MAX_ARGUMENT_BYTES // 1000} KB).")
    return cleaned


def _string(field: str, value, limit: int) -> str:
    if not isinstance(value, str):
        raise ParameterError(field, f"{_label(field)} must be text.")
    if len(value) > limit:
        raise ParameterError(field, f"{_label(field)} is too long (at most {limit} characters).")
    if "\x00" in value:  # PostgreSQL cannot store NUL in text or JSON
        raise ParameterError(field, f"{_label(field)} contains a NUL character.")
    return value


def _url(field: str, value) -> str:
    """An http(s) URL: fal fetches it, so no data: blobs (megabytes copied into every record) or other schemes."""
    url = _string(field, value, MAX_URL).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ParameterError(field, f"{_label(field)} must be an http(s) URL.")
    return url


def _json_value(field: str, value, *, depth: int):
    """Plain JSON within the caps; strings that are URLs (contain "://" or start with data:) must be http(s)."""
    if depth > MAX_DEPTH:
        raise ParameterError(field, f"{_label(field)} is nested too deeply.")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number(field, value, type(value), {})
    if isinstance(value, str):
        looks_like_url = "://" in value or value.lower().startswith("data:")
        return _url(field, value) if looks_like_url else _string(field, value, MAX_STRING)
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise ParameterError(field, f"{_label(field)} has too many entries (at most {MAX_ITEMS}).")
        return [_json_value(f"{field}[{index}]", item, depth=depth + 1) for index, item in enumerate(value)]
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS * 2:
            raise ParameterError(field, f"{_label(field)} has too many keys.")
        return {
            _string(field, str(key), 100): _json_value(f"{field}.{key}", item, depth=depth + 1)
            for key, item in value.items()
        }
    raise ParameterError(field, f"{_label(field)} has a value of an unsupported type.")


def _json(value) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def estimate_cost_usd(pricing: dict, width: int, height: int, num_images: int) -> float:
    """Provider cost of one request. Megapixel prices round up to the next whole MP, per image."""
    amount = pricing.get("amount_usd")
    if amount is None:
        return 0.0
    unit = (pricing.get("unit") or "").lower()
    if "megapixel" in unit:
        return amount * math.ceil(width * height / MEGAPIXEL) * num_images
    return amount * num_images


def credits_for(usd: float, credit_usd: float) -> int:
    return math.ceil(round(usd / credit_usd, 6)) if usd > 0 else 0
