"""Endpoint input schemas for the emulator, read from the catalog data the studio itself ships
(`imagestudio/catalog/data/fal_models.json`), so the two never disagree.

Only the parts the emulator validates are kept: type, required, min/max, enum, default.
"""

from __future__ import annotations

import json
from pathlib import Path

CATALOG_FILE = Path(__file__).resolve().parent.parent / "catalog" / "data" / "fal_models.json"
SKIPPED_CATEGORIES = {"video", "training"}  # the emulator renders images only
NAMED_TYPES = {
    "enum(string) | ImageSize": "image_size",
    "enum(string) | string": "aspect_ratio",
    "string(url)": "url",
    "enum(string)": "enum",
}


def _field_type(raw: str) -> str:
    if raw.startswith("array"):
        return "list"
    if raw.startswith("integer"):
        return "integer"
    if raw in NAMED_TYPES:
        return NAMED_TYPES[raw]
    return raw if raw in ("boolean", "number", "string") else "any"


def _field(spec: dict) -> dict:
    field = {"type": _field_type(spec.get("type", ""))}
    for key in ("required", "min", "max", "enum", "default"):
        if key in spec and not (key == "required" and not spec[key]):
            field[key] = spec[key]
    if field["type"] == "image_size":
        field.pop("enum", None)  # presets are checked by name in catalog.py
    return field


def load_endpoints(path: Path = CATALOG_FILE) -> dict[str, dict]:
    return {
        entry["endpoint_id"]: {
            "category": entry["category"],
            "output": "images" if "images" in entry.get("output", {}) else "image",
            "fields": {name: _field(spec) for name, spec in entry.get("input", {}).items()},
        }
        for entry in json.loads(path.read_text())["endpoints"]
        if entry["category"] not in SKIPPED_CATEGORIES
    }


ENDPOINTS: dict[str, dict] = load_endpoints()
