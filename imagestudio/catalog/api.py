from __future__ import annotations

from uuid import UUID

from ninja import Router, Schema
from ninja.errors import HttpError

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.services import get_model

router = Router(tags=["models"])


class ModelOut(Schema):
    id: UUID
    endpoint_id: str
    name: str
    display_name: str
    description: str
    provider: str
    category: str
    family: str
    capabilities: list[str]
    available: bool
    unavailable_reason: str
    cost_per_generation: int
    pricing: dict
    speed_class: str
    quality_class: str
    docs_url: str
    is_featured: bool


class ModelDetailOut(ModelOut):
    input_schema: dict
    default_parameters: dict


class CategoryOut(Schema):
    category: str
    count: int


@router.get("", response=list[ModelOut], auth=None)
def list_models(request, category: str | None = None, capability: str | None = None, available: bool | None = None):
    models = AIModel.objects.active()
    if category:
        models = models.filter(category=category)
    if capability:
        models = models.with_capability(capability)
    rows = list(models)
    if available is not None:
        rows = [m for m in rows if m.available == available]
    return rows


@router.get("/featured", response=list[ModelOut], auth=None)
def featured_models(request):
    return AIModel.objects.active().filter(is_featured=True)


@router.get("/categories", response=list[CategoryOut], auth=None)
def model_categories(request):
    from django.db.models import Count

    rows = AIModel.objects.active().values("category").annotate(count=Count("id")).order_by("category")
    return list(rows)


@router.get("/{path:model_ref}", response=ModelDetailOut, auth=None)
def model_detail(request, model_ref: str):
    """A model by id, endpoint id (`fal-ai/flux/dev`) or slug."""
    model = get_model(model_ref)
    if model is None:
        raise HttpError(404, f"No model {model_ref!r}. GET /api/models lists them.")
    return model
