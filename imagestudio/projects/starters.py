"""Built-in project templates: a starting point with a category, tags, notes and generation defaults."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    description: str
    category: str
    tags: tuple[str, ...]
    notes: str
    settings: dict = field(default_factory=dict)


STARTERS: tuple[Starter, ...] = (
    Starter(
        key="product-shots",
        name="Product shots",
        description="Clean studio images of one product from several angles.",
        category="Product",
        tags=("product", "studio", "e-commerce"),
        notes="- Plain seamless background\n- Soft key light from the left, rim light behind\n"
        "- Try 1:1 for marketplaces and 4:5 for social",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "1:1"}},
    ),
    Starter(
        key="character-sheet",
        name="Character sheet",
        description="One character, consistent across poses and expressions.",
        category="Illustration",
        tags=("character", "concept art"),
        notes="Keep the seed fixed while you change only the pose or expression in the prompt.",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "3:4"}},
    ),
    Starter(
        key="logo-exploration",
        name="Logo exploration",
        description="Many quick directions for a mark, then refine the best.",
        category="Branding",
        tags=("logo", "branding", "vector"),
        notes="Flat colours, no text in the prompt; compare directions side by side.",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "1:1"}},
    ),
    Starter(
        key="social-media-set",
        name="Social media set",
        description="A matching set of posts, stories and banners.",
        category="Marketing",
        tags=("social", "marketing"),
        notes="- Posts 1:1, stories 9:16, banners 16:9\n- Reuse one palette and lighting phrase in every prompt",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "9:16"}},
    ),
    Starter(
        key="storyboard",
        name="Storyboard",
        description="Frames of a scene in order, in one consistent style.",
        category="Film",
        tags=("storyboard", "film", "sequence"),
        notes="Number the frames in each prompt; wide 16:9 frames read best.",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "16:9"}},
    ),
)


def starter(key: str) -> Starter | None:
    return next((s for s in STARTERS if s.key == key), None)
