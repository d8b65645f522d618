"""A running import stops — nothing written — when its deadline passes, when its client
goes away, and when the server is told to shut down (SIGTERM): a real server process, a
real upload of 1,000,000 contacts (many seconds of work even on a quiet machine: with 250,000
the import finished before the SIGTERM once the import got faster)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from api.sqlite_state import SqliteApiState
from builders import write_csv

POWERMAP = str(Path(sys.executable).with_name("powermap"))
ROWS = 1_000_000
#: a safety net so that a server that never stops fails the test instead of blocking the suite
HANG = 120


@pytest.fixture(scope="module")
def big_upload(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("upload")
    rows = [["id", "account_id", "name", "title"]] + [[f"P{i:07d}", "A", f"联系人{i}", "工程师"] for i in range(ROWS)]
    return write_csv(folder / "contacts.csv", rows).read_bytes()


class Server:
    def __init__(self, tmp_path: Path, **env: str):
        base = tmp_path / "base"
        base.mkdir()
        write_csv(base / "accounts.csv", [["id", "name"], ["A", "华东重工"]])
        self.db = tmp_path / "store.db"
        subprocess.run([POWERMAP, "--db", str(self.db), "import", str(base / "accounts.csv")], check=True,
                       capture_output=True)
        with SqliteApiState(tmp_path / "store.api.db") as state:
            self.key = state.create_key("writer", "write")[1]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = tmp_path / "server.log"
        self.process = subprocess.Popen(
            [POWERMAP, "--db", str(self.db), "serve", "--port", str(self.port), "--no-sign-in-link"],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env={**os.environ, **env})
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not start: " + self.log.read_text())

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def contacts(self) -> list:
        return httpx.get(self.url + "/contacts?limit=1", headers=self.auth).json()["items"]

    def wait_for_log(self, text: str, *, or_else=lambda: False) -> bool:
        """Until the log says ``text`` (True) or ``or_else()`` holds (False)."""
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline:
            if text in self.log.read_text():
                return True
            if or_else():
                return False
            time.sleep(0.1)
        raise AssertionError(f"neither {text!r} nor the alternative within {HANG} s: " + self.log.read_text())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=HANG)


def multipart(body: bytes, key: str, port: int) -> bytes:
    boundary = uuid.uuid4().hex
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"contacts.csv\"\r\n"
               "Content-Type: text/csv\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
    head = (f"POST /import HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


def test_an_import_past_its_deadline_is_stopped_and_writes_nothing(tmp_path, big_upload):
    server = Server(tmp_path, POWERMAP_IMPORT_DEADLINE_SECONDS="1")
    try:
        answer = httpx.post(server.url + "/import", headers=server.auth, timeout=HANG,
                            files=[("files", ("contacts.csv", big_upload, "text/csv"))])
        assert answer.status_code == 503, answer.text[:300]
        assert "deadline of 1 s" in answer.json()["detail"] and "nothing was written" in answer.json()["detail"]
        assert server.contacts() == []
    finally:
        server.stop()


def test_an_import_whose_client_went_away_is_stopped_and_writes_nothing(tmp_path, big_upload):
    server = Server(tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.sendall(multipart(big_upload, server.key, server.port))
            time.sleep(1.0)  # the server has the request and works on it
        stopped = server.wait_for_log("import stopped: the client disconnected", or_else=server.contacts)
        assert stopped, "the import was written after its client had gone"
        assert server.contacts() == []
    finally:
        server.stop()


def test_sigterm_stops_a_running_import_and_the_server(tmp_path, big_upload):
    server = Server(tmp_path)
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(multipart(big_upload, server.key, server.port))
        time.sleep(1.5)  # the import is running
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=HANG) is not None
        answer = client.recv(65536).decode("utf-8", "replace")
    assert "import stopped: the server is shutting down" in server.log.read_text(), server.log.read_text()
    assert answer.startswith("HTTP/1.1 503"), answer[:200]
    subprocess.run([POWERMAP, "--db", str(server.db), "accounts"], check=True, capture_output=True)
    from graph.embedded import EmbeddedStore

    with EmbeddedStore(server.db) as store:
        assert store.counts()["contacts"] == 0
