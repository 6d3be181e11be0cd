from __future__ import annotations

from django.conf import settings
from ninja import Query, Router, Schema, Status
from pydantic import Field

from imagestudio.lib.api_errors import InvalidRequestOut
from imagestudio.lib.ratelimit import limit, user_or_ip
from imagestudio.prompts import history, services, syntax
from imagestudio.prompts.refine import FAMILY_NAMES, MAX_PROMPT, uses_tags
from imagestudio.prompts.variations import MAX_COUNT, variations

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


class PromptErrorOut(Schema):
    detail: str
    field: str


@router.post("/refine", response={200: RefineOut, 422: PromptErrorOut | InvalidRequestOut})
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


# -- the prompt editor: syntax analysis and autocomplete ----------------------------------------------


class TermOut(Schema):
    text: str
    weight: float = Field(description="Effective attention weight (nesting multiplied)")
    start: int = Field(description="0-based character position in the prompt")
    end: int


class LoraOut(Schema):
    name: str
    weight: float
    start: int
    end: int


class AnalyzeIn(Schema):
    text: str = ""
    model_id: str | None = None


class AnalyzeOut(Schema):
    terms: list[TermOut]
    loras: list[LoraOut]
    variables: list[str]
    alternations: int
    combinations: int = Field(description="Prompts the alternations make (capped at 10^9)")
    tokens: int = Field(description="Approximate token count")
    token_limit: int | None = Field(description="The family's token window; null: the model reads it all")
    ignores_weights: bool = Field(description="The model reads plain sentences: weights and LoRA tags are stripped")
    plain_text: str = Field(description="What a model that ignores weights receives")
    family: str
    tag_style: bool = Field(description="The model reads comma-separated tags (else sentences)")
    notice: str


class SyntaxErrorOut(Schema):
    detail: str
    field: str
    position: int | None = None


class CompletionOut(Schema):
    text: str
    replace: int = Field(description="Characters before the caret that the phrase replaces")
    uses: int
    source: str


class AutocompleteOut(Schema):
    suggestions: list[CompletionOut]


MAX_COMBINATIONS = 10**9


def _analyze(text: str, model_id: str | None):
    model = services.find_model(model_id)
    if model_id and model is None:
        return Status(422, {"detail": f"Unknown model {model_id!r}.", "field": "model_id", "position": None})
    family = services.family_of(model)
    try:
        found = syntax.analyze(text, family)
    except syntax.PromptSyntaxError as exc:
        return Status(422, {"detail": exc.message, "field": "text", "position": exc.position})
    name = FAMILY_NAMES.get(family) or (model.display_name if model else family)
    return {
        "terms": [{**vars(term), "weight": round(term.weight, 4)} for term in found.terms],
        "loras": [{**vars(lora), "weight": round(lora.weight, 4)} for lora in found.prompt.loras],
        "variables": found.prompt.variables,
        "alternations": len(found.prompt.alternations),
        "combinations": min(found.prompt.combinations, MAX_COMBINATIONS),
        "tokens": found.tokens,
        "token_limit": found.token_limit,
        "ignores_weights": found.ignores_weights,
        "plain_text": found.plain_text,
        "family": family,
        "tag_style": uses_tags(family),
        "notice": f"{name} reads plain sentences: weights and LoRA tags are removed when sending."
        if found.ignores_weights
        else "",
    }


@router.get("/analyze", url_name="prompt_analyze", response={200: AnalyzeOut, 422: SyntaxErrorOut | InvalidRequestOut})
def analyze(request, text: str = "", model_id: str | None = None):
    """The prompt editor's reading of a prompt for a model: each term's effective weight, LoRA tags, variables,
    alternations, an approximate token count against the model family's limit, and whether the model ignores
    weights (then `plain_text` is what it receives). Malformed syntax: 422 with the position of the fault."""
    return _analyze(text, model_id)


@router.post("/analyze", response={200: AnalyzeOut, 422: SyntaxErrorOut | InvalidRequestOut})
def analyze_long(request, payload: AnalyzeIn):
    """The same as GET /analyze, for prompts too long for a URL."""
    return _analyze(payload.text, payload.model_id)


@router.get("/autocomplete", url_name="prompt_autocomplete", response=AutocompleteOut)
def autocomplete(request, q: str = Query("", max_length=300)):
    """Up to 8 phrases from your own recent prompts that complete `q` (the text before the caret), most used
    first. Each says how many characters before the caret it replaces."""
    return {"suggestions": history.suggest(request.user, q)}


# -- variations ---------------------------------------------------------------------------------------


class VariationsIn(Schema):
    prompt: str = Field(default="", max_length=MAX_PROMPT)
    model_id: str | None = Field(default=None, description="Model id, endpoint id (fal-ai/flux/dev) or slug")
    count: int = Field(default=4, ge=1, le=MAX_COUNT, description="How many variations (at most)")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="The same seed gives the same picks; the next, others")


class VariationOut(Schema):
    kind: str = Field(description="synonyms, details, emphasis or mixed")
    label: str
    prompt: str = Field(description="The whole varied prompt")
    note: str = Field(description="What changed")


class VariationsOut(Schema):
    suggestions: list[VariationOut]


@router.post("/variations", response={200: VariationsOut, 422: PromptErrorOut | InvalidRequestOut})
def prompt_variations(request, payload: VariationsIn):
    """Variations of a prompt: synonyms swapped in, a new detail added, the emphasis moved (a weighted term in
    front for Stable Diffusion-style models; another element leading the sentence for natural-language ones), and
    a mix of two. By the built-in rules, deterministic for a given seed."""
    limit(request, action="variations", rate=settings.PROMPT_REFINE_RATE_LIMIT, key=user_or_ip(request))
    model = services.find_model(payload.model_id)
    if payload.model_id and model is None:
        return Status(422, {"detail": f"Unknown model {payload.model_id!r}.", "field": "model_id"})
    try:
        found = variations(payload.prompt, services.family_of(model), count=payload.count, seed=payload.seed)
    except ValueError as exc:
        return Status(422, {"detail": str(exc), "field": "prompt"})
    return {"suggestions": found}
