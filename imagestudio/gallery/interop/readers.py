"""Readers for the metadata other studios embed, turned into one shape (`ParsedMetadata`).

Format facts (public descriptions; no code copied):
- AUTOMATIC1111 / Forge / SD.Next: `parameters` text (PNG text chunk; EXIF UserComment in JPEG/WebP).
  Prompt lines, then optional `Negative prompt:` lines, then one `Key: value, Key: value` line which
  counts only when the regex below finds at least 3 pairs. Quoted values are JSON strings; `WxH` values
  are sizes. Prompts keep A1111's attention syntax verbatim (`(word:1.2)`, escaped `\\(` `\\)`), and
  `<lora:name:weight>` tags are listed as LoRAs. `Hires …` keys are the hires-fix pass.
- ComfyUI: `prompt` (API graph: {id: {class_type, inputs}}, links are [node_id, output_index]) and
  `workflow` (editor graph: nodes with widgets_values, links [id, from, from_slot, to, to_slot, type]).
  WebP/JPEG saves put `prompt:{json}` in EXIF Model and `workflow:{json}` in EXIF Make. The prompt is
  found by following the sampler that feeds the saved image, through its positive/negative inputs.
- InvokeAI: `invokeai_metadata` JSON (positive_prompt, negative_prompt, seed, width, height, steps,
  cfg_scale, scheduler, model{name,…}, loras); 2.x wrote `sd-metadata`.
- SwarmUI: JSON with `sui_image_params` (prompt, negativeprompt, model, seed, steps, cfgscale, width,
  height, …; values may be strings) in the `parameters` chunk / EXIF UserComment.
- Fooocus: `parameters` + `fooocus_scheme` ("fooocus": JSON with labelled keys; "a1111": infotext).
- NovelAI: `Software` = "NovelAI", prompt in `Description`, settings JSON in `Comment` (steps, scale,
  seed, sampler, uc = negative prompt, width, height), model in `Source`.
- Ours: `imagestudio_metadata` (PNG) or the `imagestudio:Metadata` XMP property (JPEG/WebP).
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any
from xml.sax.saxutils import unescape

from imagestudio.gallery.interop import containers, exif

SOURCES = ("imagestudio", "a1111", "comfyui", "invokeai", "swarmui", "fooocus", "novelai", "none")
SOURCE_LABELS = {
    "imagestudio": "AI Image Studio",
    "a1111": "AUTOMATIC1111 / Forge / SD.Next",
    "comfyui": "ComfyUI",
    "invokeai": "InvokeAI",
    "swarmui": "SwarmUI",
    "fooocus": "Fooocus",
    "novelai": "NovelAI",
    "none": "No generation metadata",
}


@dataclass
class ParsedMetadata:
    source: str = "none"
    prompt: str = ""
    negative_prompt: str = ""
    seed: int | None = None
    model: str | None = None
    width: int | None = None
    height: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- helpers ----------------------------------------------------------------------------------------


def _number(value: Any) -> Any:
    """Numbers from strings ("20" → 20, "7.5" → 7.5), anything else unchanged (SwarmUI values are strings)."""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?|-?\d+e-?\d+", text, flags=re.IGNORECASE):
        return float(text)
    return value


def _int(value: Any) -> int | None:
    value = _number(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _snake(key: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", key.strip().lower()).strip("_")


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _size(text: Any) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*\(?\s*(\d+)\s*[x×,]\s*(\d+)\s*\)?\s*", str(text))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value not in (None, "", [], {})}


# -- reading the fields out of a file ---------------------------------------------------------------

_XMP_STUDIO = re.compile(r"<imagestudio:Metadata>(.*?)</imagestudio:Metadata>", re.DOTALL)


def extract_fields(data: bytes) -> dict[str, str]:
    """Every text field that may hold generation metadata, by the name its writers use."""
    fmt = containers.sniff(data)
    fields: dict[str, str] = {}
    try:
        if fmt == "PNG":
            fields.update(containers.png_texts(data))
            return fields
        if fmt == "JPEG":
            tiff, xmp = containers.jpeg_app1(data)
            comment = containers.jpeg_comment(data)
            if comment:
                fields["Comment"] = comment.decode("utf-8", errors="replace")
        elif fmt == "WEBP":
            tiff, xmp = containers.webp_metadata(data)
        else:
            return fields
    except containers.ContainerError:
        return fields
    if tiff:
        for name, value in exif.read_exif(tiff).items():
            # ComfyUI's WebP/JPEG saves: "prompt:{…}" in Model, "workflow:{…}" in Make.
            head, sep, rest = value.partition(":")
            if sep and head in ("prompt", "workflow") and rest.lstrip().startswith("{"):
                fields[head] = rest
            elif name == "UserComment":
                fields["parameters"] = value
            else:
                fields[name] = value
    if xmp:
        fields["XML:com.adobe.xmp"] = xmp.decode("utf-8", errors="replace")
    return fields


def _studio_block(fields: dict[str, str]) -> dict | None:
    block = _json(fields.get("imagestudio_metadata"))
    if isinstance(block, dict):
        return block
    match = _XMP_STUDIO.search(fields.get("XML:com.adobe.xmp", ""))
    if match:
        block = _json(unescape(match.group(1), {"&quot;": '"', "&apos;": "'"}))
        if isinstance(block, dict):
            return block
    return None


# -- AUTOMATIC1111 / Forge / SD.Next ----------------------------------------------------------------

PARAM_RE = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
LORA_RE = re.compile(r"<(lora|lyco):([^:>]+)(?::([^:>]+))?[^>]*>", re.IGNORECASE)
A1111_KEYS = {
    "steps": "steps",
    "sampler": "sampler",
    "schedule type": "scheduler",
    "cfg scale": "guidance_scale",
    "model hash": "model_hash",
    "denoising strength": "denoising_strength",
    "clip skip": "clip_skip",
}


def loras_in(prompt: str) -> list[dict[str, Any]]:
    out = []
    for _kind, name, weight in LORA_RE.findall(prompt):
        number = _number(weight) if weight else 1.0
        out.append({"name": name.strip(), "weight": number if isinstance(number, (int, float)) else 1.0})
    return out


def parse_a1111(text: str, source: str = "a1111") -> ParsedMetadata:
    lines = text.strip().replace("\r\n", "\n").split("\n")
    pairs = PARAM_RE.findall(lines[-1]) if lines else []
    if len(pairs) >= 3:
        lines = lines[:-1]
    else:
        pairs = []
    prompt_lines: list[str] = []
    negative_lines: list[str] = []
    negative = False
    for line in lines:
        if line.strip().startswith("Negative prompt:"):
            negative = True
            line = line.strip()[len("Negative prompt:") :].strip()
        (negative_lines if negative else prompt_lines).append(line)

    result = ParsedMetadata(
        source=source, prompt="\n".join(prompt_lines).strip(), negative_prompt="\n".join(negative_lines).strip()
    )
    params: dict[str, Any] = {}
    hires: dict[str, Any] = {}
    raw_pairs: dict[str, Any] = {}
    for key, value in pairs:
        key = key.strip()
        value = value.strip()
        if value.startswith('"') and value.endswith('"'):
            decoded = _json(value)
            value = decoded if isinstance(decoded, str) else value
        raw_pairs[key] = value
        lowered = key.lower()
        if lowered == "seed":
            result.seed = _int(value)
        elif lowered == "size" and _size(value):
            result.width, result.height = _size(value)  # type: ignore[misc]
        elif lowered == "model":
            result.model = value
        elif lowered in A1111_KEYS:
            params[A1111_KEYS[lowered]] = _number(value)
        elif lowered.startswith("hires "):
            sub = _snake(key[6:])
            size = _size(value)
            if sub == "resize" and size:
                hires["resize_width"], hires["resize_height"] = size
            else:
                hires[sub] = _number(value)
        elif lowered == "lora hashes":
            params["lora_hashes"] = dict(
                (part.split(":", 1)[0].strip(), part.split(":", 1)[1].strip())
                for part in value.split(",")
                if ":" in part
            )
        else:
            params[_snake(key)] = _number(value)
    if hires:
        params["hires"] = hires
    loras = loras_in(result.prompt)
    if loras:
        params["loras"] = loras
    result.parameters = _clean(params)
    result.raw = {"parameters": text, "pairs": raw_pairs}
    return result


# -- ComfyUI ----------------------------------------------------------------------------------------

OUTPUT_TYPES = ("SaveImage", "PreviewImage", "SaveAnimatedWEBP", "Image Save", "SaveImageWebsocket")
TEXT_KEYS = ("text", "text_g", "text_l", "t5xxl", "clip_l", "prompt", "string", "value", "text_positive")
CONDITIONING_KEYS = (
    "conditioning",
    "conditioning_1",
    "conditioning_2",
    "conditioning_to",
    "conditioning_from",
    "positive",
    "base_positive",
    "cond",
    "cond1",
)
# Editor-graph widget order for the nodes whose values we need (ComfyUI nodes.py INPUT_TYPES order).
WIDGETS = {
    "KSampler": ["seed", "control_after_generate", "steps", "cfg", "sampler_name", "scheduler", "denoise"],
    "KSamplerAdvanced": [
        "add_noise",
        "noise_seed",
        "control_after_generate",
        "steps",
        "cfg",
        "sampler_name",
        "scheduler",
        "start_at_step",
        "end_at_step",
        "return_with_leftover_noise",
    ],
    "CLIPTextEncode": ["text"],
    "CLIPTextEncodeSDXL": ["width", "height", "crop_w", "crop_h", "target_width", "target_height", "text_g", "text_l"],
    "EmptyLatentImage": ["width", "height", "batch_size"],
    "EmptySD3LatentImage": ["width", "height", "batch_size"],
    "CheckpointLoaderSimple": ["ckpt_name"],
    "UNETLoader": ["unet_name", "weight_dtype"],
    "LoraLoader": ["lora_name", "strength_model", "strength_clip"],
    "LoraLoaderModelOnly": ["lora_name", "strength_model"],
    "RandomNoise": ["noise_seed", "control_after_generate"],
    "BasicScheduler": ["scheduler", "steps", "denoise"],
    "KSamplerSelect": ["sampler_name"],
    "CFGGuider": ["cfg"],
    "FluxGuidance": ["guidance"],
    "PrimitiveNode": ["value"],
}


def _is_link(value: Any) -> bool:
    return (
        isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, int)) and isinstance(value[1], int)
    )


def workflow_to_prompt(workflow: dict) -> dict[str, dict]:
    """The editor graph in the API graph's shape (enough of it to find prompts and settings)."""
    links = {}
    for link in workflow.get("links") or []:
        if isinstance(link, list) and len(link) >= 3:
            links[link[0]] = [str(link[1]), link[2]]
        elif isinstance(link, dict):
            links[link.get("id")] = [str(link.get("origin_id")), link.get("origin_slot", 0)]
    graph: dict[str, dict] = {}
    for node in workflow.get("nodes") or []:
        if not isinstance(node, dict):
            continue
        inputs: dict[str, Any] = {}
        widgets = node.get("widgets_values")
        names = WIDGETS.get(str(node.get("type")))
        if isinstance(widgets, dict):
            inputs.update(widgets)
        elif isinstance(widgets, list) and names:
            inputs.update(zip(names, widgets, strict=False))
        elif isinstance(widgets, list) and widgets:
            inputs["value"] = widgets[0]
        for item in node.get("inputs") or []:
            if isinstance(item, dict) and item.get("link") in links:
                inputs[item.get("name", "")] = links[item["link"]]
        graph[str(node.get("id"))] = {"class_type": node.get("type"), "inputs": inputs}
    return graph


class _Graph:
    def __init__(self, nodes: dict[str, dict]):
        self.nodes = {str(k): v for k, v in nodes.items() if isinstance(v, dict) and "class_type" in v}

    def node(self, ref: Any) -> dict | None:
        return self.nodes.get(str(ref[0])) if _is_link(ref) else None

    def inputs(self, node: dict | None) -> dict:
        value = (node or {}).get("inputs")
        return value if isinstance(value, dict) else {}

    def is_sampler(self, node: dict) -> bool:
        kind = str(node.get("class_type", ""))
        keys = self.inputs(node)
        return "Sampler" in kind and ("positive" in keys or "guider" in keys)

    def sampler(self) -> dict | None:
        """The sampler nearest upstream of the saved image (breadth-first over every input link)."""
        outputs = [n for n in self.nodes.values() if n.get("class_type") in OUTPUT_TYPES]
        seen: set[str] = set()
        queue = deque(outputs)
        while queue:
            node = queue.popleft()
            if self.is_sampler(node):
                return node
            for value in self.inputs(node).values():
                if _is_link(value) and str(value[0]) not in seen:
                    seen.add(str(value[0]))
                    target = self.node(value)
                    if target is not None:
                        queue.append(target)
        # No output node: the sampler whose result no other sampler consumes.
        samplers = [n for n in self.nodes.values() if self.is_sampler(n)]
        consumed = {str(v[0]) for n in samplers for v in self.inputs(n).values() if _is_link(v)}
        terminal = [n for key, n in self.nodes.items() if n in samplers and key not in consumed]
        candidates = terminal or samplers
        return candidates[0] if candidates else None

    def scalar(self, value: Any, keys: tuple[str, ...], depth: int = 0) -> Any:
        """A widget value, following a link to a primitive/converted-widget node when needed."""
        if not _is_link(value):
            return value
        if depth > 8:
            return None
        inputs = self.inputs(self.node(value))
        for key in (*keys, "value", "int", "seed", "number", "float", "string", "text"):
            if key in inputs:
                return self.scalar(inputs[key], keys, depth + 1)
        return None

    def text(self, ref: Any, depth: int = 0) -> str:
        """The prompt text behind a conditioning input: text encoders, combined and set-area nodes."""
        node = self.node(ref)
        if node is None or depth > 24:
            return ""
        inputs = self.inputs(node)
        parts: list[str] = []
        for key in TEXT_KEYS:
            if key in inputs:
                value = self.scalar(inputs[key], ("text", "string", "value"))
                if isinstance(value, str) and value.strip() and value.strip() not in parts:
                    parts.append(value.strip())
        if parts:
            return ", ".join(parts)
        for key in CONDITIONING_KEYS:
            if key in inputs and _is_link(inputs[key]):
                text = self.text(inputs[key], depth + 1)
                if text and text not in parts:
                    parts.append(text)
        return ", ".join(parts)

    def model_chain(self, ref: Any) -> tuple[str | None, list[dict]]:
        """The checkpoint/UNet behind a model input, and the LoRAs on the way."""
        loras: list[dict] = []
        node = self.node(ref)
        for _ in range(32):
            if node is None:
                break
            inputs = self.inputs(node)
            if isinstance(inputs.get("lora_name"), str):
                loras.append({"name": inputs["lora_name"], "weight": _number(inputs.get("strength_model", 1.0))})
            for key in ("ckpt_name", "unet_name", "model_name"):
                if isinstance(inputs.get(key), str):
                    return inputs[key], loras
            node = self.node(inputs.get("model"))
        return None, loras

    def latent_size(self, ref: Any) -> tuple[int | None, int | None]:
        node = self.node(ref)
        for _ in range(16):
            if node is None:
                break
            inputs = self.inputs(node)
            if "width" in inputs and "height" in inputs and "Empty" in str(node.get("class_type")):
                return _int(self.scalar(inputs["width"], ("width",))), _int(self.scalar(inputs["height"], ("height",)))
            node = self.node(inputs.get("samples") or inputs.get("latent_image") or inputs.get("latent"))
        return None, None


def parse_comfyui(prompt_json: Any, workflow_json: Any) -> ParsedMetadata | None:
    graph_source = prompt_json if isinstance(prompt_json, dict) else None
    if graph_source is None and isinstance(workflow_json, dict):
        graph_source = workflow_to_prompt(workflow_json)
    if not graph_source:
        return None
    graph = _Graph(graph_source)
    sampler = graph.sampler()
    result = ParsedMetadata(source="comfyui")
    if sampler is None:
        return result
    inputs = graph.inputs(sampler)
    positive, negative = inputs.get("positive"), inputs.get("negative")
    params: dict[str, Any] = {"sampler_node": sampler.get("class_type")}
    model_ref = inputs.get("model")
    guider = graph.node(inputs.get("guider"))
    if guider is not None:  # SamplerCustomAdvanced: the guider holds conditioning, cfg and model
        g_inputs = graph.inputs(guider)
        positive = g_inputs.get("positive") or g_inputs.get("conditioning") or g_inputs.get("cond1")
        negative = g_inputs.get("negative")
        params["guidance_scale"] = _number(graph.scalar(g_inputs.get("cfg"), ("cfg",)))
        model_ref = g_inputs.get("model", model_ref)
    noise = graph.inputs(graph.node(inputs.get("noise")))
    sigmas = graph.inputs(graph.node(inputs.get("sigmas")))
    sampler_select = graph.inputs(graph.node(inputs.get("sampler")))
    seed = inputs.get("seed", inputs.get("noise_seed", noise.get("noise_seed")))
    result.seed = _int(graph.scalar(seed, ("seed", "noise_seed")))
    params["steps"] = _number(graph.scalar(inputs.get("steps", sigmas.get("steps")), ("steps",)))
    if "cfg" in inputs:
        params["guidance_scale"] = _number(graph.scalar(inputs["cfg"], ("cfg",)))
    sampler_name = inputs.get("sampler_name", sampler_select.get("sampler_name"))
    params["sampler"] = graph.scalar(sampler_name, ("sampler_name",))
    params["scheduler"] = graph.scalar(inputs.get("scheduler", sigmas.get("scheduler")), ("scheduler",))
    denoise = inputs.get("denoise", sigmas.get("denoise"))
    if denoise is not None and _number(graph.scalar(denoise, ("denoise",))) != 1:
        params["denoising_strength"] = _number(graph.scalar(denoise, ("denoise",)))
    result.prompt = graph.text(positive)
    result.negative_prompt = graph.text(negative)
    result.model, loras = graph.model_chain(model_ref)
    if loras:
        params["loras"] = loras
    flux = next((graph.inputs(n) for n in graph.nodes.values() if n.get("class_type") == "FluxGuidance"), None)
    if flux is not None:
        params["guidance"] = _number(graph.scalar(flux.get("guidance"), ("guidance",)))
    result.width, result.height = graph.latent_size(inputs.get("latent_image"))
    result.parameters = _clean(params)
    return result


# -- InvokeAI, SwarmUI, Fooocus, NovelAI, ours -----------------------------------------------------


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("name") or value.get("model_name") or value.get("key")
    return value if isinstance(value, str) and value else None


def parse_invokeai(meta: dict) -> ParsedMetadata:
    if "image" in meta and isinstance(meta["image"], dict):  # 2.x `sd-metadata`
        image = meta["image"]
        prompt = image.get("prompt")
        if isinstance(prompt, list):
            prompt = " ".join(str(p.get("prompt", "")) for p in prompt if isinstance(p, dict))
        return ParsedMetadata(
            source="invokeai",
            prompt=str(prompt or ""),
            seed=_int(image.get("seed")),
            model=_name(meta.get("model_weights")),
            width=_int(image.get("width")),
            height=_int(image.get("height")),
            parameters=_clean(
                {
                    "steps": _number(image.get("steps")),
                    "guidance_scale": _number(image.get("cfg_scale")),
                    "sampler": image.get("sampler"),
                }
            ),
        )
    loras = []
    for lora in meta.get("loras") or []:
        if isinstance(lora, dict):
            loras.append(
                {"name": _name(lora.get("model") or lora.get("lora")), "weight": _number(lora.get("weight", 1))}
            )
    params = {
        "steps": _number(meta.get("steps")),
        "guidance_scale": _number(meta.get("cfg_scale")),
        "scheduler": meta.get("scheduler"),
        "sampler": meta.get("scheduler"),
        "cfg_rescale_multiplier": _number(meta.get("cfg_rescale_multiplier")),
        "denoising_strength": _number(meta.get("strength")),
        "generation_mode": meta.get("generation_mode"),
        "positive_style_prompt": meta.get("positive_style_prompt"),
        "negative_style_prompt": meta.get("negative_style_prompt"),
        "vae": _name(meta.get("vae")),
        "rand_device": meta.get("rand_device"),
        "app_version": meta.get("app_version"),
        "loras": loras,
    }
    return ParsedMetadata(
        source="invokeai",
        prompt=str(meta.get("positive_prompt") or ""),
        negative_prompt=str(meta.get("negative_prompt") or ""),
        seed=_int(meta.get("seed")),
        model=_name(meta.get("model")),
        width=_int(meta.get("width")),
        height=_int(meta.get("height")),
        parameters=_clean(params),
    )


SWARM_KEYS = {
    "steps": "steps",
    "cfgscale": "guidance_scale",
    "sampler": "sampler",
    "scheduler": "scheduler",
    "aspectratio": "aspect_ratio",
    "initimagecreativity": "denoising_strength",
    "clipstopatlayer": "clip_skip",
}


def parse_swarmui(data: dict) -> ParsedMetadata:
    params = data.get("sui_image_params") or {}
    out: dict[str, Any] = {}
    skip = {"prompt", "negativeprompt", "model", "seed", "width", "height"}
    for key, value in params.items():
        if key not in skip:
            out[SWARM_KEYS.get(key, _snake(key))] = _number(value)
    return ParsedMetadata(
        source="swarmui",
        prompt=str(params.get("prompt") or ""),
        negative_prompt=str(params.get("negativeprompt") or ""),
        seed=_int(params.get("seed")),
        model=params.get("model") or None,
        width=_int(params.get("width")),
        height=_int(params.get("height")),
        parameters=_clean(out),
    )


FOOOCUS_KEYS = {
    "guidance_scale": "guidance_scale",
    "steps": "steps",
    "sampler": "sampler",
    "scheduler": "scheduler",
    "sharpness": "sharpness",
    "performance": "performance",
    "styles": "styles",
    "refiner_model": "refiner_model",
    "refiner_switch": "refiner_switch",
    "adm_guidance": "adm_guidance",
    "version": "version",
    "vae": "vae",
    "clip_skip": "clip_skip",
}


def parse_fooocus(data: dict) -> ParsedMetadata:
    norm = {_snake(key): value for key, value in data.items()}
    result = ParsedMetadata(
        source="fooocus",
        prompt=str(norm.get("prompt") or ""),
        negative_prompt=str(norm.get("negative_prompt") or ""),
        seed=_int(norm.get("seed")),
        model=norm.get("base_model") or None,
    )
    size = _size(norm.get("resolution", ""))
    if size:
        result.width, result.height = size
    params = {ours: _number(norm[key]) for key, ours in FOOOCUS_KEYS.items() if key in norm}
    loras = []
    for key, value in norm.items():
        if key.startswith("lora") and isinstance(value, str) and ":" in value:
            name, _, weight = value.rpartition(":")
            loras.append({"name": name.strip(), "weight": _number(weight.strip())})
    if isinstance(norm.get("loras"), list):
        loras += [
            {"name": str(item[0]), "weight": _number(item[1])}
            for item in norm["loras"]
            if isinstance(item, list) and len(item) >= 2
        ]
    params["loras"] = loras
    result.parameters = _clean(params)
    return result


def parse_novelai(fields: dict[str, str]) -> ParsedMetadata:
    comment = _json(fields.get("Comment")) or {}
    prompt = fields.get("Description") or comment.get("prompt") or ""
    if not prompt and isinstance(comment.get("v4_prompt"), dict):
        prompt = comment["v4_prompt"].get("caption", {}).get("base_caption", "")
    negative = comment.get("uc") or ""
    if not negative and isinstance(comment.get("v4_negative_prompt"), dict):
        negative = comment["v4_negative_prompt"].get("caption", {}).get("base_caption", "")
    params = {
        "steps": _number(comment.get("steps")),
        "guidance_scale": _number(comment.get("scale")),
        "sampler": comment.get("sampler"),
        "scheduler": comment.get("noise_schedule"),
        "cfg_rescale": _number(comment.get("cfg_rescale")),
        "denoising_strength": _number(comment.get("strength")),
        "noise": _number(comment.get("noise")),
    }
    return ParsedMetadata(
        source="novelai",
        prompt=str(prompt),
        negative_prompt=str(negative),
        seed=_int(comment.get("seed")),
        model=fields.get("Source") or None,
        width=_int(comment.get("width")),
        height=_int(comment.get("height")),
        parameters=_clean(params),
    )


def parse_studio(block: dict) -> ParsedMetadata:
    raw_params = block.get("parameters")
    if not isinstance(raw_params, dict):
        raw_params = {}
    params = {key: value for key, value in raw_params.items() if key not in ("seed", "prompt", "negative_prompt")}
    if "num_inference_steps" in params:
        params["steps"] = params.pop("num_inference_steps")
    for key, ours in (
        ("steps", "steps"),
        ("guidance", "guidance_scale"),
        ("sampler", "sampler"),
        ("scheduler", "scheduler"),
        ("style", "style"),
        ("strength", "denoising_strength"),
    ):
        if block.get(key) not in (None, ""):
            params[ours] = block[key]
    return ParsedMetadata(
        source="imagestudio",
        prompt=str(block.get("prompt") or ""),
        negative_prompt=str(block.get("negative_prompt") or ""),
        seed=_int(block.get("seed")),
        model=block.get("model") or None,
        width=_int(block.get("width")),
        height=_int(block.get("height")),
        parameters=_clean(params),
    )


# -- one entry point --------------------------------------------------------------------------------

RAW_KEYS = (
    "parameters",
    "prompt",
    "workflow",
    "invokeai_metadata",
    "invokeai_graph",
    "sd-metadata",
    "fooocus_scheme",
    "Software",
    "Source",
    "Description",
    "Comment",
    "Title",
    "imagestudio_metadata",
)


def _raw(fields: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in RAW_KEYS:
        if key in fields:
            decoded = _json(fields[key]) if fields[key].lstrip()[:1] in ("{", "[") else None
            out[key] = decoded if decoded is not None else fields[key]
    return out


def parse_fields(fields: dict[str, str]) -> ParsedMetadata:
    raw = _raw(fields)
    block = _studio_block(fields)
    result: ParsedMetadata | None = None
    if block is not None:
        result = parse_studio(block)
        raw = {"imagestudio_metadata": block}
    elif isinstance(raw.get("prompt"), dict) or isinstance(raw.get("workflow"), dict):
        result = parse_comfyui(raw.get("prompt"), raw.get("workflow"))
    if result is None and isinstance(raw.get("invokeai_metadata"), dict):
        result = parse_invokeai(raw["invokeai_metadata"])
    if result is None and isinstance(raw.get("sd-metadata"), dict):
        result = parse_invokeai(raw["sd-metadata"])
    params_field = raw.get("parameters")
    if result is None and isinstance(params_field, dict) and "sui_image_params" in params_field:
        result = parse_swarmui(params_field)
    if result is None and fields.get("fooocus_scheme") == "fooocus" and isinstance(params_field, dict):
        result = parse_fooocus(params_field)
    if result is None and fields.get("fooocus_scheme") == "a1111" and isinstance(params_field, str):
        result = parse_a1111(params_field, source="fooocus")
    if result is None and (
        fields.get("Software", "").startswith("NovelAI")
        or (isinstance(raw.get("Comment"), dict) and "uc" in raw["Comment"])
    ):
        result = parse_novelai(fields)
    if result is None and isinstance(params_field, str) and params_field.strip():
        result = parse_a1111(params_field)
    if result is None:
        result = ParsedMetadata()
    if result.source != "a1111" or not result.raw:
        result.raw = raw
    return result


def read_metadata(data: bytes) -> ParsedMetadata:
    """Whatever generation metadata `data` carries; source "none" when there is none we know."""
    return parse_fields(extract_fields(data))
