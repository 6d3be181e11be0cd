"""What the catalog's capability tags and categories are called on pages (the models page, the usage page's cost
table). A leaf module: anything may import it without pulling in the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CAPABILITIES: dict[str, StrOrPromise] = {
    "text-to-image": _("Text to image"),
    "image-to-image": _("Image to image"),
    "inpainting": _("Inpainting"),
    "outpainting": _("Outpainting"),
    "upscale": _("Upscale"),
    "background-removal": _("Background removal"),
    "style-transfer": _("Style transfer"),
    "style-reference": _("Style reference"),
    "edit": _("Edits"),
    "lora": _("LoRA"),
    "controlnet": _("ControlNet"),
    "ip-adapter": _("IP-Adapter"),
    "realtime": _("Real-time"),
    "video": _("Video"),
    "image-to-video": _("Image to video"),
    "training": _("Training"),
}
