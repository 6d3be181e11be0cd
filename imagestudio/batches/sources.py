"""Where a batch's rows come from: a list of prompts, a CSV, a template × variable values, or a seed grid.

Pure functions: text in, rows out, or a SourceError listing every bad line (1-based, as an editor shows it),
so nothing is queued until the whole source is right.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import random
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from django.utils.translation import gettext

from imagestudio.prompts import syntax

MAX_ROWS = 2000
MAX_FIELD = 4000
INT_COLUMNS = {"seed", "width", "height", "num_images", "num_inference_steps"}
KNOWN_COLUMNS = {"prompt", "negative_prompt", "model"}
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Row:
    line: int  # where it came from: the line of the list or CSV, the combination, the seed
    prompt: str
    negative_prompt: str = ""
    model: str = ""  # an endpoint id for this row only; "" = the batch's model
    parameters: dict = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return (
            gettext("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
            if self.line
            else self.message
        )


class SourceError(ValueError):
    """Every problem found, each with its line."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:5]))
        self.errors = errors


def _check_count(count: int) -> None:
    if count == 0:
        raise SourceError([RowError(0, "prompts", gettext("There is nothing to generate: add at least one prompt."))])
    if count > MAX_ROWS:
        raise SourceError(
            [
                RowError(
                    0,
                    "prompts",
                    gettext("That is %(count)s items; one batch takes at most %(max)s.")
                    % {"count": count, "max": MAX_ROWS},
                )
            ]
        )


def from_lines(text: str) -> list[Row]:
    """One prompt per line; blank lines are skipped (line numbers still count them)."""
    rows = [
        Row(line=number, prompt=line.strip(), label=gettext("Line %(line)s") % {"line": number})
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    _check_count(len(rows))
    errors = [RowError(r.line, "prompt", gettext("The prompt is too long.")) for r in rows if len(r.prompt) > MAX_FIELD]
    if errors:
        raise SourceError(errors)
    return rows


def from_csv(text: str) -> list[Row]:
    """A header row naming the columns: prompt (required), negative_prompt, model, seed, width, height,
    num_images, and any model parameter (its fal input name)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise SourceError(
            [RowError(1, "csv", gettext("The CSV is empty: the first line names the columns."))]
        ) from None
    except csv.Error as exc:
        raise SourceError(
            [RowError(1, "csv", gettext("The CSV could not be read: %(error)s.") % {"error": exc})]
        ) from None
    if "prompt" not in header:
        raise SourceError([RowError(1, "csv", gettext("The first line must name a “prompt” column."))])
    duplicated = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicated:
        raise SourceError(
            [RowError(1, "csv", gettext("Columns named twice: %(columns)s.") % {"columns": ", ".join(duplicated)})]
        )
    rows, errors = [], []
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            row, row_errors = _csv_row(line, header, values)
            rows.extend([row] if row else [])
            errors.extend(row_errors)
    except csv.Error as exc:
        errors.append(
            RowError(reader.line_num, "csv", gettext("The CSV could not be read here: %(error)s.") % {"error": exc})
        )
    if errors:
        raise SourceError(errors)
    _check_count(len(rows))
    return rows


def _csv_row(line: int, header: list[str], values: list[str]) -> tuple[Row | None, list[RowError]]:
    if len(values) > len(header):
        return None, [RowError(line, "csv", f"{len(values)} values but only {len(header)} columns.")]
    cells = {name: value.strip() for name, value in zip(header, values, strict=False) if name}
    errors = []
    if not cells.get("prompt"):
        errors.append(RowError(line, "prompt", gettext("The prompt is empty.")))
    parameters: dict = {}
    for name, value in cells.items():
        if name in KNOWN_COLUMNS or value == "":
            continue
        if len(value) > MAX_FIELD:
            errors.append(RowError(line, name, f"{name} is too long."))
            continue
        try:
            parameters[name] = _cell_value(name, value)
        except ValueError:
            errors.append(RowError(line, name, f"{name} must be a whole number, not {value!r}."))
    if any(len(cells.get(name, "")) > MAX_FIELD for name in KNOWN_COLUMNS):
        errors.append(RowError(line, "prompt", gettext("A prompt is too long.")))
    if errors:
        return None, errors
    row = Row(
        line=line,
        prompt=cells["prompt"],
        negative_prompt=cells.get("negative_prompt", ""),
        model=cells.get("model", ""),
        parameters=parameters,
        label=gettext("Line %(line)s") % {"line": line},
    )
    return row, []


def _cell_value(name: str, value: str):
    """Numbers and switches as such (the model's schema checks them); other text stays text."""
    if name in INT_COLUMNS:
        return int(value)
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(value) if value.lstrip("+-").isdigit() else float(value)
    except ValueError:
        return value


def from_template(template: str, variables: dict[str, list[str]]) -> list[Row]:
    """Every combination of the variables' values put into `{{name}}` places, in the template's order."""
    names = list(dict.fromkeys(TEMPLATE_VARIABLE.findall(template)))
    errors = []
    if not template.strip():
        errors.append(RowError(0, "template", gettext("Write a template, e.g. “a {{animal}} in {{place}}”.")))
    if not names and template.strip():
        errors.append(RowError(0, "template", gettext("The template has no {{variables}} to fill.")))
    values = {name: [v.strip() for v in variables.get(name, []) if str(v).strip()] for name in names}
    errors += [
        RowError(0, name, gettext("Give at least one value for {{%(name)s}}.") % {"name": name})
        for name in names
        if not values[name]
    ]
    errors += [RowError(0, name, f"{{{{{name}}}}} is not in the template.") for name in variables if name not in names]
    if errors:
        raise SourceError(errors)
    _check_count(math.prod(len(values[name]) for name in names))
    rows = []
    for index, combination in enumerate(itertools.product(*(values[name] for name in names)), start=1):
        chosen = dict(zip(names, combination, strict=True))
        prompt = _filled(template, chosen)
        label = ", ".join(f"{name}={value}" for name, value in chosen.items())
        rows.append(Row(line=index, prompt=prompt, label=label[:200]))
    return rows


def _filled(template: str, chosen: dict[str, str]) -> str:
    return TEMPLATE_VARIABLE.sub(lambda match: chosen[match.group(1)], template).strip()


def seed_grid(prompt: str, seeds: list[int]) -> list[Row]:
    """One prompt, one item per seed."""
    if not prompt.strip():
        raise SourceError([RowError(0, "prompt", gettext("Describe the image you want: the prompt is empty."))])
    _check_count(len(seeds))
    return [
        Row(line=index, prompt=prompt.strip(), parameters={"seed": seed}, label=f"Seed {seed}")
        for index, seed in enumerate(seeds, start=1)
    ]


Dynamic = Literal["random", "all", "none"]


def expand_dynamic(rows: list[Row], mode: Dynamic, rng: random.Random | None = None) -> list[Row]:
    """Resolve `{a|b}` alternations in the rows' prompts: "random" picks one option per item (each item shows
    the prompt it really runs), "all" makes an item of every combination, "none" keeps them as text."""
    if mode == "none":
        return rows
    picker = rng or random.Random()
    expanded, errors = [], []
    for row in rows:
        if "{" not in row.prompt or "|" not in row.prompt:
            expanded.append(row)
            continue
        try:
            prompts = syntax.expand(row.prompt, mode=mode, rng=picker, limit=MAX_ROWS)
        except syntax.PromptSyntaxError as exc:
            errors.append(RowError(row.line, "prompt", f"{exc.message} (character {exc.position + 1})"))
            continue
        if len(prompts) == 1:
            expanded.append(replace(row, prompt=prompts[0]))
            continue
        expanded += [
            replace(row, prompt=prompt, label=f"{row.label} · {index}/{len(prompts)}"[:200])
            for index, prompt in enumerate(prompts, start=1)
        ]
    if errors:
        raise SourceError(errors)
    _check_count(len(expanded))
    return expanded
