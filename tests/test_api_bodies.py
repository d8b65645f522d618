"""Request bodies that never finish, on a real server process: a client that goes away
in the middle of its body ends the request quietly (no traceback in the log, nothing
written); a ``Content-Length`` larger than what is sent is answered 408 once the body
stops arriving, and the connection is closed instead of held."""

from __future__ import annotations

import socket
import time

from test_import_stopping import HANG, Server


def _head(method: str, path: str, server: Server, length: int, kind: str = "application/json") -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {server.key}\r\n"
            f"Content-Type: {kind}\r\nContent-Length: {length}\r\n\r\n").encode()


def test_a_client_going_away_mid_body_logs_one_line_and_no_traceback(tmp_path):
    server = Server(tmp_path)
    try:
        for method, path in (("POST", "/import?dry_run=true"), ("PUT", "/contacts/C1")):
            with socket.create_connection(("127.0.0.1", server.port)) as client:
                client.sendall(_head(method, path, server, 1000) + b'{"contacts": [')
                time.sleep(0.3)
        # the import reads its body itself (one line in the log); a JSON route's body is read
        # by FastAPI, which answers the gone client 400 without logging anything
        assert server.wait_for_log("POST /import: the client went away before its whole body arrived")
        assert server.contacts() == []  # the server still answers, after both
        log = server.log.read_text()
        assert "Traceback" not in log and "Exception in ASGI application" not in log, log
    finally:
        server.stop()


def test_a_body_shorter_than_its_content_length_is_answered_408_and_the_connection_closed(tmp_path):
    server = Server(tmp_path, POWERMAP_BODY_TIMEOUT_SECONDS="2")
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.settimeout(HANG)
            client.sendall(_head("PUT", "/contacts/C1", server, 1000) + b'{"name": ')
            answer = b""
            while chunk := client.recv(65536):  # the server closes the connection after its answer
                answer += chunk
        text = answer.decode("utf-8", "replace")
        assert text.startswith("HTTP/1.1 408"), text[:300]
        assert "connection: close" in text.lower() and "application/problem+json" in text
        assert "nothing was received for 2 s" in text
        assert server.contacts() == []
        assert "Traceback" not in server.log.read_text()
    finally:
        server.stop()
