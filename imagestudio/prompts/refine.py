"""Rule-based prompt refinement: concrete, complete rewrites of a prompt, suited to the model family.

    refine("a red fox in a snowy forest at dawn", "flux")
    -> [Suggestion("subject", "Subject detail", "A red fox in a snowy forest at dawn, with russet fur, ...", ...),
        Suggestion("lighting", ...), ..., Suggestion("all", "All together", ...)]

Each rewrite is the user's prompt plus words picked from what the prompt already names (its subject, its
time of day, its style), never words it already has. Natural-language families (FLUX, AuraFlow, the offline
engine...) get fluent sentences without weight syntax or "masterpiece" tag soup; Stable Diffusion-style
families get comma-separated tags and a suggested negative prompt in `note`.

Pure Python and deterministic: the same input always gives the same output. Imports no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from imagestudio.engine.vocab import STYLE_WORDS, SUBJECT_WORDS
from imagestudio.prompts.vocab import (
    COMPOSITION,
    DEFAULT_LIGHTING,
    GENERIC_DETAIL,
    LENS,
    LIGHTING_BY_SHOT,
    LIGHTING_CUES,
    NEGATIVE_PEOPLE,
    NEGATIVE_TERMS,
    PERSPECTIVE,
    QUALITY_SENTENCES,
    QUALITY_TAGS,
    SCENES,
    SHOT_NAMES,
    STYLE_GROUPS,
    SUBJECTS,
    Detail,
    Option,
)

MAX_PROMPT = 4000
EMPTY_PROMPT = "Write a prompt first: there is nothing to refine."
TOO_LONG = f"The prompt is over {MAX_PROMPT} characters: shorten it before refining it."
KINDS = ("subject", "lighting", "composition", "lens", "quality", "all")
LABELS = {
    "subject": "Subject detail",
    "lighting": "Lighting",
    "composition": "Composition",
    "lens": "Lens",
    "quality": "Quality",
    "all": "All together",
}
# Families whose models read comma-separated tags (Stable Diffusion and its descendants).
TAG_FAMILIES = frozenset(
    {
        "stable-diffusion",
        "sdxl",
        "sd",
        "sd15",
        "sd1.5",
        "lora",
        "lcm",
        "playground",
        "pony",
        "face-to-sticker",
        "ip-adapter-face-id",
        "clarity-upscaler",
        "creative-upscaler",
    }
)
FAMILY_NAMES = {
    "flux": "FLUX",
    "aura": "AuraFlow",
    "kontext": "FLUX Kontext",
    "recraft": "Recraft",
    "ideogram": "Ideogram",
    "offline": "The offline engine",
    "bria": "Bria",
}
# Glue words of our own templates and of prompts: never counted as "the prompt already says this".
_GLUE = "a an the and or of with in on at by to from for into onto its it as is are that this their his her"
CONNECTIVES = frozenset(_GLUE.split())


@dataclass(frozen=True)
class Suggestion:
    kind: str  # one of KINDS
    label: str
    prompt: str  # the whole rewritten prompt, ready to use
    note: str = ""  # why, or (tag families) a suggested negative prompt


_WORD = re.compile(r"[a-z0-9]+(?:/[0-9.]+)?")
_WEIGHTED = re.compile(r"\(([^()]*?):\s*[0-9.]+\s*\)")  # (word:1.2) -> word
_BRACKETS = re.compile(r"[()\[\]{}]")
_TAG_SOUP = re.compile(r"\b(?:masterpiece|best quality|high quality|highest quality|ultra quality)\b\s*,?\s*", re.I)
_FOCAL = re.compile(r"\b\d{2,3}\s?mm\b", re.I)


# -- public API -------------------------------------------------------------------------------------


def refine(prompt: str, family: str, *, negative_prompt: str = "") -> list[Suggestion]:
    """Concrete rewrites of `prompt` for a model of `family`: one per kind (those that have something new to add)."""
    if not prompt or not prompt.strip():
        raise ValueError(EMPTY_PROMPT)
    if len(prompt) > MAX_PROMPT:
        raise ValueError(TOO_LONG)
    tags = uses_tags(family)
    base = prompt.strip() if tags else as_sentence(prompt)
    base = base.rstrip(" \t\n,.;:!") or base
    if not tags:
        base = base[:1].upper() + base[1:]
    scene = Scene.read(prompt)
    parts = _options(scene)
    suggestions = []
    for kind in KINDS[:-1]:
        text = _rewrite(base, {kind: parts[kind]}, tags, set(content_words(prompt)))
        if text:
            suggestions.append(Suggestion(kind, LABELS[kind], text, _note(kind, scene, family, negative_prompt)))
    combined = _rewrite(base, parts, tags, set(content_words(prompt)))
    if combined and len(suggestions) > 1:
        suggestions.append(Suggestion("all", LABELS["all"], combined, _note("all", scene, family, negative_prompt)))
    return [s for s in suggestions if len(s.prompt) <= MAX_PROMPT and s.prompt != prompt.strip()]


def uses_tags(family: str) -> bool:
    """True for Stable Diffusion-style families (comma-separated tags), False for natural-language ones."""
    name = (family or "").strip().lower()
    return name in TAG_FAMILIES or name.startswith(("sd", "stable")) or "diffusion" in name


def content_words(text: str) -> list[str]:
    """The words of `text` that carry meaning, stemmed (misty -> mist, stars -> star), glue words left out."""
    return [_stem(word) for word in _WORD.findall(text.lower()) if word not in CONNECTIVES and len(word) > 1]


def highlight(original: str, rewritten: str) -> list[tuple[str, bool]]:
    """`rewritten` cut into (text, added) runs: added is True for words the original does not have there."""
    old = [_key(word) for word in original.split()]
    pieces = re.findall(r"(\s*)(\S+)", rewritten)
    new = [_key(word) for _, word in pieces]
    added = [True] * len(pieces)
    for block in SequenceMatcher(a=old, b=new, autojunk=False).get_matching_blocks():
        for index in range(block.b, block.b + block.size):
            added[index] = False
    runs: list[tuple[str, bool]] = []
    for index, (space, word) in enumerate(pieces):
        joined = added[index] and index > 0 and added[index - 1]
        if joined:  # the space between two added words belongs to the highlight
            runs[-1] = (runs[-1][0] + space + word, True)
            continue
        if space:
            _append(runs, space, False)
        _append(runs, word, added[index])
    return runs


# -- reading the prompt -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    text: str  # lower-cased prompt
    words: tuple[str, ...]
    subject: Detail | None
    subject_word: str
    place: Detail | None
    place_word: str
    style_group: str  # photo, painting, graphic, render

    @classmethod
    def read(cls, prompt: str) -> Scene:
        text = " ".join(prompt.lower().split())
        words = tuple(_WORD.findall(text))
        subject, subject_word = _first_match(words, SUBJECTS)
        place, place_word = _first_match(words, SCENES)
        return cls(text, words, subject, subject_word, place, place_word, _style_group(text))

    @property
    def shot(self) -> str:
        """What kind of picture this is, for framing and lens: the subject decides, else the place."""
        place = self.place.shot if self.place is not None else None
        if self.subject is None:
            return place or "object"
        if self.subject.shot == "macro" and place in ("landscape", "city"):
            return place  # "tulips in a valley": a landscape, not a macro shot
        return self.subject.shot

    @property
    def noun(self) -> str:
        if self.subject is not None:
            return self.subject.name or self.subject_word
        if self.place is not None:
            return self.place.name or self.place_word
        return "subject"

    @property
    def painterly(self) -> bool:
        return self.style_group != "photo"

    def has(self, phrase: str) -> bool:
        return re.search(rf"\b{re.escape(phrase)}\b", self.text) is not None


def _first_match(words: Sequence[str], table: Iterable[Detail]) -> tuple[Detail | None, str]:
    """The entry whose trigger comes first in the prompt (the main subject usually comes first)."""
    position: dict[str, int] = {}
    for index, word in enumerate(words):
        position.setdefault(word, index)
        canonical = SUBJECT_WORDS.get(word)  # the engine's synonyms: stag -> deer, bunny -> rabbit
        if canonical:
            position.setdefault(canonical, index)
    best: tuple[int, Detail | None, str] = (len(words), None, "")
    for entry in table:
        for trigger in entry.triggers:
            if trigger in position and position[trigger] < best[0]:
                best = (position[trigger], entry, words[position[trigger]])
    return best[1], best[2]


def _style_group(text: str) -> str:
    for phrase in sorted(STYLE_WORDS, key=len, reverse=True):  # "oil painting" before "oil"
        if re.search(rf"\b{re.escape(phrase)}\b", text):
            return STYLE_GROUPS.get(STYLE_WORDS[phrase], "photo")
    return "photo"


# -- building the rewrites --------------------------------------------------------------------------


def _options(scene: Scene) -> dict[str, tuple[Option, ...]]:
    shot = scene.shot
    detail = scene.subject or scene.place
    lens = PERSPECTIVE[shot] if scene.painterly else LENS[shot]
    if _FOCAL.search(scene.text):  # the prompt names its lens already: only depth of field is left to add
        lens = tuple(option for option in lens if "mm" not in option[0])
    quality = tuple((sentence, QUALITY_TAGS[scene.style_group]) for sentence in QUALITY_SENTENCES[scene.style_group])
    return {
        "subject": (detail.options if detail else ()) + GENERIC_DETAIL,
        "lighting": _lighting(scene),
        "composition": COMPOSITION[shot],
        "lens": lens,
        "quality": quality,
    }


def _lighting(scene: Scene) -> tuple[Option, ...]:
    for cues, options in LIGHTING_CUES:
        if any(scene.has(cue) for cue in cues):
            return options + DEFAULT_LIGHTING[2:]
    return LIGHTING_BY_SHOT.get(scene.shot, DEFAULT_LIGHTING) + DEFAULT_LIGHTING[2:]


def _rewrite(base: str, parts: dict[str, tuple[Option, ...]], tags: bool, used: set[str]) -> str:
    """`base` plus, for each kind in `parts`, the first option whose words the text does not have yet."""
    used = set(used)
    if tags:
        added: list[str] = []
        for options in parts.values():
            chosen = _fresh_tags(options, used)
            added.extend(chosen)
            for tag in chosen:
                used.update(content_words(tag))
        return f"{base}, {', '.join(added)}" if added else ""
    clauses: dict[str, str] = {}
    for kind, options in parts.items():
        clause = next((c for c, _ in options if not set(content_words(c)) & used), None)
        if clause:
            clauses[kind] = clause
            used.update(content_words(clause))
    return _sentences(base, clauses)


def _fresh_tags(options: tuple[Option, ...], used: set[str]) -> list[str]:
    """The tags of the first option that keeps any once tags the prompt already has are dropped."""
    for _, tags in options:
        fresh: list[str] = []
        seen = set(used)
        for tag in tags:
            words = set(content_words(tag))
            if words and not words & seen:
                fresh.append(tag)
                seen |= words
        if fresh:
            return fresh
    return []


def _sentences(base: str, clauses: dict[str, str]) -> str:
    """Join clauses into fluent sentences: detail and light after the prompt, framing and lens next, quality last."""
    if not clauses:
        return ""
    first = [clauses[k] for k in ("subject", "lighting") if k in clauses]
    second = [clauses[k] for k in ("composition", "lens") if k in clauses]
    text = ", ".join([base, *first])
    if second:
        joined = ", ".join(second)
        text = f"{text}, {joined}" if not first else f"{text}. {joined[:1].upper()}{joined[1:]}"
    if "quality" in clauses:
        text = f"{text}. {clauses['quality']}"
    return text + "."


def _note(kind: str, scene: Scene, family: str, negative_prompt: str) -> str:
    if uses_tags(family) and kind in ("quality", "all"):
        return _negative_note(scene, negative_prompt)
    if kind == "subject":
        return f"Concrete detail for the {scene.noun}." if scene.noun != "subject" else "Texture and material detail."
    if kind == "lighting":
        cue = next((c for cues, _ in LIGHTING_CUES for c in cues if scene.has(c)), "")
        return f"Light that suits “{cue}”." if cue else f"Light suited to a {SHOT_NAMES[scene.shot]} image."
    if kind == "composition":
        return f"How to frame the {scene.noun}."
    if kind == "lens":
        view = "point of view" if scene.painterly else "focal length"
        return f"A {view} suited to a {SHOT_NAMES[scene.shot]} image."
    if kind == "quality":
        name = FAMILY_NAMES.get(family) or (family.title() if family else "This model")
        return f"{name} reads plain sentences: quality in words, no tag lists or weights."
    return "Every refinement in one rewrite."


def _negative_note(scene: Scene, negative_prompt: str) -> str:
    have = set(content_words(negative_prompt))
    terms = NEGATIVE_TERMS + (NEGATIVE_PEOPLE if scene.shot == "person" else ())
    missing = [term for term in terms if not set(content_words(term)) <= have]
    return f"Negative prompt: {', '.join(missing)}" if missing else ""


# -- small helpers ----------------------------------------------------------------------------------


def as_sentence(prompt: str) -> str:
    """A natural-language model's prompt: no (word:1.2) weights, brackets or "masterpiece" tag soup."""
    text = _WEIGHTED.sub(r"\1", prompt)
    text = _BRACKETS.sub("", text)
    text = _TAG_SOUP.sub("", text)
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r",\s*,+", ",", text)
    return " ".join(text.split()).strip(" ,") or " ".join(prompt.split())


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "y"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed", "y") and len(word) > 3 and word[-1] == word[-2]:  # starry, foggy, running
                word = word[:-1]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _key(word: str) -> str:
    return re.sub(r"[^\w/]", "", word.lower())


def _append(runs: list[tuple[str, bool]], text: str, added: bool) -> None:
    if runs and runs[-1][1] == added:
        runs[-1] = (runs[-1][0] + text, added)
    else:
        runs.append((text, added))
