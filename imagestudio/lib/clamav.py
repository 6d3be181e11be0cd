"""A small client for clamd's INSTREAM command: scan bytes for malware before anything is stored.

Pure (no Django): callers pass the address. The protocol (clamd(8)): send `zINSTREAM\\0`, then the data
as chunks, each a 4-byte big-endian length followed by that many bytes, then a zero-length chunk; clamd
answers one NUL-terminated line: `stream: OK`, `stream: <signature> FOUND`, or `... ERROR` (for example
`INSTREAM size limit exceeded. ERROR` when the stream passes clamd's StreamMaxLength).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

CHUNK = 64 * 1024
MAX_REPLY = 4096


class ScannerUnavailable(Exception):
    """clamd could not be reached, or answered something other than a verdict."""


@dataclass(frozen=True)
class Address:
    """Where clamd listens: a unix socket path, or a TCP host and port."""

    unix_path: str = ""
    host: str = ""
    port: int = 3310

    @property
    def configured(self) -> bool:
        return bool(self.unix_path or self.host)


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""  # the name clamd reports when not clean


def _connect(address: Address, timeout: float) -> socket.socket:
    if address.unix_path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address.unix_path)
        except OSError:
            sock.close()
            raise
        return sock
    return socket.create_connection((address.host, address.port), timeout=timeout)


def _read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
        part = sock.recv(1024)
        if not part:
            break
        reply += part
    return reply.rstrip(b"\0\n").decode("utf-8", errors="replace").strip()


def parse_reply(reply: str) -> Verdict:
    """`stream: OK` → clean; `stream: Eicar-Signature FOUND` → not clean; anything else is an error."""
    _, _, status = reply.partition(": ")
    status = status or reply
    if status == "OK":
        return Verdict(clean=True)
    if status.endswith(" FOUND"):
        return Verdict(clean=False, signature=status[: -len(" FOUND")].strip())
    raise ScannerUnavailable(f"clamd answered: {reply or '(nothing)'}")


def scan_bytes(data: bytes, address: Address, *, timeout: float = 30.0) -> Verdict:
    """Stream `data` to clamd and return its verdict; raises ScannerUnavailable when it cannot tell."""
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(struct.pack(">I", 0))
            reply = _read_reply(sock)
    except OSError as exc:
        raise ScannerUnavailable(f"clamd is unreachable ({exc})") from exc
    return parse_reply(reply)
