"""Prompt refinement for pages and the API: the model's family decides the style of the rewrites."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.services import get_model
from imagestudio.prompts.refine import Suggestion, highlight
from imagestudio.prompts.refine_fal import suggestions

# The rules' suggestion labels (refine.LABELS, variations.LABELS: plain Python, so English), for the catalog:
# the suggestions panel shows them translated.
SUGGESTION_LABELS = (
    gettext_noop("Subject detail"),
    gettext_noop("Lighting"),
    gettext_noop("Composition"),
    gettext_noop("Lens"),
    gettext_noop("Quality"),
    gettext_noop("All together"),
    gettext_noop("Synonyms"),
    gettext_noop("Added detail"),
    gettext_noop("New emphasis"),
    gettext_noop("Mixed"),
)
DEFAULT_FAMILY = "flux"  # no model chosen: plain sentences suit most current models


@dataclass(frozen=True)
class Refinement:
    suggestions: list[Suggestion]
    source: str  # "fal" or "offline"
    model: AIModel | None


def family_of(model: AIModel | None) -> str:
    return model.family if model is not None and model.family else DEFAULT_FAMILY


def find_model(model_ref: str | None) -> AIModel | None:
    """The catalog model a form or API call names (UUID, endpoint id or slug), if any."""
    return get_model(model_ref) if model_ref else None


def refine_prompt(*, prompt: str, negative_prompt: str = "", model: AIModel | None = None) -> Refinement:
    """Rewrites of `prompt` suited to `model`'s family (no model: plain sentences).

    Raises ValueError with a message for the user when the prompt is empty or too long.
    """
    found, source = suggestions(prompt, family_of(model), negative_prompt)
    return Refinement(found, source, model)


def with_highlights(prompt: str, found: list[Suggestion]) -> list[dict]:
    """Template rows: each suggestion plus its text cut into (words, added) runs."""
    return [{"suggestion": s, "runs": highlight(prompt, s.prompt)} for s in found]
