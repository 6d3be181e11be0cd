"""Built-in project templates: a starting point with a category, tags, notes and generation defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_noop


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
        name=gettext_noop("Product shots"),
        description=gettext_noop("Clean studio images of one product from several angles."),
        category=gettext_noop("Product"),
        tags=(gettext_noop("product"), gettext_noop("studio"), gettext_noop("e-commerce")),
        notes="- Plain seamless background\n- Soft key light from the left, rim light behind\n"
        "- Try 1:1 for marketplaces and 4:5 for social",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "1:1"}},
    ),
    Starter(
        key="character-sheet",
        name=gettext_noop("Character sheet"),
        description=gettext_noop("One character, consistent across poses and expressions."),
        category=gettext_noop("Illustration"),
        tags=(gettext_noop("character"), gettext_noop("concept art")),
        notes="Keep the seed fixed while you change only the pose or expression in the prompt.",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "3:4"}},
    ),
    Starter(
        key="logo-exploration",
        name=gettext_noop("Logo exploration"),
        description=gettext_noop("Many quick directions for a mark, then refine the best."),
        category=gettext_noop("Branding"),
        tags=(gettext_noop("logo"), gettext_noop("branding"), gettext_noop("vector")),
        notes="Flat colours, no text in the prompt; compare directions side by side.",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "1:1"}},
    ),
    Starter(
        key="social-media-set",
        name=gettext_noop("Social media set"),
        description=gettext_noop("A matching set of posts, stories and banners."),
        category=gettext_noop("Marketing"),
        tags=(gettext_noop("social"), gettext_noop("marketing")),
        notes="- Posts 1:1, stories 9:16, banners 16:9\n- Reuse one palette and lighting phrase in every prompt",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "9:16"}},
    ),
    Starter(
        key="storyboard",
        name=gettext_noop("Storyboard"),
        description=gettext_noop("Frames of a scene in order, in one consistent style."),
        category=gettext_noop("Film"),
        tags=(gettext_noop("storyboard"), gettext_noop("film"), gettext_noop("sequence")),
        notes="Number the frames in each prompt; wide 16:9 frames read best.",
        settings={"model": "offline/studio-v1", "parameters": {"aspect_ratio": "16:9"}},
    ),
)


def starter(key: str) -> Starter | None:
    return next((s for s in STARTERS if s.key == key), None)
