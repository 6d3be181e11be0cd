"""Endpoint input schemas for the emulator, read from the catalog data the studio itself ships
(`imagestudio/catalog/data/fal_models.json`), so the two never disagree.

Only the parts the emulator validates are kept: type, required, min/max, enum, default.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

CATALOG_FILE = Path(__file__).resolve().parent.parent / "catalog" / "data" / "fal_models.json"
SKIPPED_CATEGORIES = {"video", "training"}  # the emulator renders images only
NAMED_TYPES = {
    "enum(string) | ImageSize": "image_size",
    "enum(string) | string": "aspect_ratio",
    "string(url)": "url",
    "enum(string)": "enum",
}
_LITERAL_INT = re.compile(r"^integer \(literal (\d+)\)$")  # e.g. aura-sr's upscaling_factor: only 4


def _field_type(raw: str) -> str:
    if raw.startswith("array"):
        return "list"
    if raw.startswith("integer"):
        return "integer"
    if raw in NAMED_TYPES:
        return NAMED_TYPES[raw]
    return raw if raw in ("boolean", "number", "string") else "any"


def _field(spec: dict) -> dict:
    field: dict[str, Any] = {"type": _field_type(spec.get("type", ""))}
    for key in ("required", "min", "max", "enum", "default"):
        if key in spec and not (key == "required" and not spec[key]):
            field[key] = spec[key]
    literal = _LITERAL_INT.match(spec.get("type", ""))
    if literal:  # fal's types show it as the number and as the string: the enum check takes both
        field["type"], field["enum"] = "enum", [literal[1]]
    if field["type"] == "image_size":
        field.pop("enum", None)  # presets are checked by name in catalog.py
    return field


def load_endpoints(path: Path = CATALOG_FILE) -> dict[str, dict]:
    return {
        entry["endpoint_id"]: {
            "category": entry["category"],
            "output": "images" if "images" in entry.get("output", {}) else "image",
            "output_fields": list(entry.get("output", {})),
            "fields": {name: _field(spec) for name, spec in entry.get("input", {}).items()},
        }
        for entry in json.loads(path.read_text())["endpoints"]
        if entry["category"] not in SKIPPED_CATEGORIES
    }


ENDPOINTS: dict[str, dict] = load_endpoints()


def value_or_default(fields: dict[str, dict], body: dict, name: str, fallback: Any) -> Any:
    """The body's value for `name`, else the catalog default, else `fallback`."""
    if body.get(name) is not None:
        return body[name]
    return fields.get(name, {}).get("default", fallback)
