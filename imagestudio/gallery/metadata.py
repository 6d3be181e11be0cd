"""Generation metadata written into image files: an A1111-style `parameters` infotext (read by A1111,
Civitai, ComfyUI's loader, image browsers), our own versioned JSON block, and XMP with the IPTC digital
source type — for PNG, JPEG and WebP — inserted without re-encoding pixels (see `interop.containers`).

Where each part goes:
- PNG: `parameters` (tEXt, or iTXt when not Latin-1, as Pillow's `add_text` does), `imagestudio_metadata`
  (iTXt, our JSON) and `XML:com.adobe.xmp` (iTXt, XMP).
- JPEG: EXIF `UserComment` (UNICODE, UTF-16BE, as A1111 writes it) holds the infotext; an XMP APP1
  segment holds the digital source type and our JSON in the `imagestudio:Metadata` property. Each APP1
  segment holds at most 64 KB, so JPEGs get a compact form (long prompts shortened, the raw parameter
  dict dropped); the full recipe always lives in the database.
- WebP: an `EXIF` chunk (UserComment, as A1111 does with piexif) and an `XMP ` chunk (no size limit).

IPTC: `Iptc4xmpExt:DigitalSourceType` with the full URI from http://cv.iptc.org/newscodes/digitalsourcetype/
(trainedAlgorithmicMedia for generations, compositeWithTrainedAlgorithmicMedia for edits of a user's
upload), plus `Iptc4xmpExt:AISystemUsed` / `AISystemVersionUsed` / `AIPromptInformation` (IPTC Photo
Metadata 2025.1).

Pure functions: no Django.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from PIL.PngImagePlugin import PngInfo

from imagestudio.gallery.interop import containers, exif

SCHEMA_VERSION = 2
APP_NAME = "AI Image Studio"
APP_VERSION = "1"
IPTC_CV = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC_CV + "trainedAlgorithmicMedia"
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = IPTC_CV + "compositeWithTrainedAlgorithmicMedia"
STUDIO_NS = "https://imagestudio.dev/ns/1.0/"
PNG_JSON_KEY = "imagestudio_metadata"
PNG_XMP_KEY = "XML:com.adobe.xmp"
# What a JPEG APP1 segment can hold, minus headroom for the headers around the payload.
JPEG_EXIF_TEXT_BUDGET = (containers.JPEG_SEGMENT_MAX - 512) // 2  # UTF-16: two bytes a character
JPEG_XMP_BUDGET = containers.JPEG_SEGMENT_MAX - len(containers.XMP_JPEG_HEADER) - 64


def source_type_uri(source_type: str) -> str:
    return source_type if source_type.startswith("http") else IPTC_CV + source_type


def _quote(value: object) -> str:
    """A1111's `quote()`: values with `,`, `:` or a newline become JSON strings."""
    text = str(value)
    if any(ch in text for ch in ",:\n"):
        return json.dumps(text, ensure_ascii=False)
    return text


def a1111_infotext(recipe: dict) -> str:
    """`prompt\\nNegative prompt: …\\nSteps: 20, Sampler: …, CFG scale: 7, Seed: 1, Size: 1024x1024, Model: …`."""
    pairs = [
        ("Steps", recipe.get("steps")),
        ("Sampler", recipe.get("sampler")),
        ("Schedule type", recipe.get("scheduler")),
        ("CFG scale", recipe.get("guidance")),
        ("Seed", recipe.get("seed")),
        ("Size", f"{recipe['width']}x{recipe['height']}" if recipe.get("width") else None),
        ("Model", recipe.get("model")),
        ("Denoising strength", recipe.get("strength")),
        ("Style", recipe.get("style")),
        ("Version", recipe.get("app")),
    ]
    params_line = ", ".join(f"{key}: {_quote(value)}" for key, value in pairs if value not in (None, ""))
    text = recipe.get("prompt", "") or ""
    if recipe.get("negative_prompt"):
        text += "\nNegative prompt: " + recipe["negative_prompt"]
    return (text + "\n" + params_line).strip()


def studio_json(recipe: dict) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, **recipe}, ensure_ascii=False, sort_keys=True, default=str)


def xmp_packet(
    source_type: str | None = TRAINED_ALGORITHMIC_MEDIA,
    system: str = APP_NAME,
    recipe: dict | None = None,
) -> str:
    """An XMP packet with the IPTC digital source type (when known) and, given a recipe, our JSON."""
    props = []
    if source_type:
        props.append(
            f"<Iptc4xmpExt:DigitalSourceType>{escape(source_type_uri(source_type))}</Iptc4xmpExt:DigitalSourceType>"
        )
        props.append(f"<Iptc4xmpExt:AISystemUsed>{escape(system)}</Iptc4xmpExt:AISystemUsed>")
        props.append(f"<Iptc4xmpExt:AISystemVersionUsed>{APP_VERSION}</Iptc4xmpExt:AISystemVersionUsed>")
    if recipe is not None:
        if recipe.get("prompt"):
            props.append(
                f"<Iptc4xmpExt:AIPromptInformation>{escape(recipe['prompt'])}</Iptc4xmpExt:AIPromptInformation>"
            )
        props.append(f"<xmp:CreatorTool>{escape(system)}</xmp:CreatorTool>")
        props.append(f"<imagestudio:Metadata>{escape(studio_json(recipe))}</imagestudio:Metadata>")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
        f' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:imagestudio="{STUDIO_NS}">'
        + "".join(props)
        + '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def png_info(recipe: dict) -> PngInfo:
    """The same three parts as a Pillow PngInfo (for callers that encode a PNG themselves)."""
    info = PngInfo()
    info.add_text("parameters", a1111_infotext(recipe))
    info.add_itxt(PNG_JSON_KEY, studio_json(recipe))
    info.add_itxt(PNG_XMP_KEY, xmp_packet(recipe.get("source_type", TRAINED_ALGORITHMIC_MEDIA)))
    return info


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def compact_recipe(recipe: dict, budget: int) -> dict:
    """A recipe whose JSON fits `budget` bytes: drop the raw parameter dict, then shorten the prompts."""
    if len(studio_json(recipe).encode()) <= budget:
        return recipe
    small = {key: value for key, value in recipe.items() if key not in ("parameters", "import")}
    small["compact"] = True
    limit = 8000
    while len(studio_json(small).encode()) > budget and limit > 16:
        small["prompt"] = _shorten(recipe.get("prompt") or "", limit)
        small["negative_prompt"] = _shorten(recipe.get("negative_prompt") or "", limit // 2)
        limit //= 2
    return small


def _jpeg_parts(recipe: dict, source_type: str | None) -> tuple[bytes, bytes]:
    text = a1111_infotext(recipe)
    limit = 16000
    while len(text.encode("utf-16-be")) > JPEG_EXIF_TEXT_BUDGET * 2 and limit > 16:
        shorter = {**recipe, "prompt": _shorten(recipe.get("prompt") or "", limit)}
        shorter["negative_prompt"] = _shorten(recipe.get("negative_prompt") or "", limit // 2)
        text = a1111_infotext(shorter)
        limit //= 2
    exif_block = exif.build_exif(text, software=APP_NAME)
    budget = JPEG_XMP_BUDGET - len(xmp_packet(source_type, recipe={}).encode())
    # XML escaping can grow the JSON (quotes become &quot;): leave a third of the budget for it.
    xmp = xmp_packet(source_type, recipe=compact_recipe(recipe, budget * 2 // 3)).encode()
    while len(xmp) > JPEG_XMP_BUDGET:
        budget //= 2
        xmp = xmp_packet(source_type, recipe=compact_recipe(recipe, budget)).encode()
    return exif_block, xmp


def embed(
    data: bytes,
    fmt: str,
    recipe: dict,
    *,
    source_type: str | None = TRAINED_ALGORITHMIC_MEDIA,
    extra_png_texts: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """`data` (PNG, JPEG or WebP) with our three parts inserted; pixel data is copied byte for byte."""
    if fmt == "PNG":
        texts = [
            ("parameters", a1111_infotext(recipe)),
            (PNG_JSON_KEY, studio_json(recipe)),
            (PNG_XMP_KEY, xmp_packet(source_type)),
            *extra_png_texts,
        ]
        return containers.png_replace_text(data, texts)
    if fmt == "JPEG":
        exif_block, xmp = _jpeg_parts(recipe, source_type)
        return containers.jpeg_replace_app1(data, exif_tiff=exif_block, xmp=xmp)
    if fmt == "WEBP":
        exif_block = exif.build_exif(a1111_infotext(recipe), software=APP_NAME)
        xmp = xmp_packet(source_type, recipe=recipe).encode()
        return containers.webp_replace_metadata(data, exif_tiff=exif_block, xmp=xmp)
    raise containers.ContainerError(f"Cannot embed metadata in {fmt}.")


def sidecar_xmp(recipe: dict, source_type: str | None = TRAINED_ALGORITHMIC_MEDIA) -> str:
    """A standalone .xmp sidecar: for files we must not write into (C2PA-signed outputs)."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xmp_packet(source_type, recipe=recipe)
