"""fal-ai/any-llm in the emulator: a small schema of its own and a deterministic "language model".

The studio's catalog (catalog/data/fal_models.json) lists image models only, so any-llm's shape is kept
here, from fal's public pages (fal.ai/models/fal-ai/any-llm/api; docs.fal.ai/guides/how-to-use-llms):
input `prompt` (required), `model` (an OpenRouter-style id such as "google/gemini-2.5-flash"),
`system_prompt`, `reasoning`; output `{"output": <text>, "partial": false, "error": null}`.

The emulated model does not read the system prompt. It answers a JSON list of prompt rewrites,
`[{"kind", "label", "prompt"}, ...]`: the image prompt with a few fixed words appended per kind, where the
image prompt is the text after the last line starting "Prompt:" in `prompt` (all of it when there is none).
A `prompt` containing GARBAGE_WORD gets a chatty answer that is not JSON, for callers' fallback tests.
"""

from __future__ import annotations

import json
from typing import Any

ENDPOINT_ID = "fal-ai/any-llm"
CATEGORY = "llm"
OUTPUT_KEY = "output"
OUTPUT_FIELDS = ("output", "partial", "error")
FIELDS: dict[str, dict] = {
    "prompt": {"type": "string", "required": True},
    "model": {"type": "string"},
    "system_prompt": {"type": "string"},
    "reasoning": {"type": "boolean"},
}
GARBAGE_WORD = "emulator-garbage"
GARBAGE_REPLY = "Sure! Here are a few ideas: make it brighter, add more detail and maybe a dragon."
REWRITES = (
    ("subject", "Subject detail", "with intricate surface detail"),
    ("lighting", "Lighting", "in soft rim light"),
    ("composition", "Composition", "rule of thirds composition"),
    ("lens", "Lens", "shot on a 50mm lens"),
    ("quality", "Quality", "sharp focus and fine texture"),
)
_MARKER = "prompt:"


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The result of one any-llm request whose input passed validation."""
    text = str(body.get("prompt") or "")
    output = GARBAGE_REPLY if GARBAGE_WORD in text else json.dumps(rewrites(image_prompt(text)))
    return {"output": output, "partial": False, "error": None}


def image_prompt(text: str) -> str:
    """The image prompt inside an LLM prompt: what follows the last "Prompt:" line, else the whole text."""
    lines = text.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip().lower().startswith(_MARKER):
            rest = [lines[index].strip()[len(_MARKER) :], *lines[index + 1 :]]
            return " ".join(" ".join(rest).split())
    return " ".join(text.split())


def rewrites(prompt: str) -> list[dict[str, str]]:
    base = prompt.rstrip(" .,;")
    items = [{"kind": kind, "label": label, "prompt": f"{base}, {words}"} for kind, label, words in REWRITES]
    combined = ", ".join(words for _, _, words in REWRITES)
    items.append({"kind": "all", "label": "All together", "prompt": f"{base}, {combined}"})
    return items
