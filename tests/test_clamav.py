"""Malware scanning of uploads with clamd's INSTREAM protocol, against a small fake clamd: a real socket
server in a thread (unix or TCP) that speaks the protocol and flags the EICAR test string. (No clamd is
installed here; this is the protocol as clamd(8) documents it.)"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import struct
import tempfile
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imagestudio.events.models import Event
from imagestudio.gallery.models import Image
from imagestudio.lib import clamav
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db

# The EICAR anti-virus test file, in two parts so this source file is not itself flagged by a scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-" + b"ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Accepts connections one at a time; records the command, the chunk lengths and the bytes streamed."""

    def __init__(self, family: int, address) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen(4)
        self.address = self.sock.getsockname()
        self.sessions: list[dict] = []
        self.reply_override: bytes | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _read_exact(self, conn: socket.socket, count: int) -> bytes:
        data = b""
        while len(data) < count:
            part = conn.recv(count - len(data))
            if not part:
                raise ConnectionError("client went away")
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed by stop()
                return
            with conn:
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        command = b""
        while not command.endswith(b"\0"):
            command += self._read_exact(conn, 1)
        chunks: list[int] = []
        data = b""
        while True:
            (length,) = struct.unpack(">I", self._read_exact(conn, 4))
            chunks.append(length)
            if length == 0:
                break
            data += self._read_exact(conn, length)
        self.sessions.append({"command": command, "chunks": chunks, "data": data})
        if self.reply_override is not None:
            reply = self.reply_override
        elif EICAR in data:
            reply = b"stream: Eicar-Signature FOUND\0"
        else:
            reply = b"stream: OK\0"
        conn.sendall(reply)

    def stop(self) -> None:
        # close() alone leaves accept() blocked on Linux; shutdown() wakes it at once.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(timeout=5)
        assert not self._thread.is_alive(), "the fake clamd did not stop"


@pytest.fixture
def unix_clamd():
    folder = tempfile.mkdtemp(prefix="clamd", dir="/tmp")  # unix socket paths are short (108 bytes)
    server = FakeClamd(socket.AF_UNIX, os.path.join(folder, "clamd.sock"))
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def tcp_clamd():
    server = FakeClamd(socket.AF_INET, ("127.0.0.1", 0))
    yield server
    server.stop()


@pytest.fixture
def scanned(settings, unix_clamd):
    """Uploads scanned by the fake clamd on its unix socket."""
    settings.CLAMAV_SOCKET = unix_clamd.address
    settings.CLAMAV_HOST = ""
    settings.CLAMAV_FAIL_OPEN = False
    return unix_clamd


def import_file(client, name: str, data: bytes):
    return client.post("/api/images/import", {"files": [SimpleUploadedFile(name, data, content_type="image/png")]})


# -- the protocol ------------------------------------------------------------------------------------


def test_a_clean_stream_is_sent_as_length_prefixed_chunks_and_answered_ok(unix_clamd):
    data = os.urandom(2 * clamav.CHUNK + 1000)
    verdict = clamav.scan_bytes(data, clamav.Address(unix_path=unix_clamd.address), timeout=5)
    assert verdict == clamav.Verdict(clean=True)
    (session,) = unix_clamd.sessions
    assert session["command"] == b"zINSTREAM\0"
    assert session["chunks"] == [clamav.CHUNK, clamav.CHUNK, 1000, 0]
    assert session["data"] == data


def test_a_signature_found_over_tcp_names_it(tcp_clamd):
    host, port = tcp_clamd.address
    verdict = clamav.scan_bytes(b"prefix " + EICAR, clamav.Address(host=host, port=port), timeout=5)
    assert verdict == clamav.Verdict(clean=False, signature="Eicar-Signature")


def test_an_error_reply_is_no_verdict(unix_clamd):
    unix_clamd.reply_override = b"INSTREAM size limit exceeded. ERROR\0"
    with pytest.raises(clamav.ScannerUnavailable, match="size limit exceeded"):
        clamav.scan_bytes(b"x" * 10, clamav.Address(unix_path=unix_clamd.address), timeout=5)


def test_an_unreachable_clamd_is_no_verdict(tmp_path):
    with pytest.raises(clamav.ScannerUnavailable, match="unreachable"):
        clamav.scan_bytes(b"x", clamav.Address(unix_path=str(tmp_path / "missing.sock")), timeout=1)


def test_replies_are_parsed_as_clamd_writes_them():
    assert clamav.parse_reply("stream: OK") == clamav.Verdict(clean=True)
    assert clamav.parse_reply("stream: Win.Test.EICAR_HDB-1 FOUND") == clamav.Verdict(False, "Win.Test.EICAR_HDB-1")
    with pytest.raises(clamav.ScannerUnavailable):
        clamav.parse_reply("")


def test_an_address_is_configured_only_with_a_socket_or_a_host():
    assert not clamav.Address().configured
    assert clamav.Address(unix_path="/run/clamd.sock").configured
    assert clamav.Address(host="127.0.0.1").configured


# -- uploads -----------------------------------------------------------------------------------------


def test_a_clean_upload_is_scanned_as_uploaded_then_stored(alice_api, scanned):
    data = png_bytes(40, 30)
    response = import_file(alice_api, "clean.png", data)
    assert response.status_code == 201, response.content
    assert [session["data"] for session in scanned.sessions] == [data]
    assert Image.objects.count() == 1


def test_an_infected_upload_is_refused_before_anything_is_stored_and_logged(alice, alice_api, scanned):
    response = import_file(alice_api, "holiday.png", png_bytes(40, 30) + EICAR)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "holiday.png: the malware scanner flagged this file (Eicar-Signature), so it was not stored.",
        "field": "files",
        "file": "holiday.png",
    }
    assert Image.objects.count() == 0
    event = Event.objects.get(verb="security.upload_blocked")
    assert (event.target_id, event.data["filename"], event.data["signature"]) == (
        str(alice.pk),
        "holiday.png",
        "Eicar-Signature",
    )


def test_an_unreachable_scanner_refuses_uploads_with_503(alice_api, settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "gone.sock")
    settings.CLAMAV_FAIL_OPEN = False
    response = import_file(alice_api, "clean.png", png_bytes(40, 30))
    assert response.status_code == 503
    assert "cannot be checked for malware right now" in response.json()["detail"]
    assert Image.objects.count() == 0


def test_fail_open_stores_uploads_while_the_scanner_is_away(alice_api, settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "gone.sock")
    settings.CLAMAV_FAIL_OPEN = True
    assert import_file(alice_api, "clean.png", png_bytes(40, 30)).status_code == 201
    assert Image.objects.count() == 1


def test_without_a_scanner_configured_nothing_is_asked(alice_api, settings, unix_clamd):
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_HOST = ""
    assert import_file(alice_api, "clean.png", png_bytes(40, 30)).status_code == 201
    assert unix_clamd.sessions == []


def test_the_import_page_refuses_an_infected_file(alice_browser, scanned):
    upload = SimpleUploadedFile("page.png", png_bytes(40, 30) + EICAR, content_type="image/png")
    response = alice_browser.post("/images/import/", {"files": [upload]})
    assert response.status_code == 422
    assert "the malware scanner flagged this file (Eicar-Signature)" in response.content.decode()
    assert Image.objects.count() == 0


def test_an_infected_image_to_image_upload_is_refused(alice_api, scanned):
    upload = io.BytesIO(png_bytes(40, 30) + EICAR)
    upload.name = "start.png"
    response = alice_api.post("/api/generate/image-to-image", {"file": upload, "prompt": "x"})
    assert response.status_code == 422
    assert response.json()["field"] == "file" and "Eicar-Signature" in response.json()["detail"]
    assert Image.objects.count() == 0
