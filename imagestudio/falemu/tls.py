"""Test CA and server certificate (trustme) for the emulator's HTTPS listener.

Files in the certs dir: ca.pem (point SSL_CERT_FILE at it), server.pem (key + chain, server side),
ca-bundle.pem (public roots + test CA, for processes that must also reach real HTTPS hosts).
Existing files are reused so a client configured once keeps trusting a restarted emulator.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import certifi
import trustme

CA_FILE = "ca.pem"
SERVER_FILE = "server.pem"
BUNDLE_FILE = "ca-bundle.pem"


def ensure_certs(certs_dir: Path) -> tuple[Path, ssl.SSLContext]:
    """Return the CA path and a server context, creating the certificates if needed."""
    certs_dir.mkdir(parents=True, exist_ok=True)
    ca_path, server_path = certs_dir / CA_FILE, certs_dir / SERVER_FILE
    if ca_path.exists() and server_path.exists():
        try:
            return ca_path, _server_context(server_path)
        except (ssl.SSLError, OSError):
            pass  # unreadable or mismatched files: make fresh ones
    _write_certs(certs_dir)
    return ca_path, _server_context(server_path)


def _write_certs(certs_dir: Path) -> None:
    # Python 3.13 rejects certificates without key identifiers; trustme adds them.
    ca = trustme.CA(organization_name="imagestudio fal emulator")
    server = ca.issue_cert("127.0.0.1", "localhost")
    _atomic_write(certs_dir / SERVER_FILE, server.private_key_and_cert_chain_pem.bytes(), private=True)
    ca_pem = ca.cert_pem.bytes()
    _atomic_write(certs_dir / CA_FILE, ca_pem)
    _atomic_write(certs_dir / BUNDLE_FILE, Path(certifi.where()).read_bytes() + b"\n" + ca_pem)


def _atomic_write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write then rename, so a client reading SSL_CERT_FILE never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    if private:
        tmp.chmod(0o600)
    os.replace(tmp, path)


def _server_context(server_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(server_path))
    return context
