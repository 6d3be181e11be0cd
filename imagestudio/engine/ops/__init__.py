"""Offline "iteration" operations on existing images (real image processing, no weights, no network).

Every function takes and returns PIL images (RGB or RGBA), never modifies its inputs, and raises
EngineError (a ValueError naming the field and the allowed values) for bad inputs:

- upscale(image, scale, progress=None): 2x/4x/8x Lanczos steps with edge-aware sharpening
- remove_background(image, progress=None): RGBA cut-out (GrabCut seeded by border and saliency)
- image_to_image(source, rendered, strength): move the source toward a render of the prompt
- inpaint(source, mask, rendered, feather=0), invert_mask(mask): repaint the white mask area
- outpaint(source, *, left, right, top, bottom, rendered=None), margins_for_aspect(w, h, "16:9")
- style_transfer(content, style, strength=1.0): Lab colour statistics plus texture of the style
- crop, crop_to_aspect, rotate, flip, resize, adjust: exact edits

Results are limited to MAX_OUTPUT_SIDE px per side. "rendered" images are made by the caller with
imagestudio.engine.render at the size the operation documents.
"""

from __future__ import annotations

from .background import remove_background
from .blend import image_to_image, style_transfer
from .checks import MAX_OUTPUT_SIDE
from .edits import adjust, crop, crop_to_aspect, flip, resize, rotate
from .fill import inpaint, invert_mask, margins_for_aspect, outpaint
from .upscale import upscale

__all__ = [
    "MAX_OUTPUT_SIDE",
    "adjust",
    "crop",
    "crop_to_aspect",
    "flip",
    "image_to_image",
    "inpaint",
    "invert_mask",
    "margins_for_aspect",
    "outpaint",
    "remove_background",
    "resize",
    "rotate",
    "style_transfer",
    "upscale",
]
