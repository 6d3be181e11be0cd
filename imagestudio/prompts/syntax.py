"""Prompt syntax, in one parser: weights, emphasis, LoRA tags, dynamic prompts and template variables.

    parse("a (red fox:1.3) in {snow|rain} <lora:ink:0.6>")  -> Prompt (a tree of nodes with positions)
    weights("((a)), [b]")        -> [Term("a", 1.21, 2, 3), Term("b", 0.909…, 7, 8)]
    plain_text("(red fox:1.3), snow")  -> "red fox, snow"
    expand("{a|{b|c}} d", mode="all")  -> ["a d", "b d", "c d"]
    fill("a {{animal}}", {"animal": "fox"})  -> "a fox"

The rules (A1111's, plus the dynamic-prompts extension's):
- `(x)` multiplies x's attention weight by 1.1 per level, `[x]` divides it by 1.1, `(x:1.3)` sets the factor
  to 1.3 instead of 1.1; nested groups multiply (`((x:1.5))` = 1.65). A colon is literal outside `( )`.
- `<lora:name>` / `<lora:name:0.6>` (or `lyco:`) names a LoRA and its strength (default 1).
- `{a|b|c}` picks one option (nesting allowed; an option may be empty: `{red |}` = maybe "red ").
- `{{name}}` is a template variable (letters, digits, `_`, `-`), filled by `fill()`.
- A backslash makes the next `( ) [ ] { } | \\ < > :` literal; before anything else it is itself literal.
Malformed text raises `PromptSyntaxError` with a message for people and the 0-based position of the fault;
no input raises anything else (the property tests hold it to that). Not supported: A1111's prompt editing
(`[a:b:0.5]`, read here as literal text in `[ ]`) and `AND`.

Pure Python: imports no Django.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from django.utils.translation import gettext

from imagestudio.prompts.refine import uses_tags

MAX_LENGTH = 4000
MAX_DEPTH = 20
MAX_WEIGHT = 10.0
EMPHASIS = 1.1
ESCAPABLE = frozenset("()[]{}|\\<>:")
# Closers that end a sequence inside each kind of opener (the caller consumes them).
_ENDS = {"(": ":)", "[": "]", "{": "|}"}
_CLOSES = {"(": ")", "[": "]", "{": "}"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_WEIGHT_TOKEN = re.compile(r"\s*([^\s)]*)\s*")
_LORA = re.compile(r"<(lora|lyco):", re.IGNORECASE)
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*\}\}")
_VARIABLE_NAME = "letters, digits, “_” or “-”, starting with a letter"
# Token estimate: runs of letters, single digits, single punctuation marks (roughly how CLIP's BPE splits).
_TOKEN_PIECES = re.compile(r"[^\W\d_]+|\d|[^\w\s]|_")
CLIP_LIMIT = 77
T5_LIMIT = 512


class PromptSyntaxError(ValueError):
    """Malformed prompt text: `message` says what is wrong, `position` where (0-based character index)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


# -- the tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str  # escapes resolved: "\(" is "("
    start: int
    end: int


@dataclass(frozen=True)
class Group:
    kind: Literal["(", "["]
    children: tuple[Node, ...]
    factor: float  # this group's own multiplier: 1.1, 1/1.1 or the written weight
    weight: float  # effective: factor times every enclosing group's factor
    explicit: bool  # written as (x:1.3)
    start: int
    end: int
    inner_end: int  # where the children end: at the ":" of an explicit weight, else at the closer


@dataclass(frozen=True)
class Lora:
    name: str
    weight: float
    start: int
    end: int


@dataclass(frozen=True)
class Option:
    children: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Alternation:
    options: tuple[Option, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Variable:
    name: str
    start: int
    end: int


type Node = Text | Group | Lora | Alternation | Variable


@dataclass(frozen=True)
class Prompt:
    source: str
    nodes: tuple[Node, ...]

    def walk(self) -> Iterator[Node]:
        """Every node, depth first, in text order (options of alternations included)."""
        return _walk(self.nodes)

    @property
    def loras(self) -> list[Lora]:
        return [node for node in self.walk() if isinstance(node, Lora)]

    @property
    def alternations(self) -> list[Alternation]:
        return [node for node in self.walk() if isinstance(node, Alternation)]

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(node.name for node in self.walk() if isinstance(node, Variable)))

    @property
    def combinations(self) -> int:
        """How many prompts `expand(mode="all")` would make, counted without making them."""
        return _count(self.nodes)

    @property
    def is_plain(self) -> bool:
        """No syntax at all: the text is one literal run (or empty)."""
        return not self.nodes or (len(self.nodes) == 1 and self.nodes[0] == Text(self.source, 0, len(self.source)))


@dataclass(frozen=True)
class Term:
    text: str
    weight: float
    start: int
    end: int


def _walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    for node in nodes:
        yield node
        if isinstance(node, Group):
            yield from _walk(node.children)
        elif isinstance(node, Alternation):
            for option in node.options:
                yield from _walk(option.children)


# -- parsing ----------------------------------------------------------------------------------------


def parse(text: str) -> Prompt:
    """The prompt as a tree of nodes. Raises PromptSyntaxError (message, position) on malformed text."""
    if len(text) > MAX_LENGTH:
        raise PromptSyntaxError(
            gettext("The prompt is %(length)s characters long: the limit is %(max_length)s.")
            % {"length": len(text), "max_length": MAX_LENGTH},
            MAX_LENGTH,
        )
    nodes = _Parser(text).sequence(depth=0, opener=None)
    return Prompt(text, _weigh(nodes, 1.0))


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0

    def sequence(self, *, depth: int, opener: tuple[str, int] | None) -> tuple[Node, ...]:
        """Nodes up to the end of `opener`'s content (left unconsumed for the caller) or the end of the text."""
        nodes: list[Node] = []
        run = self.pos
        ends = _ENDS[opener[0]] if opener else ""
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "\\":
                self.pos += 2 if self.src[self.pos + 1 : self.pos + 2] in ESCAPABLE else 1
                continue
            if char in ends:
                break
            start = self.pos
            node = self.special(char, depth, opener)
            if node is None:
                self.pos += 1
                continue
            _add_text(nodes, self.src, run, start)
            nodes.append(node)
            run = self.pos
        _add_text(nodes, self.src, run, self.pos)
        return tuple(nodes)

    def special(self, char: str, depth: int, opener: tuple[str, int] | None) -> Node | None:
        if char in "([":
            return self.group(char, depth + 1)
        if char == "{":
            return self.brace(depth + 1)
        if char == "<" and _LORA.match(self.src, self.pos):
            return self.lora()
        if char in ")]}":
            raise self.stray(char, opener)
        return None

    def stray(self, char: str, opener: tuple[str, int] | None) -> PromptSyntaxError:
        if opener is None:
            pair = {")": "(", "]": "[", "}": "{"}[char]
            return PromptSyntaxError(
                gettext("Unexpected “%(char)s” at position %(pos)s: there is no “%(pair)s” to close.")
                % {"char": char, "pos": self.pos, "pair": pair},
                self.pos,
            )
        kind, at = opener
        return PromptSyntaxError(
            gettext(
                "“%(char)s” at position %(pos)s does not close the “%(kind)s” at position %(at)s (expected “%(expected)s”)."
            )
            % {"char": char, "pos": self.pos, "kind": kind, "at": at, "expected": _CLOSES[kind]},
            self.pos,
        )

    def enter(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise PromptSyntaxError(
                gettext("Brackets nest deeper than %(max_depth)s levels at position %(pos)s.")
                % {"max_depth": MAX_DEPTH, "pos": self.pos},
                self.pos,
            )

    def unclosed(self, what: str, at: int) -> PromptSyntaxError:
        return PromptSyntaxError(gettext("Unclosed “%(what)s” at position %(at)s.") % {"what": what, "at": at}, at)

    def group(self, kind: str, depth: int) -> Group:
        start = self.pos
        self.enter(depth)
        self.pos += 1
        children = self.sequence(depth=depth, opener=(kind, start))
        inner_end = self.pos
        if self.pos >= len(self.src):
            raise self.unclosed(kind, start)
        factor, explicit = (EMPHASIS, False) if kind == "(" else (1 / EMPHASIS, False)
        if self.src[self.pos] == ":":
            factor, explicit = self.explicit_weight(start), True
        self.pos += 1  # the closer
        if _blank(children):
            closer = _CLOSES[kind]
            raise PromptSyntaxError(
                gettext("Nothing to weight inside the “%(kind)s…%(closer)s” at position %(start)s.")
                % {"kind": kind, "closer": closer, "start": start},
                start,
            )
        group_kind: Literal["(", "["] = "(" if kind == "(" else "["
        return Group(group_kind, children, factor, factor, explicit, start, self.pos, inner_end)

    def explicit_weight(self, start: int) -> float:
        """The number of `(x:1.3)`, read from the colon up to the closing parenthesis (left for the caller)."""
        colon = self.pos
        match = _WEIGHT_TOKEN.match(self.src, colon + 1)
        assert match is not None  # the pattern matches the empty string
        token, token_at = match.group(1), match.start(1)
        self.pos = match.end()
        if not token:
            if self.pos >= len(self.src):
                raise self.unclosed("(", start)
            raise PromptSyntaxError(
                gettext("Missing weight after the “:” at position %(colon)s.") % {"colon": colon}, colon
            )
        value = self.number(token, token_at, "Weight")
        if self.pos >= len(self.src):
            raise self.unclosed("(", start)
        if self.src[self.pos] != ")":
            raise PromptSyntaxError(
                gettext(
                    "Expected “)” after the weight %(token)s at position %(pos)s (write “\\:” for a literal colon)."
                )
                % {"token": token, "pos": self.pos},
                self.pos,
            )
        return value

    def number(self, token: str, at: int, what: str) -> float:
        if not _NUMBER.fullmatch(token):
            raise PromptSyntaxError(
                f"{what} “{token[:20]}” at position {at} is not a number (write “\\:” for a literal colon).", at
            )
        value = float(token)
        if abs(value) > MAX_WEIGHT:
            raise PromptSyntaxError(
                f"{what} {token} at position {at} is out of range: use {-MAX_WEIGHT:g} to {MAX_WEIGHT:g}.", at
            )
        return value

    def lora(self) -> Lora:
        start = self.pos
        head = _LORA.match(self.src, start)
        assert head is not None
        close = self.src.find(">", head.end())
        body = self.src[head.end() : close] if close >= 0 else ""
        if close < 0 or "<" in body or "\n" in body:
            raise self.unclosed(head.group(0), start)
        parts = body.split(":")
        name = parts[0].strip()
        if not name:
            raise PromptSyntaxError(
                gettext("The LoRA tag at position %(start)s has no name: write <lora:name:0.8>.") % {"start": start},
                start,
            )
        if len(parts) > 3:
            raise PromptSyntaxError(
                gettext("Too many “:” in the LoRA tag at position %(start)s: write <lora:name:0.8>.")
                % {"start": start},
                start,
            )
        weight = 1.0
        if len(parts) > 1:
            at = head.end() + len(parts[0]) + 1
            weight = self.number(parts[1].strip(), at, "LoRA weight")
        self.pos = close + 1
        return Lora(name, weight, start, self.pos)

    def brace(self, depth: int) -> Node:
        """`{{name}}` (a variable) or `{a|b}` (an alternation; `{{a|b}|c}` nests)."""
        start = self.pos
        if self.src.startswith("{{", start):
            variable = _VARIABLE.match(self.src, start)
            if variable:
                self.pos = variable.end()
                return Variable(variable.group(1), start, self.pos)
            close = self.src.find("}}", start + 2)
            inside = self.src[start + 2 : close if close >= 0 else len(self.src)]
            if "|" not in inside and "{" not in inside:  # meant as a variable, not a nested alternation
                if close < 0:
                    raise self.unclosed("{{", start)
                shown = inside.strip()[:30]
                if not shown:
                    raise PromptSyntaxError(
                        gettext("Empty variable “{{}}” at position %(start)s.") % {"start": start}, start
                    )
                raise PromptSyntaxError(
                    gettext("“%(shown)s” at position %(start)s is not a variable name: use %(pattern)s.")
                    % {"shown": shown, "start": start, "pattern": _VARIABLE_NAME},
                    start,
                )
        return self.alternation(depth)

    def alternation(self, depth: int) -> Alternation:
        start = self.pos
        self.enter(depth)
        self.pos += 1
        options: list[Option] = []
        while True:
            option_start = self.pos
            children = self.sequence(depth=depth, opener=("{", start))
            options.append(Option(children, option_start, self.pos))
            if self.pos >= len(self.src):
                raise self.unclosed("{", start)
            self.pos += 1
            if self.src[self.pos - 1] == "}":
                break
        if all(_blank(option.children) for option in options):
            raise PromptSyntaxError(
                gettext("Empty alternation at position %(start)s: write options like {red|blue}.") % {"start": start},
                start,
            )
        return Alternation(tuple(options), start, self.pos)


def _add_text(nodes: list[Node], source: str, start: int, end: int) -> None:
    if end > start:
        nodes.append(Text(unescape(source[start:end]), start, end))


def _blank(children: tuple[Node, ...]) -> bool:
    return all(isinstance(node, Text) and not node.text.strip() for node in children)


def unescape(raw: str) -> str:
    r"""Resolve backslash escapes: "\(" -> "(", "\\" -> "\"; a backslash before anything else stays."""
    return re.sub(r"\\([()\[\]{}|\\<>:])", r"\1", raw)


def _weigh(nodes: tuple[Node, ...], outer: float) -> tuple[Node, ...]:
    """The same nodes with each group's effective weight: its factor times every enclosing factor."""
    weighed: list[Node] = []
    for node in nodes:
        if isinstance(node, Group):
            weight = outer * node.factor
            node = replace(node, weight=weight, children=_weigh(node.children, weight))
        elif isinstance(node, Alternation):
            options = tuple(replace(o, children=_weigh(o.children, outer)) for o in node.options)
            node = replace(node, options=options)
        weighed.append(node)
    return tuple(weighed)


# -- reading a prompt -------------------------------------------------------------------------------


def weights(text: str) -> list[Term]:
    """Each term (a comma-separated phrase of a text run) with its effective weight and source span."""
    return list(_terms(parse(text).nodes, 1.0, text))


def _terms(nodes: tuple[Node, ...], weight: float, source: str) -> Iterator[Term]:
    for node in nodes:
        if isinstance(node, Text):
            yield from _split_terms(node, weight, source)
        elif isinstance(node, Group):
            yield from _terms(node.children, node.weight, source)
        elif isinstance(node, Alternation):
            for option in node.options:
                yield from _terms(option.children, weight, source)


def _split_terms(node: Text, weight: float, source: str) -> Iterator[Term]:
    for piece in re.finditer(r"[^,\n]+", source[node.start : node.end]):
        raw = piece.group(0)
        stripped = raw.strip()
        if not stripped:
            continue
        start = node.start + piece.start() + (len(raw) - len(raw.lstrip()))
        yield Term(unescape(stripped), weight, start, start + len(stripped))


def variables_in(text: str) -> list[str]:
    """The template variables' names, each once, in order of first use."""
    return parse(text).variables


# -- rewriting a prompt -----------------------------------------------------------------------------


def plain_text(text: str, *, keep_dynamic: bool = False) -> str:
    """What a model that ignores weights should receive: no ( ) [ ] weight syntax, no LoRA tags, escapes
    resolved to their literal characters, doubled spaces and commas left by removed tags tidied away.

    Alternations and template variables must be resolved first (`expand`, `fill`): any left raise
    PromptSyntaxError at their position — unless `keep_dynamic`, which keeps them in the text as written
    (for showing a preview; its options are stripped too).
    """
    prompt = parse(text)
    if prompt.is_plain:
        return text
    return _tidy("".join(_plain(prompt.nodes, keep_dynamic)))


def _plain(nodes: tuple[Node, ...], keep_dynamic: bool) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, Text):
            yield node.text
        elif isinstance(node, Group):
            yield from _plain(node.children, keep_dynamic)
        elif isinstance(node, Alternation | Variable) and not keep_dynamic:
            what = "alternation" if isinstance(node, Alternation) else f"variable {{{{{node.name}}}}}"
            raise PromptSyntaxError(
                gettext("The %(what)s at position %(start)s must be expanded first.")
                % {"what": what, "start": node.start},
                node.start,
            )
        elif isinstance(node, Alternation):
            yield "{" + "|".join(_tidy("".join(_plain(o.children, keep_dynamic))) for o in node.options) + "}"
        elif isinstance(node, Variable):
            yield f"{{{{{node.name}}}}}"


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"[ \t]+(?=[,\n])", "", text)
    text = re.sub(r",(?:\s*,)+", ",", text)
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    return text.strip(" ,\n")


Mode = Literal["random", "all"]


def expand(text: str, *, mode: Mode = "random", rng: random.Random | None = None, limit: int = 1000) -> list[str]:
    """Resolve `{a|b}` alternations. "random": one prompt, one option picked per alternation (pass a seeded
    `rng` to repeat a pick). "all": every combination, nested ones included, in order — refused with a
    PromptSyntaxError when there would be more than `limit` (counted without making them).

    Everything else (weights, LoRA tags, variables, escapes) is kept as written."""
    prompt = parse(text)
    if mode == "random":
        pick = rng or random.Random()  # variety, not security
        return [_render(prompt.nodes, text, lambda alternation: pick.choice(alternation.options))]
    if mode != "all":
        raise ValueError(gettext("Unknown mode %(mode)s: use 'random' or 'all'.") % {"mode": repr(mode)})
    count = prompt.combinations
    if count > limit:
        at = prompt.alternations[0].start
        raise PromptSyntaxError(
            gettext("This prompt makes %(count)s combinations: the limit is %(limit)s.")
            % {"count": _how_many(count), "limit": limit},
            at,
        )
    return _render_all(prompt.nodes, text)


def _count(nodes: tuple[Node, ...]) -> int:
    total = 1
    for node in nodes:
        if isinstance(node, Group):
            total *= _count(node.children)
        elif isinstance(node, Alternation):
            total *= sum(_count(option.children) for option in node.options)
    return total


def _how_many(count: int) -> str:
    return f"{count:,}" if count < 10**9 else "over a billion"


def _render(nodes: tuple[Node, ...], source: str, choose: Callable[[Alternation], Option]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Alternation):
            parts.append(_render(choose(node).children, source, choose))
        elif isinstance(node, Group):
            inner = _render(node.children, source, choose)
            parts.append(source[node.start] + inner + source[node.inner_end : node.end])
        else:
            parts.append(source[node.start : node.end])
    return "".join(parts)


def _render_all(nodes: tuple[Node, ...], source: str) -> list[str]:
    choices: list[list[str]] = []
    for node in nodes:
        if isinstance(node, Alternation):
            choices.append([text for option in node.options for text in _render_all(option.children, source)])
        elif isinstance(node, Group):
            head, tail = source[node.start], source[node.inner_end : node.end]
            choices.append([head + inner + tail for inner in _render_all(node.children, source)])
        else:
            choices.append([source[node.start : node.end]])
    return ["".join(parts) for parts in itertools.product(*choices)]


def fill(text: str, variables: Mapping[str, str]) -> str:
    """Replace each `{{name}}` with `variables[name]`. The values are prompt text: their syntax counts.
    A variable without a value raises PromptSyntaxError naming it, at its position."""
    found = [node for node in parse(text).walk() if isinstance(node, Variable)]
    for node in found:
        if node.name not in variables:
            raise PromptSyntaxError(
                gettext("No value for the variable {{%(name)s}} at position %(start)s.")
                % {"name": node.name, "start": node.start},
                node.start,
            )
    out, last = [], 0
    for node in found:
        out += [text[last : node.start], variables[node.name]]
        last = node.end
    return "".join([*out, text[last:]])


# -- model families ---------------------------------------------------------------------------------


def ignores_weights(family: str) -> bool:
    """True for families that read plain sentences and take ( ) weights and LoRA tags as literal text
    (FLUX, Kontext, AuraFlow, Recraft, Ideogram, Bria…). Stable Diffusion-style families weigh terms, and so
    does the offline engine (engine/prompt.py reads A1111 weights)."""
    name = (family or "").strip().lower()
    return not (name == "offline" or uses_tags(name))


def count_tokens(text: str, family: str) -> tuple[int, int | None]:
    """(approximate token count, the family's limit). Approximate: runs of letters count one token per eight
    letters started (most English words are one CLIP/T5 token, long ones two), each digit and punctuation mark
    one, like CLIP's BPE roughly; weight syntax and LoRA tags are not counted, alternations count their longest
    option. Limits: CLIP's 77 for Stable Diffusion-style families, T5's 512 for FLUX and other
    natural-language ones, None for the offline engine (it reads the whole prompt)."""
    return _count_tokens(parse(text).nodes), token_limit(family)


def token_limit(family: str) -> int | None:
    name = (family or "").strip().lower()
    if name == "offline":
        return None
    return CLIP_LIMIT if uses_tags(name) else T5_LIMIT


def _count_tokens(nodes: tuple[Node, ...]) -> int:
    total = 0
    for node in nodes:
        if isinstance(node, Text):
            total += estimate_tokens(node.text)
        elif isinstance(node, Group):
            total += _count_tokens(node.children)
        elif isinstance(node, Alternation):
            total += max(_count_tokens(option.children) for option in node.options)
        elif isinstance(node, Variable):
            total += 1
    return total


def estimate_tokens(text: str) -> int:
    total = 0
    for piece in _TOKEN_PIECES.findall(text):
        total += math.ceil(len(piece) / 8) if piece[0].isalpha() else 1
    return total


# -- everything the editor shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    prompt: Prompt
    terms: list[Term]
    tokens: int
    token_limit: int | None
    ignores_weights: bool
    plain_text: str  # what a model that ignores weights receives (alternations and variables kept as written)


def analyze(text: str, family: str) -> Analysis:
    """The prompt editor's view of `text` for a model of `family`. Raises PromptSyntaxError like `parse`."""
    prompt = parse(text)
    plain = text if prompt.is_plain else _tidy("".join(_plain(prompt.nodes, keep_dynamic=True)))
    terms = list(_terms(prompt.nodes, 1.0, text))
    tokens = _count_tokens(prompt.nodes)
    return Analysis(prompt, terms, tokens, token_limit(family), ignores_weights(family), plain)
