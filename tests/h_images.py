"""Helpers for H's tests: images with real structure (so perceptual hashes mean something)."""

from __future__ import annotations

import io
import random

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

from imagestudio.gallery.models import Image
from imagestudio.gallery.services import Recipe, store_image


def pattern(seed: int, size: tuple[int, int] = (256, 192)) -> PILImage.Image:
    """A picture of random blobs: different seeds look unrelated, the same seed is the same picture."""
    rng = random.Random(seed)
    image = PILImage.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    w, h = size
    for _ in range(14):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.randrange(w // 10, w // 3)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(2))


def near_copy(image: PILImage.Image) -> PILImage.Image:
    """The same picture re-encoded as a lower-quality JPEG at another size, slightly brighter."""
    smaller = image.resize((image.width * 3 // 4, image.height * 3 // 4), PILImage.Resampling.BILINEAR)
    out = io.BytesIO()
    smaller.point(lambda v: min(255, v + 6)).save(out, "JPEG", quality=70)
    return PILImage.open(io.BytesIO(out.getvalue())).convert("RGB")


def encode(image: PILImage.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def store(user, image: PILImage.Image, *, prompt: str = "a pattern", fmt: str = "PNG", **kwargs) -> Image:
    recipe = Recipe(prompt=prompt, negative_prompt="", model_endpoint="offline/studio-v1", parameters={}, seed=3)
    return store_image(user=user, data=encode(image, fmt), recipe=recipe, **kwargs)


def touched_up(image: PILImage.Image) -> PILImage.Image:
    """A near copy with a small white square painted in the middle: a few bits away, never identical."""
    copy = near_copy(image)
    w, h = copy.size
    ImageDraw.Draw(copy).rectangle((w * 0.45, h * 0.45, w * 0.55, h * 0.55), fill=(255, 255, 255))
    return copy
