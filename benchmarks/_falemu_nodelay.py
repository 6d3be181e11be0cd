"""The fal emulator with TCP_NODELAY on its connections (used by the benchmarks' --emulator-nodelay).

The stock emulator writes each response's headers and body with two separate sendall() calls on a
socket that keeps Nagle's algorithm on, so the body waits for the client's delayed ACK: every answer
takes ~40 ms extra on loopback. This launcher only disables Nagle on accepted sockets, then runs the
normal CLI (`python -m imagestudio.falemu` arguments). Nothing in imagestudio/ is changed.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imagestudio.falemu import server
from imagestudio.falemu.__main__ import main

_finish_request = server._TLSServer.finish_request


def _finish_request_nodelay(self, request, client_address):
    with contextlib.suppress(OSError):
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return _finish_request(self, request, client_address)


server._TLSServer.finish_request = _finish_request_nodelay

if __name__ == "__main__":
    sys.exit(main())
