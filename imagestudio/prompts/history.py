"""Autocomplete for the prompt editor: phrases from the user's own recent prompts and from the prompt
libraries of their workspaces, most used first.

`suggest()` is the one entry point the API calls.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from imagestudio.accounts.models import User
from imagestudio.generation.models import GenerationJob
from imagestudio.prompts.syntax import PromptSyntaxError, plain_text
from imagestudio.workspaces.access import prompts_visible_to

RECENT_JOBS = 500
MAX_SUGGESTIONS = 8
MIN_PREFIX = 3
MAX_PHRASE = 120
# Where one phrase of a prompt ends: commas, semicolons, line breaks and the end of a sentence.
_PHRASE_BREAK = re.compile(r"[,;\n]|\.(?=\s|$)")
# What the editor's current phrase starts after (the client sends the text before the caret).
_QUERY_BREAK = re.compile(r"[,;\n(\[{|<>]")
_SYNTAX = re.compile(r"[()\[\]{}<\\]")


@dataclass(frozen=True)
class Completion:
    text: str  # the whole phrase
    replace: int  # how many characters before the caret it replaces (the part of the query it completes)
    uses: int  # in how many of the recent prompts it appears
    source: str = "history"


def suggest(user: User, query: str, *, limit: int = MAX_SUGGESTIONS) -> list[Completion]:
    """Completions of the phrase being typed (`query` is the text before the caret), at most `limit`."""
    if len(_current_phrase(query)) < MIN_PREFIX:
        return []
    return complete(_phrases(user), query, limit=limit)


LIBRARY_PROMPTS = 300


def _phrases(user: User) -> list[tuple[str, int]]:
    """What the person ran lately, then what their workspaces keep in the library (not the public ones:
    suggestions come from their own words)."""
    prompts = list(
        GenerationJob.objects.filter(user=user)
        .exclude(user_prompt="")
        .order_by("-created_at")
        .values_list("user_prompt", flat=True)[:RECENT_JOBS]
    )
    library = (
        prompts_visible_to(user)
        .filter(workspace__isnull=False)
        .order_by("-usage_count", "-updated_at")
        .values_list("prompt_text", flat=True)[:LIBRARY_PROMPTS]
    )
    return count_phrases([*prompts, *library])


def count_phrases(prompts: Iterable[str]) -> list[tuple[str, int]]:
    """Distinct phrases (case-insensitive; the newest spelling wins) with how many prompts use each, most
    used first, then the most recent. Weight syntax and LoRA tags are left out: "(red fox:1.3)" is "red fox"."""
    uses: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for prompt in prompts:
        keys = set()
        for phrase in split_phrases(prompt):
            key = phrase.lower()
            spelling.setdefault(key, phrase)
            keys.add(key)
        uses.update(keys)
    ranked = sorted(spelling, key=lambda key: -uses[key])  # stable: ties keep newest-first order
    return [(spelling[key], uses[key]) for key in ranked]


def split_phrases(prompt: str) -> list[str]:
    text = prompt
    if _SYNTAX.search(prompt):
        with contextlib.suppress(PromptSyntaxError):  # a malformed prompt still has phrases: keep it as written
            text = plain_text(prompt, keep_dynamic=True)
    phrases = (" ".join(part.split()) for part in _PHRASE_BREAK.split(text))
    return [phrase for phrase in phrases if len(phrase) >= MIN_PREFIX and len(phrase) <= MAX_PHRASE]


def complete(phrases: Sequence[tuple[str, int]], query: str, *, limit: int = MAX_SUGGESTIONS) -> list[Completion]:
    """Phrases that start with the query's current phrase (case-insensitive); when too few do, with its last
    words only ("a fox in a snowy fo" -> "snowy fo" -> "snowy forest at dawn"). Never the query itself."""
    found: list[Completion] = []
    seen: set[str] = set()
    for tail in _tails(_current_phrase(query)):
        low = tail.lower()
        for text, uses in phrases:
            key = text.lower()
            if key.startswith(low) and key != low and key not in seen:
                seen.add(key)
                found.append(Completion(text, len(tail), uses))
                if len(found) >= limit:
                    return found
    return found


def _current_phrase(query: str) -> str:
    """The text after the last phrase break, without leading spaces (trailing ones count: "red " ≠ "red")."""
    parts = _QUERY_BREAK.split(query)
    return parts[-1].lstrip()


def _tails(phrase: str) -> list[str]:
    """The phrase, then each shorter ending that starts at a word (at least MIN_PREFIX characters)."""
    starts = [0] + [match.end() for match in re.finditer(r"\s+", phrase)]
    return [phrase[at:] for at in starts if len(phrase[at:].strip()) >= MIN_PREFIX]
