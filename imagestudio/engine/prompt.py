"""Prompt parsing: words -> a PromptPlan the composer can act on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .rng import unit_hash
from .vocab import COLOURS, ELEMENT_WORDS, MOOD_WORDS, SCENE_WORDS, STOPWORDS, STYLE_WORDS, SUBJECT_WORDS

RGB = tuple[int, int, int]
_TOKEN = re.compile(r"[a-z0-9&]+(?:[-'][a-z0-9]+)*|[()\[\]]|:\s*\d+(?:\.\d+)?")
_TIME_OF_SCENE = {"sunset": "sunset", "sunrise": "sunrise", "dusk": "dusk", "night": "night"}
_MAX_PHRASE = 3


@dataclass(frozen=True)
class PromptPlan:
    text: str  # normalised prompt
    scenes: tuple[str, ...] = ()  # canonical scene ids, in prompt order
    colours: tuple[RGB, ...] = ()  # named colours, in prompt order
    colour_names: tuple[str, ...] = ()
    colour_targets: tuple[str | None, ...] = ()  # noun a colour is attached to ("red fox" -> fox)
    styles: tuple[str, ...] = ()  # style preset ids
    subjects: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()  # element words (used for negative prompts)
    words: tuple[str, ...] = ()  # every word token, normalised
    weights: dict[str, float] = field(default_factory=dict)  # word -> attention weight
    word_hues: tuple[float, ...] = ()  # stable hues of unknown content words

    @property
    def time(self) -> str | None:
        """Time of day named by the prompt, if any (first one wins)."""
        for s in self.scenes:
            if s in _TIME_OF_SCENE:
                return _TIME_OF_SCENE[s]
        return None

    def weight(self, word: str) -> float:
        return self.weights.get(word, 1.0)

    def has(self, *words: str) -> bool:
        return any(w in self.words for w in words)


def normalise(prompt: str) -> str:
    """Lower-case and collapse whitespace: the form that seeds the RNG."""
    return " ".join(prompt.lower().replace("colour", "color").split())


def _weighted_tokens(text: str) -> list[tuple[str, float]]:
    """Tokens with A1111-style attention weights: (word:1.3), (word) = 1.1x, [word] = 0.9x."""
    out: list[tuple[str, float]] = []
    stack: list[tuple[int, float]] = []  # (start index in out, multiplier)
    mult = 1.0
    for tok in _TOKEN.findall(text):
        if tok in "([":
            m = 1.1 if tok == "(" else 1 / 1.1
            stack.append((len(out), m))
            mult *= m
        elif tok in ")]":
            if stack:
                _, m = stack.pop()
                mult /= m
        elif tok.startswith(":"):
            if stack:  # explicit weight replaces the group's implicit 1.1
                start, m = stack[-1]
                w = min(max(float(tok[1:].strip()), 0.0), 3.0)
                out[start:] = [(t, wt / m * w) for t, wt in out[start:]]
                stack[-1] = (start, w)
                mult = mult / m * w
        else:
            out.append((tok, mult))
    return out


def _lookup(phrase: str) -> list[tuple[str, str]]:
    """All (kind, id) meanings of a phrase; tries a naive singular as a fallback."""
    tables = (("colour", COLOURS), ("scene", SCENE_WORDS), ("style", STYLE_WORDS), ("subject", SUBJECT_WORDS))
    hits = [(k, phrase if k == "colour" else t[phrase]) for k, t in tables if phrase in t]
    if not hits and phrase.endswith("s") and len(phrase) > 3:
        return _lookup(phrase[:-1])
    return hits


def _match(words: list[str]) -> list[tuple[int, int, str, list[tuple[str, str]]]]:
    """Greedy longest-phrase matching -> (start, end, phrase, meanings)."""
    i, found = 0, []
    while i < len(words):
        for n in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            hits = _lookup(phrase)
            if hits:
                found.append((i, i + n, phrase, hits))
                i += n
                break
        else:
            i += 1
    return found


def _colour_target(words: list[str], end: int) -> str | None:
    """The noun right after a colour ("red fox", "purple and gold shapes")."""
    for w in words[end : end + 3]:
        hits = dict(_lookup(w))
        if "scene" in hits:
            return hits["scene"]
        if "subject" in hits:
            return hits["subject"]
        if "colour" not in hits and w not in ("and", "&", "dark", "light", "deep", "pale", "bright"):
            return None
    return None


def parse_prompt(prompt: str) -> PromptPlan:
    """Parse a free-text prompt into scenes, colours, styles, subjects, moods and weights."""
    text = normalise(prompt)
    toks = _weighted_tokens(text)
    words = [t for t, _ in toks]
    weights: dict[str, float] = {}
    for t, w in toks:
        weights[t] = max(weights.get(t, 0.0), w)
    scenes, styles, subjects, colours, names, targets = [], [], [], [], [], []
    known: set[int] = set()
    for start, end, phrase, hits in _match(words):
        known.update(range(start, end))
        w = max(weights.get(x, 1.0) for x in words[start:end])
        weights[phrase] = w
        for kind, ident in hits:
            if kind == "colour":
                colours.append(COLOURS[phrase])
                names.append(phrase)
                targets.append(_colour_target(words, end))
            elif kind == "scene" and ident not in scenes:
                scenes.append(ident)
            elif kind == "style" and ident not in styles:
                styles.append(ident)
            elif kind == "subject" and ident not in subjects:
                subjects.append(ident)
    moods = tuple(dict.fromkeys(w for w in words if w in MOOD_WORDS))
    elements = tuple(dict.fromkeys(ELEMENT_WORDS[w] for w in words if w in ELEMENT_WORDS))
    unknown = [
        w
        for i, w in enumerate(words)
        if i not in known and w not in STOPWORDS and w not in MOOD_WORDS and len(w) > 2 and not w.isdigit()
    ]
    return PromptPlan(
        text=text,
        scenes=tuple(scenes),
        colours=tuple(colours),
        colour_names=tuple(names),
        colour_targets=tuple(targets),
        styles=tuple(styles),
        subjects=tuple(subjects),
        moods=moods,
        elements=elements,
        words=tuple(words),
        weights=weights,
        word_hues=tuple(unit_hash("hue", w) for w in unknown[:6]),
    )
