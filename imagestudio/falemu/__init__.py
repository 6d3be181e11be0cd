"""A local HTTPS emulator of fal.ai's queue API, for testing the real fal_client offline.

    emu = start_in_thread(latency=0.05)        # or: python -m imagestudio.falemu --port 8443
    os.environ.update(emu.env())               # before `import fal_client`
    emu.configure(fail_next={"kind": "429", "count": 2, "op": "submit"})
    emu.stats(); emu.reset(); emu.stop()

Pure Python (stdlib http.server + ssl, trustme, cryptography, Pillow/numpy); imports no Django.
"""

from .config import FAULT_KINDS, OPS, EmulatorConfig
from .server import Emulator, free_port, start_in_thread

__all__ = ["FAULT_KINDS", "OPS", "Emulator", "EmulatorConfig", "free_port", "start_in_thread"]
