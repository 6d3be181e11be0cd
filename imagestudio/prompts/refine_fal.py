"""Prompt refinement through a language model on fal (`fal-ai/any-llm`), the offline rules as the fallback.

fal's any-llm endpoint, as fal documents it (fal.ai/models/fal-ai/any-llm/api, "Run any large language model
with fal, powered by OpenRouter"; docs.fal.ai/guides/how-to-use-llms; the field list as in the types generated
from fal's OpenAPI schema, e.g. the `fal` crate's ChatInput/ChatOutput on docs.rs):

    input   prompt         str, required
            model          OpenRouter-style id; optional (fal's own example leaves it out). fal's guide names
                           "anthropic/claude-3.5-sonnet", "google/gemini-pro-1.5", "meta-llama/llama-3.2-3b-instruct",
                           "openai/gpt-4o"; premium models cost 10x the standard rate.
            system_prompt  str, optional
            reasoning      bool, optional (include the model's reasoning in the answer)
    output  {"output": "<text>", "partial": false, "error": null}

LLM_MODEL is "google/gemini-2.5-flash": a fast, standard-rate model that public code calls through any-llm
in 2026. That fal's catalogue lists it today is UNCONFIRMED here; were it rejected, the call fails and the
offline rules answer (logged), so a wrong id degrades, never breaks.

The call goes through the real `fal_client` queue API (submit, then poll status and fetch the result) with
one client-side deadline, DEADLINE_SECONDS: on expiry fal_client cancels the request and we fall back.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings

from imagestudio.prompts.refine import KINDS, LABELS, MAX_PROMPT, Suggestion, refine, uses_tags

if TYPE_CHECKING:
    import fal_client

logger = logging.getLogger(__name__)

ANY_LLM = "fal-ai/any-llm"
LLM_MODEL = "google/gemini-2.5-flash"
DEADLINE_SECONDS = 20.0
POLL_INTERVAL = 0.25  # fal_client's default (0.1 s) polls ten times a second
MAX_LABEL = 40
MAX_NOTE = 240
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*|\s*```\s*$")

SYSTEM_PROMPT = """You improve prompts for an AI image model. Answer with JSON only: a list of objects
{"kind": ..., "label": ..., "prompt": ...}, one for each kind, in this order:
- "subject": add concrete descriptive detail about what the prompt already names (materials, textures, features).
- "lighting": add a lighting setup that fits the prompt's time of day and mood.
- "composition": add framing: rule of thirds, foreground interest, close or wide framing as the subject needs.
- "lens": add a focal length and aperture suited to the shot (portrait 85mm, landscape 24mm, macro 100mm).
- "quality": add wording about image quality.
- "all": every refinement above combined in one prompt.
Each "prompt" is the complete rewritten prompt: keep everything the original says, add only what is new,
never repeat what it already says, at most 4000 characters. "label" is one to three words.
Write for this model: {style}"""
SENTENCE_STYLE = (
    "fluent natural-language sentences. No weight syntax such as (word:1.2) and no tag lists such as "
    "'masterpiece, best quality'."
)
TAG_STYLE = (
    "comma-separated tags, Stable Diffusion style. Quality tags such as 'highly detailed, sharp focus, 8k' "
    "are fine; you may add a 'note' field with a suggested negative prompt."
)


class ReplyError(ValueError):
    """The model's answer held no usable rewrites."""


def suggestions(prompt: str, family: str, negative_prompt: str = "") -> tuple[list[Suggestion], str]:
    """Rewrites of `prompt` and where they came from: "fal" (the language model) or "offline" (the rules).

    Raises ValueError (from the rules) for an empty prompt; every fal problem falls back to the rules.
    """
    offline = refine(prompt, family, negative_prompt=negative_prompt)
    key = settings.FAL_KEY
    if not key:
        return offline, "offline"
    import fal_client  # here, not at import: fal_client reads its hosts from the environment once

    try:
        reply = ask(key, user_message(prompt, family, negative_prompt), system_prompt(family))
        return parse_reply(reply, prompt, offline), "fal"
    except (fal_client.FalClientError, httpx.HTTPError, ValueError, TypeError, KeyError) as exc:
        # ValueError covers ReplyError, JSON from fal that is not JSON, and fal_client's "Unknown status".
        logger.warning("Prompt refinement on fal failed, using the offline rules: %s: %s", type(exc).__name__, exc)
        return offline, "offline"


def system_prompt(family: str) -> str:
    return SYSTEM_PROMPT.replace("{style}", TAG_STYLE if uses_tags(family) else SENTENCE_STYLE)


def user_message(prompt: str, family: str, negative_prompt: str = "") -> str:
    lines = [f"Model family: {family or 'unknown'}"]
    if negative_prompt.strip():
        lines.append(f"Negative prompt: {' '.join(negative_prompt.split())}")
    lines += ["Prompt:", prompt.strip()]
    return "\n".join(lines)


def ask(key: str, prompt: str, system: str, *, timeout: float | None = None) -> str:
    """One any-llm request through fal's queue, within `timeout` seconds (DEADLINE_SECONDS); the model's text."""
    deadline = DEADLINE_SECONDS if timeout is None else timeout
    arguments = {"model": LLM_MODEL, "prompt": prompt, "system_prompt": system}
    result: Any = _client(key, deadline).subscribe(ANY_LLM, arguments, interval=POLL_INTERVAL, client_timeout=deadline)
    if not isinstance(result, dict) or not isinstance(result.get("output"), str):
        raise ReplyError("any-llm answered without an `output` text")
    if result.get("error"):
        raise ReplyError(f"any-llm reported an error: {str(result['error'])[:200]}")
    return result["output"]


def parse_reply(text: str, original: str, fallback: list[Suggestion] | None = None) -> list[Suggestion]:
    """The usable rewrites in the model's answer (a JSON list, maybe fenced or wrapped in prose).

    Items with an unknown kind, no prompt, a prompt over MAX_PROMPT or one equal to the original are skipped;
    a missing label or note is taken from `fallback` (the rules' suggestion of that kind). Raises ReplyError
    when nothing usable is left.
    """
    items = _json_list(text)
    notes = {s.kind: s.note for s in fallback or []}
    found: dict[str, Suggestion] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("kind") or "").strip().lower()
        rewritten = item.get("prompt")
        if kind not in KINDS or kind in found or not isinstance(rewritten, str):
            continue
        rewritten = rewritten.strip()
        if not rewritten or len(rewritten) > MAX_PROMPT or rewritten == original.strip():
            continue
        label = _short(item.get("label"), MAX_LABEL) or LABELS[kind]
        note = _short(item.get("note"), MAX_NOTE) or notes.get(kind, "")
        found[kind] = Suggestion(kind, label, rewritten, note)
    if not found:
        raise ReplyError("the model's answer held no usable rewrites")
    return [found[kind] for kind in KINDS if kind in found]


def _json_list(text: str) -> list:
    cleaned = _FENCE.sub("", text.strip())
    try:
        data = json.loads(cleaned)
    except ValueError:
        start, end = cleaned.find("["), cleaned.rfind("]")
        if start < 0 or end <= start:
            raise ReplyError("the model's answer is not JSON") from None
        try:
            data = json.loads(cleaned[start : end + 1])
        except ValueError:
            raise ReplyError("the model's answer is not valid JSON") from None
    if isinstance(data, dict):  # {"suggestions": [...]} and the like
        data = next((value for value in data.values() if isinstance(value, list)), None)
    if not isinstance(data, list):
        raise ReplyError("the model's answer is not a JSON list")
    return data


def _short(value: object, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:limit]


@lru_cache(maxsize=4)
def _client(key: str, timeout: float) -> fal_client.SyncClient:
    """One fal client per key (its connection pool is reused); `timeout` bounds each submit."""
    import fal_client

    return fal_client.SyncClient(key=key, default_timeout=timeout)
