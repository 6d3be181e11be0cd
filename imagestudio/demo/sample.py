"""The sample content a demo account starts with: two projects of showcase pictures (as the account's own
images), a collection, a few favourites and prompts in its library. Names are in the visitor's language."""

from __future__ import annotations

from django.utils.translation import gettext

from imagestudio.catalog.models import AIModel
from imagestudio.collections import services as collections
from imagestudio.gallery.models import Image
from imagestudio.gallery.services import Recipe, store_image
from imagestudio.projects.services import ProjectFields, create_project
from imagestudio.prompts.library import PromptFields, create_prompt
from imagestudio.showcase import selectors as showcase
from imagestudio.showcase.models import ShowcaseImage
from imagestudio.showcase.services import original_bytes
from imagestudio.workspaces.models import Workspace

# Showcase keys per sample project; anything else in the showcase is left out.
LANDSCAPES = ("valley-1", "valley-2", "aurora", "lighthouse", "misty-forest", "desert")
STYLES = ("neon-city", "cherry-blossom", "galaxy", "abstract", "pixel-city")
COLLECTED = ("aurora", "galaxy", "neon-city", "lighthouse")
FAVOURITES = ("aurora", "galaxy")
PROMPTS = (  # (showcase key, category)
    ("valley-1", "Landscapes"),
    ("neon-city", "Sci-fi"),
    ("cherry-blossom", "Illustration"),
)


def _copy(user, row: ShowcaseImage, project, models: dict[str, AIModel]) -> Image:
    """The showcase picture as the user's own image: same file, same recipe, renditions made for it."""
    recipe = Recipe(
        prompt=row.prompt,
        negative_prompt=row.negative_prompt,
        model_endpoint=row.model_endpoint,
        parameters={**row.parameters, "seed": row.seed},
        seed=row.seed,
    )
    return store_image(
        user=user, data=original_bytes(row), recipe=recipe, model=models.get(row.model_endpoint), project=project
    )


def fill(user, workspace: Workspace) -> dict[str, int]:
    """Create the sample content for `user` in their personal `workspace`; returns what was made."""
    rows = {row.key: row for row in showcase.all_images()}
    models = {
        m.endpoint_id: m for m in AIModel.objects.filter(endpoint_id__in={r.model_endpoint for r in rows.values()})
    }
    projects = (
        (
            gettext("Landscapes"),
            gettext(
                "Sample project: golden valleys, aurora skies and misty forests, drawn by the free offline engine."
            ),
            LANDSCAPES,
        ),
        (
            gettext("Moods & styles"),
            gettext("Sample project: one engine, many looks — neon, watercolour, digital art and pixel art."),
            STYLES,
        ),
    )
    images: dict[str, Image] = {}
    for name, description, keys in projects:
        project = create_project(
            workspace=workspace, user=user, fields=ProjectFields(name=name, description=description)
        )
        for key in keys:
            if key in rows:
                images[key] = _copy(user, rows[key], project, models)
    Image.objects.filter(pk__in=[images[k].pk for k in FAVOURITES if k in images]).update(is_favorite=True)
    collection = collections.create_collection(
        workspace=workspace,
        user=user,
        name=gettext("Night & sky picks"),
        description=gettext("A sample collection: collections gather images from any project."),
    )
    collections.add_images(collection, [images[k] for k in COLLECTED if k in images], by=user)
    prompts = 0
    for key, category in PROMPTS:
        if key in rows:
            fields = PromptFields(title=gettext(rows[key].title), prompt_text=rows[key].prompt, category=category)
            create_prompt(workspace=workspace, user=user, fields=fields)
            prompts += 1
    return {"projects": len(projects), "images": len(images), "collections": 1, "prompts": prompts}
