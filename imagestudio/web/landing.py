"""What the landing page shows: the showcase pictures, the featured models for the carousel, public images
for the example gallery, and the pricing tiers (the free tier plus billing.packages.CREDIT_PACKAGES)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from imagestudio.billing.packages import CREDIT_PACKAGES, CreditPackage
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.gallery.public import newest_public
from imagestudio.showcase.models import ShowcaseImage
from imagestudio.showcase.selectors import showcase

CAROUSEL_MODELS = 8
PUBLIC_EXAMPLES = 6
SCENE_ART = ("dawn", "night", "forest", "ocean")  # painted stand-ins for models without a sample picture
REFERENCE_MODEL = "fal-ai/flux/dev"  # tiers say how many images of this model their credits buy


@dataclass(frozen=True)
class Slide:
    model: AIModel
    image: ShowcaseImage | None
    art: str


@dataclass(frozen=True)
class Tier:
    package: CreditPackage
    images: int  # about how many images of the reference model the credits buy (0: unknown)

    @property
    def per_100_credits(self) -> str:
        return f"${self.package.price_cents / self.package.credits:,.2f}"


def _reference(models: list[AIModel]) -> AIModel | None:
    """The model tiers are counted in: FLUX.1 [dev] when in the catalog, else the cheapest paid featured one."""
    paid = [m for m in models if m.cost_per_generation > 0]
    preferred = [m for m in paid if m.endpoint_id == REFERENCE_MODEL]
    if preferred:
        return preferred[0]
    return min(paid, key=lambda m: m.cost_per_generation) if paid else None


def landing_context() -> dict:
    found = showcase()
    featured = list(AIModel.objects.active().filter(is_featured=True).order_by("sort_order", "display_name"))
    slides = [
        Slide(model=model, image=found.for_model(model.pk), art=SCENE_ART[index % len(SCENE_ART)])
        for index, model in enumerate(featured[:CAROUSEL_MODELS])
    ]
    reference = _reference(featured)
    per_image = reference.cost_per_generation if reference else 0
    examples: list[Image] = newest_public(limit=PUBLIC_EXAMPLES).items
    return {
        "hero_images": found.hero[:4],
        "hero_first": found.hero[0] if found.hero else None,
        "showcase_gallery": found.gallery,
        "public_examples": examples,
        "slides": slides,
        "featured_models": featured,
        "tiers": [Tier(package=p, images=p.credits // per_image if per_image else 0) for p in CREDIT_PACKAGES],
        "reference_model": reference,
        "starting_credits": settings.STARTING_CREDITS,
        "credits_on_verify": settings.GRANT_CREDITS_ON == "verified",
        "demo_enabled": settings.DEMO_ENABLED,
        "demo_hours": settings.DEMO_LIFETIME_HOURS,
    }
