"""Generation metadata written into image files: an A1111-style `parameters` infotext (read by A1111,
Civitai, image browsers), our own versioned JSON, and the IPTC digital source type in XMP.

Pure functions: no Django.
"""

from __future__ import annotations

import json

from PIL.PngImagePlugin import PngInfo

SCHEMA_VERSION = 1
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def _quote(value: object) -> str:
    text = str(value)
    if any(ch in text for ch in ",:\n"):
        return json.dumps(text, ensure_ascii=False)
    return text


def a1111_infotext(recipe: dict) -> str:
    """`prompt\\nNegative prompt: …\\nSteps: 20, CFG scale: 7, Seed: 1, Size: 1024x1024, Model: …`."""
    pairs = [
        ("Steps", recipe.get("steps")),
        ("Sampler", recipe.get("sampler")),
        ("CFG scale", recipe.get("guidance")),
        ("Seed", recipe.get("seed")),
        ("Size", f"{recipe['width']}x{recipe['height']}" if recipe.get("width") else None),
        ("Model", recipe.get("model")),
        ("Style", recipe.get("style")),
        ("Version", recipe.get("app")),
    ]
    params_line = ", ".join(f"{key}: {_quote(value)}" for key, value in pairs if value not in (None, ""))
    text = recipe.get("prompt", "")
    if recipe.get("negative_prompt"):
        text += "\nNegative prompt: " + recipe["negative_prompt"]
    return (text + "\n" + params_line).strip()


def studio_json(recipe: dict) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, **recipe}, ensure_ascii=False, sort_keys=True)


def xmp_packet(source_type: str = TRAINED_ALGORITHMIC_MEDIA, system: str = "AI Image Studio") -> str:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
        f"<Iptc4xmpExt:DigitalSourceType>{source_type}</Iptc4xmpExt:DigitalSourceType>"
        f"<Iptc4xmpExt:AISystemUsed>{system}</Iptc4xmpExt:AISystemUsed>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def png_info(recipe: dict) -> PngInfo:
    info = PngInfo()
    info.add_text("parameters", a1111_infotext(recipe))
    info.add_itxt("imagestudio_metadata", studio_json(recipe))
    info.add_itxt("XML:com.adobe.xmp", xmp_packet())
    return info
