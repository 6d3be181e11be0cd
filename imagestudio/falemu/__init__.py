"""A local HTTPS emulator of fal.ai's queue API, for testing the real fal_client offline.

    emu = start_in_thread(latency=0.05)        # or: python -m imagestudio.falemu --port 8443
    os.environ.update(emu.env())               # before `import fal_client`
    emu.configure(fail_next={"kind": "429", "count": 2, "op": "submit"})
    emu.stats(); emu.reset(); emu.stop()

Image-input endpoints (image-to-image, redux, inpainting, outpainting, upscale, background removal)
load image_url/mask_url (data URIs, http(s) URLs, the emulator's own /files/ URLs; sources.py) and
work on them with the engine's image operations (operations.py); everything else renders the prompt.
fal-ai/any-llm (not an image model) answers text: a deterministic list of prompt rewrites (llm.py).

Pure Python (stdlib http.server + ssl, trustme, cryptography, Pillow/numpy, httpx for input images;
the offline engine when present); imports no Django.
"""

from .config import FAULT_KINDS, OPS, EmulatorConfig
from .server import Emulator, free_port, start_in_thread

__all__ = ["FAULT_KINDS", "OPS", "Emulator", "EmulatorConfig", "free_port", "start_in_thread"]
