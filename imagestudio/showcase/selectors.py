from __future__ import annotations

from dataclasses import dataclass, field

from imagestudio.showcase.curated import GALLERY, HERO
from imagestudio.showcase.models import ShowcaseImage


@dataclass
class Showcase:
    hero: list[ShowcaseImage] = field(default_factory=list)
    gallery: list[ShowcaseImage] = field(default_factory=list)

    def for_model(self, model_id) -> ShowcaseImage | None:
        """A picture the model made: a gallery one first (more varied), else a hero one."""
        for image in (*self.gallery, *self.hero):
            if image.model_id == model_id:
                return image
        return None


def showcase() -> Showcase:
    """Every rendered showcase picture, split by where the landing page shows it (one query)."""
    rows = [row for row in ShowcaseImage.objects.select_related("model") if row.variants]
    return Showcase(
        hero=[row for row in rows if row.group == HERO],
        gallery=[row for row in rows if row.group == GALLERY],
    )


def all_images() -> list[ShowcaseImage]:
    """Hero pictures first, then the gallery's (the order demo accounts receive them in)."""
    found = showcase()
    return [*found.hero, *found.gallery]
