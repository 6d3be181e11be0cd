"""A/B and X/Y comparisons: the same seeds through two or more prompts (A/B), or through one parameter swept
over values (X) and optionally a second (Y), queued together and shown as a labelled grid.

Every cell gets one job per seed, all queued at once (all or nothing, credits reserved up front), so a
grid is comparable: only the prompt or the swept values differ between cells.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from imagestudio.catalog import params
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError
from imagestudio.generation import services
from imagestudio.generation.models import Experiment, GenerationJob

if TYPE_CHECKING:
    from imagestudio.accounts.models import User
    from imagestudio.gallery.models import Image
    from imagestudio.projects.models import Project

MAX_JOBS = 36
MAX_PROMPTS = 6
MAX_VALUES = 6
MAX_SEEDS = 4
NOT_SWEPT = {"seed", "num_images", "image_size", "aspect_ratio", "sync_mode", "enable_safety_checker", "output_format"}


@dataclass(frozen=True)
class Axis:
    name: str
    values: list

    def label(self, value) -> str:
        return f"{self.name.replace('_', ' ')} = {value}"


def sweepable(model: AIModel) -> list[tuple[str, dict]]:
    """The model's settings one may sweep: numbers, choices and switches (not the seed or the size)."""
    fields = []
    for name, spec in model.input_schema.items():
        kind = spec.get("type", "") if isinstance(spec, dict) else ""
        if name in NOT_SWEPT or not (kind.startswith(("integer", "number", "boolean")) or kind == "enum(string)"):
            continue
        fields.append((name, spec))
    return sorted(fields, key=lambda field: field[0])


def parse_axis(model: AIModel, name: str, text: str, field: str) -> Axis:
    """`text` is comma-separated values for the model setting `name` (2–6 of them, no repeats)."""
    specs = dict(sweepable(model))
    if name not in specs:
        choices = ", ".join(specs) or "none"
        raise ParameterError(
            field,
            gettext("%(model)s has no setting %(setting)s to sweep (try: %(choices)s).")
            % {"model": model.display_name, "setting": repr(name), "choices": choices},
        )
    kind = specs[name].get("type", "")
    values = [value.strip() for value in text.split(",") if value.strip()]
    if not 2 <= len(values) <= MAX_VALUES:
        raise ParameterError(
            f"{field}_values",
            gettext("Give 2 to %(max_values)s values for %(name)s, separated by commas.")
            % {"max_values": MAX_VALUES, "name": name},
        )
    if len(set(values)) != len(values):
        raise ParameterError(f"{field}_values", gettext("Each value for %(name)s should differ.") % {"name": name})
    converted = [_value(kind, value, name, field) for value in values]
    return Axis(name=name, values=converted)


def _value(kind: str, text: str, name: str, field: str):
    try:
        if kind.startswith("integer"):
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        raise ParameterError(
            f"{field}_values",
            gettext("%(name)s takes numbers; %(value)s is not one.") % {"name": name, "value": repr(text)},
        ) from None
    if kind == "boolean":
        return text.lower() in ("true", "1", "yes", "on")
    return text


@dataclass(frozen=True)
class Plan:
    """The grid: row and column labels and, per cell, the prompt and parameters its jobs run with."""

    rows: list[str]
    columns: list[str]
    cells: list[tuple[int, int, str, dict]]  # row, column, prompt, parameters (without the seed)


def plan(*, prompt: str, prompts: list[str] | None, x: Axis | None, y: Axis | None) -> Plan:
    if prompts is not None:  # A/B: one row per prompt
        prompts = [p.strip() for p in prompts if p.strip()]
        if not 2 <= len(prompts) <= MAX_PROMPTS:
            raise ParameterError(
                "prompts",
                gettext("Write 2 to %(max_prompts)s prompts to compare, one per line.") % {"max_prompts": MAX_PROMPTS},
            )
        columns = [x.label(v) for v in x.values] if x else [""]
        cells = [
            (row, column, text, {x.name: value} if x else {})
            for row, text in enumerate(prompts)
            for column, value in enumerate(x.values if x else [None])
        ]
        return Plan(rows=prompts, columns=columns, cells=cells)
    if x is None:
        raise ParameterError("x", gettext("Choose a setting to sweep, or compare prompts instead."))
    if not prompt.strip():
        raise ParameterError("prompt", gettext("Describe the image you want: the prompt is empty."))
    if y is not None and y.name == x.name:
        raise ParameterError("y", gettext("Sweep two different settings on X and Y."))
    y_values = y.values if y else [None]
    cells = [
        (row, column, prompt, {x.name: x_value, **({y.name: y_value} if y else {})})
        for row, y_value in enumerate(y_values)
        for column, x_value in enumerate(x.values)
    ]
    rows = [y.label(v) for v in y.values] if y else [""]
    return Plan(rows=rows, columns=[x.label(v) for v in x.values], cells=cells)


def choose_seeds(model: AIModel, seeds: list[int] | None, count: int) -> list[int]:
    if seeds:
        if len(seeds) > MAX_SEEDS:
            raise ParameterError("seeds", gettext("At most %(max_seeds)s seeds.") % {"max_seeds": MAX_SEEDS})
        return seeds
    if not 1 <= count <= MAX_SEEDS:
        raise ParameterError("seed_count", gettext("Use 1 to %(max_seeds)s seeds.") % {"max_seeds": MAX_SEEDS})
    largest = min(params.MAX_SEED, model.input_schema.get("seed", {}).get("max", params.MAX_SEED))
    picker = random.SystemRandom()
    return [picker.randint(0, largest) for _ in range(count)]


def start(
    user: User,
    *,
    model: AIModel,
    prompt: str = "",
    negative_prompt: str = "",
    prompts: list[str] | None = None,
    x: Axis | None = None,
    y: Axis | None = None,
    seeds: list[int] | None = None,
    seed_count: int = 2,
    parameters: dict | None = None,
    project: Project | None = None,
) -> Experiment:
    """Queue the whole grid (all or nothing). Raises ParameterError naming the field, QueueFull or
    InsufficientCredits, like any enqueue."""
    if "text-to-image" not in model.capabilities:
        raise ParameterError(
            "model_id",
            gettext("%(model)s does not make images from text.") % {"model": model.display_name},
        )
    grid = plan(prompt=prompt, prompts=prompts, x=x, y=y)
    chosen_seeds = choose_seeds(model, seeds, seed_count)
    if len(grid.cells) * len(chosen_seeds) > MAX_JOBS:
        raise ParameterError(
            "seed_count",
            gettext("That is %(images)s images; one comparison makes at most %(max_jobs)s.")
            % {"images": len(grid.cells) * len(chosen_seeds), "max_jobs": MAX_JOBS},
        )
    base = {k: v for k, v in (parameters or {}).items() if k not in ("seed", "num_images")}
    requests, layout = [], []
    for row, column, text, values in grid.cells:
        for seed in chosen_seeds:
            requests.append(
                services.GenerationRequest(
                    user=user,
                    model=model,
                    prompt=text,
                    negative_prompt=negative_prompt,
                    parameters={**base, **values, "seed": seed, "num_images": 1},
                    project=project,
                )
            )
            layout.append({"row": row, "column": column, "seed": seed})
    with transaction.atomic():
        try:
            jobs = services.enqueue_batch(requests)
        except ParameterError as exc:
            raise _cell_error(exc, grid, layout) from None
        axes = {"rows": grid.rows, "columns": grid.columns, "x": _axis(x), "y": _axis(y)}
        if prompts is not None:
            axes["prompts"] = grid.rows
        return Experiment.objects.create(
            user=user,
            model=model,
            project=project,
            prompt=prompt,
            axes=axes,
            seeds=chosen_seeds,
            cells=[{**cell, "job": str(job.pk)} for cell, job in zip(layout, jobs, strict=True)],
        )


def _axis(axis: Axis | None) -> dict | None:
    return {"name": axis.name, "values": axis.values} if axis else None


def _cell_error(exc: ParameterError, grid: Plan, layout: list[dict]) -> ParameterError:
    """`batch[7].guidance_scale: …` → which row and column of the grid asked for it."""
    head, _, field = exc.field.partition(".")
    index = int(head.removeprefix("batch[").removesuffix("]")) if head.startswith("batch[") else 0
    cell = layout[index]
    where = " · ".join(label for label in (grid.rows[cell["row"]], grid.columns[cell["column"]]) if label)
    message = exc.message.split(": ", 1)[-1]
    return ParameterError(field or exc.field, f"{where}: {message}" if where else message)


# -- reading a grid back ----------------------------------------------------------------------------


@dataclass
class Cell:
    label: str
    results: list[tuple[int, GenerationJob]]  # seed, job (its images prefetched)


@dataclass
class Grid:
    experiment: Experiment
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    active: bool


def grid_of(experiment: Experiment) -> Grid:
    jobs = {
        str(job.pk): job
        for job in GenerationJob.objects.filter(pk__in=[cell["job"] for cell in experiment.cells])
        .select_related("model")
        .prefetch_related("images")
    }
    columns = experiment.axes.get("columns", [""])
    rows = experiment.axes.get("rows", [""])
    table = [[Cell(label=column, results=[]) for column in columns] for _ in rows]
    for cell in experiment.cells:
        job = jobs.get(cell["job"])
        if job is not None:
            table[cell["row"]][cell["column"]].results.append((cell["seed"], job))
    return Grid(
        experiment=experiment,
        columns=columns,
        rows=list(zip(rows, table, strict=True)),
        active=any(job.is_active for job in jobs.values()),
    )


def pick_winner(experiment: Experiment, image: Image) -> None:
    """Mark one of the grid's images as the one to continue from."""
    if str(image.job_id) not in {cell["job"] for cell in experiment.cells}:
        raise ParameterError("image_id", gettext("That image is not part of this comparison."))
    experiment.winner = image
    experiment.save(update_fields=["winner"])
