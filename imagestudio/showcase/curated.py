"""The curated showcase: a fixed set of prompts the offline engine renders at seed time (plain data).

Changing an entry (its prompt, size, seed, style, model or settings) changes its recipe hash, and the next
`manage.py seed` renders that entry again; entries left out are deleted with their files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from django.utils.translation import gettext_noop

HERO, GALLERY = "hero", "gallery"
ENGINE_REVISION = 1  # bump when the engine draws differently, to render the set again

OFFLINE = "offline/studio-v1"
TURBO = "offline/studio-turbo"
VALLEY = "A quiet valley at golden hour, misty mountains, soft pastel light"


@dataclass(frozen=True)
class Curated:
    key: str
    group: str
    title: str  # a short caption, translated on the page
    prompt: str
    width: int
    height: int
    seed: int
    model_endpoint: str = OFFLINE
    style: str = ""
    steps: int = 24
    guidance: float = 7.0
    negative_prompt: str = ""

    @property
    def recipe_hash(self) -> str:
        recipe = {**asdict(self), "engine": ENGINE_REVISION}
        recipe.pop("key"), recipe.pop("group"), recipe.pop("title")  # labels, not pixels
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _hero(index: int) -> Curated:
    # One prompt, four seeds in a row: exactly what "4 images" of this prompt gives in the studio.
    return Curated(f"valley-{index + 1}", HERO, gettext_noop("Golden valley"), VALLEY, 512, 512, 48213 + index)


CURATED: tuple[Curated, ...] = (
    *(_hero(i) for i in range(4)),
    Curated(
        "aurora",
        GALLERY,
        gettext_noop("Aurora over a frozen lake"),
        "Northern lights over a frozen lake, snow, starry night sky",
        512,
        288,
        7,
    ),
    Curated(
        "neon-city",
        GALLERY,
        gettext_noop("Neon city in the rain"),
        "Neon city skyline at night in the rain, magenta and cyan",
        384,
        512,
        21,
        style="neon",
    ),
    Curated(
        "galaxy",
        GALLERY,
        gettext_noop("Ringed planet"),
        "Spiral galaxy and a ringed planet, deep space nebula, violet and teal",
        512,
        512,
        99,
        style="digital-art",
    ),
    Curated(
        "lighthouse",
        GALLERY,
        gettext_noop("Lighthouse in a storm"),
        "Lone lighthouse on a stormy ocean, dramatic clouds",
        512,
        384,
        3,
        style="oil-painting",
    ),
    Curated(
        "cherry-blossom",
        GALLERY,
        gettext_noop("Spring by the lake"),
        "Cherry blossom flowers by a calm lake, spring morning",
        384,
        512,
        5,
        style="watercolor",
    ),
    Curated(
        "desert",
        GALLERY,
        gettext_noop("Desert dunes at sunset"),
        "Desert dunes at sunset, warm orange sky, long shadows",
        512,
        288,
        12,
    ),
    Curated(
        "misty-forest",
        GALLERY,
        gettext_noop("Misty pine forest"),
        "Misty pine forest at sunrise, fog between the trees",
        512,
        384,
        8,
        style="photographic",
    ),
    Curated(
        "abstract",
        GALLERY,
        gettext_noop("Abstract shapes"),
        "Abstract flowing shapes in coral, gold and navy",
        512,
        512,
        31,
        style="minimal",
    ),
    Curated(
        "pixel-city",
        GALLERY,
        gettext_noop("Pixel-art skyline"),
        "Pixel-art city skyline at dusk, warm window lights, starry sky",
        512,
        384,
        18,
        model_endpoint=TURBO,
        style="pixel-art",
        steps=6,
        guidance=5.0,
    ),
)
