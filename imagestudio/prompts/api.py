from __future__ import annotations

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import Field

from imagestudio.lib.ratelimit import limit, user_or_ip
from imagestudio.prompts import services
from imagestudio.prompts.refine import MAX_PROMPT

router = Router(tags=["prompts"])


class RefineIn(Schema):
    prompt: str = Field(default="", max_length=MAX_PROMPT)
    negative_prompt: str = Field(default="", max_length=2000)
    model_id: str | None = Field(default=None, description="Model id, endpoint id (fal-ai/flux/dev) or slug")


class SuggestionOut(Schema):
    kind: str = Field(description="subject, lighting, composition, lens, quality or all")
    label: str
    prompt: str = Field(description="The whole rewritten prompt")
    note: str


class RefineOut(Schema):
    source: str = Field(description='"fal" (a language model on fal.ai) or "offline" (built-in rules)')
    suggestions: list[SuggestionOut]


class ErrorOut(Schema):
    detail: str
    field: str


@router.post("/refine", response={200: RefineOut, 422: ErrorOut})
def refine(request, payload: RefineIn):
    """Concrete rewrites of a prompt (subject detail, lighting, composition, lens, quality, all), suited to the
    model's family: through a language model on fal when a key is set, else by the offline rules."""
    limit(request, action="refine", rate=settings.PROMPT_REFINE_RATE_LIMIT, key=user_or_ip(request))
    model = services.find_model(payload.model_id)
    if payload.model_id and model is None:
        return Status(422, {"detail": f"Unknown model {payload.model_id!r}.", "field": "model_id"})
    try:
        result = services.refine_prompt(prompt=payload.prompt, negative_prompt=payload.negative_prompt, model=model)
    except ValueError as exc:
        return Status(422, {"detail": str(exc), "field": "prompt"})
    return {"source": result.source, "suggestions": result.suggestions}
