"""Money-saving tips read from a user's own usage on the usage page.

Pure functions over the figures billing/usage.py reads (no queries here). Each tip appears only when the
period's data supports it: enough credits spent for a saving to matter, and a saving worth a person's
attention, computed from what they actually paid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext, ngettext

from imagestudio.billing.usage import BatchHabit, ModelCost, SizeUsage, Slice, Totals
from imagestudio.catalog.params import MEGAPIXEL

MIN_CREDITS = 20  # a period that cost less than this gets no tips: there is little to save
MIN_SAVING = 5  # credits; a tip that saves less is noise
TOP_SHARE = 0.4  # one model took at least this share of the credits
DRAFT_RATIO = 3  # a draft model at least this many times cheaper is worth suggesting
DRAFT_FRACTION = 0.5  # the tip assumes half of those images could have been drafts
MIN_BATCH_JOBS = 5  # several-images-per-prompt jobs needed before we call it a habit
KEPT_PER_PROMPT = 1.5  # favourites per such job at or below which most of the images went unused
SUGGESTED_BATCH = 2  # images per prompt the tip suggests starting with
LARGE_SHARE = 0.3  # share of images over 1 MP before resolution advice applies


@dataclass(frozen=True)
class Tip:
    kind: str  # draft-model, fewer-images, resolution
    title: str
    text: str
    saving: int  # credits the user would have saved in the period, estimated


def tips(
    totals: Totals, by_model: list[Slice], costs: list[ModelCost], sizes: list[SizeUsage], habit: BatchHabit
) -> list[Tip]:
    """The tips the period's data supports, largest saving first (none when it cost under MIN_CREDITS)."""
    if totals.credits < MIN_CREDITS:
        return []
    catalog = {row.model.id: row for row in costs}
    found = [
        _draft_model(totals, by_model, catalog, sizes),
        _fewer_images(habit),
        _resolution(totals, catalog, sizes),
    ]
    return sorted((tip for tip in found if tip is not None), key=lambda tip: -tip.saving)


def _number(value: float) -> str:
    """4 or 3.5, in the user's locale."""
    rounded = round(value, 1)
    return str(formats.localize(int(rounded) if rounded == int(rounded) else rounded))


def _size(width: int | None, height: int | None) -> str:
    return f"{width}×{height}"


def _draft_model(totals: Totals, by_model: list[Slice], catalog: dict, sizes: list[SizeUsage]) -> Tip | None:
    """Most credits went to one text-to-image model while a much cheaper one exists for drafts."""
    top = max(by_model, key=lambda row: row.credits, default=None)
    if top is None or not top.images or top.credits / totals.credits < TOP_SHARE:
        return None
    mine = catalog.get(top.key)
    if mine is None or mine.category != "text-to-image" or not mine.cost_at_1mp:
        return None
    cheaper = [
        row
        for row in catalog.values()
        if row.category == "text-to-image"
        and row.provider == mine.provider
        and 0 < row.cost_at_1mp * DRAFT_RATIO <= mine.cost_at_1mp
    ]
    if not cheaper:
        return None
    draft = min(cheaper, key=lambda row: (row.quality != "draft", row.cost_at_1mp, row.model.display_name))
    known = [row for row in sizes if row.model_id == top.key and row.width and row.height]
    usual = max(known, key=lambda row: row.images, default=None)
    # A per-megapixel draft model charges more for the larger images the user usually makes.
    draft_cost = draft.cost_at_1mp * (max(1, _megapixels(usual)) if usual and draft.per_megapixel else 1)
    paid = top.credits / top.images
    saving = round(top.images * DRAFT_FRACTION * (paid - draft_cost))
    if saving < MIN_SAVING or paid < 2 * draft_cost:
        return None
    where = top.label if usual is None else f"{top.label} ({_size(usual.width, usual.height)})"
    text = ngettext(
        "%(share)s %% of your credits went to %(model)s, about %(paid)s credits an image. %(draft)s costs "
        "%(draft_cost)s credit, 1/%(ratio)s as much: drafting half of those images there and keeping %(short)s "
        "for the finals would have saved about %(saving)s credits.",
        "%(share)s %% of your credits went to %(model)s, about %(paid)s credits an image. %(draft)s costs "
        "%(draft_cost)s credits, 1/%(ratio)s as much: drafting half of those images there and keeping %(short)s "
        "for the finals would have saved about %(saving)s credits.",
        draft_cost,
    ) % {
        "share": round(100 * top.credits / totals.credits),
        "model": where,
        "paid": _number(paid),
        "draft": draft.model.display_name,
        "draft_cost": draft_cost,
        "ratio": round(paid / draft_cost),
        "short": top.label,
        "saving": saving,
    }
    title = gettext("Draft on %(draft)s, finish on %(model)s") % {
        "draft": draft.model.display_name,
        "model": top.label,
    }
    return Tip("draft-model", title, text, saving)


def _fewer_images(habit: BatchHabit) -> Tip | None:
    """Several images per prompt, few of them kept as favourites."""
    if habit.jobs < MIN_BATCH_JOBS or not habit.images:
        return None
    per_prompt = habit.images / habit.jobs
    kept = habit.favourites / habit.jobs
    if kept > KEPT_PER_PROMPT or per_prompt <= SUGGESTED_BATCH:
        return None
    saving = round(habit.credits * (1 - SUGGESTED_BATCH / per_prompt))
    if saving < MIN_SAVING:
        return None
    if habit.favourites:
        kept_text = gettext("favourited %(kept)s per prompt on average") % {"kept": _number(kept)}
    else:
        kept_text = gettext("favourited none of them")
    text = gettext(
        "You asked for %(per_prompt)s images per prompt in %(jobs)s generations and %(kept)s. Start with "
        "%(suggested)s, then make variations of the one you like: about %(saving)s credits less."
    ) % {
        "per_prompt": _number(per_prompt),
        "jobs": habit.jobs,
        "kept": kept_text,
        "suggested": SUGGESTED_BATCH,
        "saving": saving,
    }
    return Tip("fewer-images", gettext("Fewer images per prompt"), text, saving)


def _megapixels(row: SizeUsage) -> int:
    return math.ceil((row.width or 0) * (row.height or 0) / MEGAPIXEL)


def _resolution(totals: Totals, catalog: dict, sizes: list[SizeUsage]) -> Tip | None:
    """Many images above 1 MP on models that charge per megapixel."""
    large = [
        row
        for row in sizes
        if row.images and row.model_id in catalog and catalog[row.model_id].per_megapixel and _megapixels(row) > 1
    ]
    large_images = sum(row.images for row in large)
    if not totals.images or large_images / totals.images < LARGE_SHARE:
        return None
    saving = sum(row.credits - row.images * catalog[row.model_id].cost_at_1mp for row in large)
    if saving < max(MIN_SAVING, totals.credits / 10):
        return None
    usual = max(large, key=lambda row: row.images)
    text = gettext(
        "%(share)s %% of your images were bigger than 1 megapixel (most often %(size)s), and their models "
        "charge for every started megapixel. Explore at 1 MP and upscale only the ones you keep: about "
        "%(saving)s credits less."
    ) % {
        "share": round(100 * large_images / totals.images),
        "size": _size(usual.width, usual.height),
        "saving": saving,
    }
    return Tip("resolution", gettext("Explore at 1 megapixel"), text, saving)
