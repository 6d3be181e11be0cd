"""Prompt variations: concrete, complete prompts that vary the user's prompt, suited to the model family.

    variations("a red fox in a snowy forest at dawn", "flux")
    -> [Suggestion("synonyms", "Synonyms", "A crimson fox in a snow-covered forest at dawn.", ...),
        Suggestion("details", "Added detail", "A red fox in a snowy forest at dawn, pausing mid-stride ...", ...),
        Suggestion("emphasis", "New emphasis", "In a snowy forest, a red fox at dawn.", ...),
        Suggestion("mixed", "Mixed", ...)]

Three ways to vary a prompt, and one mix of two of them:
- synonyms: descriptive words swapped for close synonyms from a curated map (colours, moods, sizes, light,
  the nouns of places: "forest" -> "woodland"). The subject's own word is never swapped.
- details: a new concrete detail that fits the subject or scene (a moment, a companion, a prop), never the
  one refine's "Subject detail" adds.
- emphasis: tag-style families (Stable Diffusion...) get a secondary term moved to the front and weighted
  `(term:1.2)`, or weighted where it stands; natural-language families (FLUX...) get the sentence rephrased so
  another element leads it, with no weight syntax at all.
`seed` picks among the candidates: the same seed always gives the same variations, the next seed other ones.

Pure Python and deterministic: imports no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from imagestudio.engine.vocab import STYLE_WORDS
from imagestudio.prompts import syntax
from imagestudio.prompts.refine import (
    CONNECTIVES,
    EMPTY_PROMPT,
    MAX_PROMPT,
    TOO_LONG,
    Scene,
    Suggestion,
    as_sentence,
    content_words,
    refine,
    uses_tags,
)
from imagestudio.prompts.vocab import (
    DETAIL_BY_SHOT,
    GENERIC_DETAIL,
    QUALITY_TAGS,
    SCENES,
    SUBJECTS,
    SYNONYMS,
    Option,
)

KINDS = ("synonyms", "details", "emphasis", "mixed")
LABELS = {"synonyms": "Synonyms", "details": "Added detail", "emphasis": "New emphasis", "mixed": "Mixed"}
MAX_COUNT = 12
WEIGHTS = (1.2, 1.3)
# The pairs "mixed" combines, in the order they are applied (details last: they are appended).
MIXES = (("synonyms", "details"), ("synonyms", "emphasis"), ("emphasis", "details"))

_PREPOSITIONS = (
    "in|on|at|under|over|above|below|beneath|beside|behind|near|by|through|across|among|amid|inside|against|"
    "during|along|around|atop|within|beyond|toward|towards|with|without"
)
_PHRASE_SPLIT = re.compile(rf"\s+(?=(?:{_PREPOSITIONS})\s)", re.I)
_ARTICLE = re.compile(r"^(?:a|an|the|its|his|her|their|some)\s+", re.I)
_SYNONYM = re.compile(
    r"(?<![\w'-])(" + "|".join(re.escape(key) for key in sorted(SYNONYMS, key=len, reverse=True)) + r")(?![\w'-])",
    re.I,
)
_PROTECTED = re.compile(r"<[^<>]*>|\{\{.*?\}\}")  # LoRA tags and template variables: never touched
_LORA = re.compile(r"<(?:lora|lyco):[^<>]*>", re.I)
_WEIGHTABLE = re.compile(r"[A-Za-z0-9][\w\s'&/.-]*")  # a term that can go inside (term:1.2) as it is
_LEAD_ARTICLE = re.compile(r"\b([Aa]n?)(\s+)$")
# Quality boilerplate: the last thing worth leading a prompt with.
_QUALITY = {tag for tags in QUALITY_TAGS.values() for tag in tags} | {
    "masterpiece",
    "best quality",
    "high quality",
    "highest quality",
    "ultra quality",
    "absurdres",
    "highres",
    "4k",
}
# First words that are lower-cased when another element takes the lead ("A red fox" -> "..., a red fox").
_COMMON = (
    CONNECTIVES
    | set(SYNONYMS)
    | {trigger for entry in (*SUBJECTS, *SCENES) for trigger in entry.triggers}
    | set(STYLE_WORDS)
    | {"some", "two", "three", "four", "five", "several", "many", "one", "portrait", "photo", "close-up", "painting"}
)


# -- public API -------------------------------------------------------------------------------------


def variations(prompt: str, family: str, *, count: int = 4, seed: int = 0) -> list[Suggestion]:
    """Up to `count` variations of `prompt` for a model of `family`, one per kind first (synonyms, details,
    emphasis, mixed), then more picks of each. Raises ValueError (refine's messages) for an empty or too long
    prompt; never returns the prompt itself or the same variation twice."""
    if not prompt or not prompt.strip():
        raise ValueError(EMPTY_PROMPT)
    if len(prompt) > MAX_PROMPT:
        raise ValueError(TOO_LONG)
    count = max(1, min(count, MAX_COUNT))
    seed = max(0, seed)
    context = _Context.read(prompt, family)
    rounds = -(-count // len(KINDS))
    seen = {_same(prompt), _same(context.finish(context.base))}
    found: list[Suggestion] = []
    for round_ in range(rounds + 2):  # two spare rounds for picks that come out the same
        for kind in KINDS:
            if len(found) >= count:
                return found
            suggestion = _make(kind, context, seed * rounds + round_)
            if suggestion is None or len(suggestion.prompt) > MAX_PROMPT or _same(suggestion.prompt) in seen:
                continue
            seen.add(_same(suggestion.prompt))
            found.append(suggestion)
    return found


# -- what every variation starts from ---------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    tags: bool  # comma-separated tags (else sentences)
    base: str  # the prompt as the family reads it, trailing punctuation removed
    scene: Scene
    keep: frozenset[str]  # the subject's word: never swapped for a synonym
    refined: str  # refine's "Subject detail" rewrite: the details variation adds something else

    @classmethod
    def read(cls, prompt: str, family: str) -> _Context:
        tags = uses_tags(family)
        base = prompt.strip() if tags else as_sentence(_LORA.sub(" ", prompt))
        base = base.rstrip(" \t\n,.;:!") or base
        scene = Scene.read(prompt)
        keep = frozenset({scene.subject_word or scene.place_word} - {""})
        refined = next((s.prompt for s in refine(prompt, family) if s.kind == "subject"), "")
        return cls(tags, base, scene, keep, refined)

    def finish(self, text: str) -> str:
        """A whole prompt: tags as they are; sentences capitalised and ended with a full stop."""
        text = text.strip()
        if self.tags:
            return text.rstrip(" ,") or text
        text = text.rstrip(" ,;:") or text
        if text[-1:] not in ".!?":
            text += "."
        return text[:1].upper() + text[1:]


Change = tuple[str, str]  # (the varied text, a note saying what changed)


def _make(kind: str, context: _Context, seed: int) -> Suggestion | None:
    if kind != "mixed":
        change = _OPERATIONS[kind](context.base, context, seed)
        return Suggestion(kind, LABELS[kind], context.finish(change[0]), change[1]) if change else None
    for offset in range(len(MIXES)):
        text, notes = context.base, []
        for operation in MIXES[(seed + offset) % len(MIXES)]:
            change = _OPERATIONS[operation](text, context, seed + 1)
            if change is None:
                break
            text, note = change
            notes.append(note)
        else:
            return Suggestion("mixed", LABELS["mixed"], context.finish(text), " ".join(notes))
    return None


# -- synonyms ---------------------------------------------------------------------------------------


def _synonyms(text: str, context: _Context, seed: int) -> Change | None:
    """Swap two or three descriptive words (which ones and for what: by seed) for close synonyms."""
    protected = [match.span() for match in _PROTECTED.finditer(text)]
    matches: dict[str, list[re.Match[str]]] = {}
    for match in _SYNONYM.finditer(text):
        key = match.group(1).lower()
        if key in context.keep or any(start <= match.start() < end for start, end in protected):
            continue
        matches.setdefault(key, []).append(match)
    candidates: list[tuple[str, list[str]]] = []
    for key in matches:
        others = set(content_words(re.sub(rf"(?<![\w'-]){re.escape(key)}(?![\w'-])", " ", text, flags=re.I)))
        fresh = [alt for alt in SYNONYMS[key] if not set(content_words(alt)) & others]
        if fresh:
            candidates.append((key, fresh))
    if not candidates:
        return None
    total = len(candidates)
    start = seed % total
    picks: dict[str, str] = {}
    taken: set[str] = set()
    for index in range(min(total, 2 if total < 6 else 3)):
        key, alternatives = candidates[(start + index) % total]
        for step in range(len(alternatives)):
            alt = alternatives[(seed // total + index + step) % len(alternatives)]
            if not set(content_words(alt)) & taken:
                picks[key] = alt
                taken.update(content_words(alt))
                break
    if not picks:
        return None
    out: list[str] = []
    last = 0
    for match in sorted((m for key in picks for m in matches[key]), key=lambda m: m.start()):
        word = match.group(1)
        replacement = _cased(word, picks[word.lower()])
        out.append(_article(text[last : match.start()], replacement))
        out.append(replacement)
        last = match.end()
    out.append(text[last:])
    order = [key for key in matches if key in picks]
    note = "Swapped " + ", ".join(f"“{key}” → “{picks[key]}”" for key in order) + "."
    return "".join(out), note


def _cased(original: str, replacement: str) -> str:
    if len(original) > 1 and original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _article(before: str, word: str) -> str:
    """`before` with a trailing "a"/"an" matched to `word` ("an old" -> "a weathered")."""
    match = _LEAD_ARTICLE.search(before)
    if match is None:
        return before
    article = "an" if word[:1].lower() in "aeiou" else "a"
    if match.group(1)[0].isupper():
        article = article.capitalize()
    return before[: match.start()] + article + match.group(2)


# -- details ----------------------------------------------------------------------------------------


def _details(text: str, context: _Context, seed: int) -> Change | None:
    """Add one concrete detail fitting the subject or scene (which one: by seed)."""
    scene = context.scene
    pool: list[Option] = []
    for entry in (scene.subject, scene.place):
        if entry is not None and not any(option in pool for option in entry.options):
            pool.extend(entry.options)
    pool.extend(DETAIL_BY_SHOT.get(scene.shot, ()))
    pool.extend(GENERIC_DETAIL)
    used = set(content_words(text))
    added_by_refine = context.refined[len(context.base) :].lower()
    fitting: list[str] = []
    for clause, tags in pool:
        if context.tags:
            fresh = [tag for tag in tags if not set(content_words(tag)) & used and tag not in added_by_refine]
            addition = ", ".join(fresh)
        else:
            addition = clause if not set(content_words(clause)) & used and clause not in context.refined else ""
        if addition and addition not in fitting:
            fitting.append(addition)
    if not fitting:
        return None
    addition = fitting[seed % len(fitting)]
    note = f"A new detail for the {scene.noun}." if scene.noun != "subject" else "A new concrete detail."
    return f"{text.rstrip(' ,')}, {addition}", note


# -- emphasis ---------------------------------------------------------------------------------------


def _emphasis(text: str, context: _Context, seed: int) -> Change | None:
    return _tag_emphasis(text, seed) if context.tags else _lead_with(text, seed)


def _lead_with(text: str, seed: int) -> Change | None:
    """Sentences: another element of the first sentence leads it ("At dawn, a red fox in a snowy forest")."""
    first, sep, rest = text.partition(". ")
    parts = [part.strip() for part in first.split(",") if part.strip()]
    if not parts:
        return None
    head, *phrases = _PHRASE_SPLIT.split(parts[0])
    leads = [("phrase", index) for index in range(len(phrases))] + [("part", index) for index in range(1, len(parts))]
    for step in range(len(leads)):
        where, index = leads[(seed + step) % len(leads)]
        if where == "phrase":
            lead = phrases[index]
            remaining = " ".join([head, *phrases[:index], *phrases[index + 1 :]])
            sentence = ", ".join([f"{_upper(lead)}, {_lower(remaining)}", *parts[1:]])
        else:
            lead = parts[index]
            sentence = ", ".join([_upper(lead), _lower(parts[0]), *parts[1:index], *parts[index + 1 :]])
        if _same(sentence) != _same(first):
            return sentence + sep + rest, f"“{_upper(lead)}” now leads the sentence."
    return None


@dataclass(frozen=True)
class _Chunk:
    start: int
    end: int
    plain: bool  # text only: can be wrapped in (term:1.2)
    lora: bool  # only LoRA tags: stays where it is
    weight: float  # the highest effective weight of its terms


def _tag_emphasis(text: str, seed: int) -> Change | None:
    """Tags: move a secondary term to the front, weighted 1.2 or 1.3 unless it has a weight already; a prompt
    of one term gets an element weighted where it stands."""
    chunks = _chunks(text)
    if chunks is None:  # malformed syntax: leave its emphasis alone
        return None
    movable = [i for i in range(1, len(chunks)) if not chunks[i].lora]
    # What the picture shows first (not quality boilerplate), plain and unweighted before weighted terms.
    movable.sort(key=lambda i: (_boilerplate(text, chunks[i]), not _weightable(text, chunks[i]), chunks[i].weight))
    if movable:
        pick = chunks[movable[seed % len(movable)]]
        term = text[pick.start : pick.end]
        weight = WEIGHTS[(seed // len(movable)) % len(WEIGHTS)]
        lead = f"({term}:{weight:g})" if _weightable(text, pick) else term
        rest = [text[c.start : c.end] for c in chunks if c is not pick]
        note = f"“{term}” leads" + (f", weighted {weight:g}." if lead != term else ".")
        return _checked(", ".join([lead, *rest]), note)
    if not chunks or not chunks[0].plain:
        return None
    only = chunks[0]
    targets = _phrase_objects(text, only.start, only.end)
    weight = WEIGHTS[(seed // max(1, len(targets))) % len(WEIGHTS)]
    if not targets:
        if not _weightable(text, only):
            return None
        term = text[only.start : only.end]
        return _checked(f"{text[: only.start]}({term}:{weight:g}){text[only.end :]}", f"“{term}” weighted {weight:g}.")
    start, end = targets[seed % len(targets)]
    term = text[start:end]
    note = f"“{term}” weighted {weight:g} so it counts for more."
    return _checked(f"{text[:start]}({term}:{weight:g}){text[end:]}", note)


def _chunks(text: str) -> list[_Chunk] | None:
    """The top-level comma-separated terms of `text` (weights, LoRA tags and alternations kept whole)."""
    try:
        tree = syntax.parse(text)
        terms = syntax.weights(text)
    except syntax.PromptSyntaxError:
        return None
    chunks: list[_Chunk] = []
    kinds: set[str] = set()
    start = 0

    def close(end: int) -> None:
        raw = text[start:end]
        left = start + len(raw) - len(raw.lstrip())
        right = start + len(raw.rstrip())
        if left < right:
            weight = max((t.weight for t in terms if left <= t.start and t.end <= right), default=1.0)
            chunks.append(_Chunk(left, right, kinds == {"text"}, kinds == {"lora"}, weight))

    for node in tree.nodes:
        if not isinstance(node, syntax.Text):
            kinds.add("lora" if isinstance(node, syntax.Lora) else "syntax")
            continue
        position = node.start
        for comma in re.finditer(",", text[node.start : node.end]):
            cut = node.start + comma.start()
            if text[position:cut].strip():
                kinds.add("text")
            close(cut)
            start, position, kinds = cut + 1, cut + 1, set()
        if text[position : node.end].strip():
            kinds.add("text")
    close(len(text))
    return chunks


def _boilerplate(text: str, chunk: _Chunk) -> bool:
    return text[chunk.start : chunk.end].strip("()[] ").split(":")[0].lower() in _QUALITY


def _weightable(text: str, chunk: _Chunk) -> bool:
    return chunk.plain and chunk.weight == 1.0 and _WEIGHTABLE.fullmatch(text[chunk.start : chunk.end]) is not None


def _phrase_objects(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of what the prepositional phrases of text[start:end] name ("in a snowy forest" -> "snowy forest")."""
    spans = []
    segment = text[start:end]
    cuts = [match.end() for match in _PHRASE_SPLIT.finditer(segment)]
    for index, cut in enumerate(cuts):
        stop = cuts[index + 1] if index + 1 < len(cuts) else len(segment)
        phrase = segment[cut:stop]
        phrase = phrase[: len(phrase.rstrip())]
        preposition = re.match(r"\S+\s+", phrase)
        if preposition is None:
            continue
        offset = preposition.end()
        article = _ARTICLE.match(phrase[offset:])
        offset += article.end() if article else 0
        term = phrase[offset:]
        if term and _WEIGHTABLE.fullmatch(term):
            spans.append((start + cut + offset, start + cut + len(phrase)))
    return spans


def _checked(text: str, note: str) -> Change | None:
    """Only variations the prompt syntax reads without a fault."""
    try:
        syntax.parse(text)
    except syntax.PromptSyntaxError:
        return None
    return text, note


_OPERATIONS: dict[str, Callable[[str, _Context, int], Change | None]] = {
    "synonyms": _synonyms,
    "details": _details,
    "emphasis": _emphasis,
}


# -- small helpers ----------------------------------------------------------------------------------


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    """Lower-case a first word that is only capitalised for starting the sentence ("A red fox", not "Paris")."""
    word = text.split(" ", 1)[0]
    if word.lower() in _COMMON and (len(word) == 1 or word[1:].islower()):
        return text[:1].lower() + text[1:]
    return text


def _same(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(" .,;:!")
