"""Helpers of the HTTP API tests: an app over a temporary real embedded store with a set
of keys, the SMALL account imported (plus a second customer, X1), and a webhook
receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from api.sqlite_state import SqliteApiState
from builders import SMALL, write_workbook

#: name → (scope, pii, accounts)
KEYS = {
    "admin": ("admin", True, None),
    "writer": ("write", False, None),
    "reader": ("read", False, None),
    "pii-reader": ("read", True, None),
    "base-reader": ("read", True, ["S1"]),
    "base-writer": ("write", False, ["S1"]),
    "x-reader": ("read", False, ["X1"]),
}

#: A second customer, outside S1's tree, with a personal field.
OTHER = {
    "accounts": [{"id": "X1", "name": "西部机械", "kind": "company"}],
    "contacts": [{"id": "CX1", "account_id": "X1", "name": "赵强", "title": "总经理", "stance": 1,
                  "email": "zhao@example.cn", "phone": "13800000000"}],
    "relationships": [{"team_id": "T1", "contact_id": "CX1", "strength": 0.5}],
}


@dataclass
class Api:
    client: TestClient
    settings: ApiSettings
    secrets: dict[str, str]
    folder: Path
    app: object = None

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[name]}"}

    def get(self, path: str, key: str = "admin", **kwargs):
        return self.client.get(path, headers={**self.auth(key), **kwargs.pop("headers", {})}, **kwargs)

    def put(self, path: str, body: dict, key: str = "admin", **kwargs):
        return self.client.put(path, json=body, headers={**self.auth(key), **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, key: str = "admin", **kwargs):
        return self.client.post(path, headers={**self.auth(key), **kwargs.pop("headers", {})}, **kwargs)

    def delete(self, path: str, key: str = "admin"):
        return self.client.delete(path, headers=self.auth(key))

    @property
    def store(self):
        return self.app.state.store

    @property
    def state(self) -> SqliteApiState:
        return self.app.state.api_state


def make_api(folder: Path, **settings_overrides) -> tuple[ApiSettings, dict[str, str]]:
    # the test receivers listen on 127.0.0.1: private receivers allowed (refusing them is tested apart)
    settings = ApiSettings(db=str(folder / "powermap.db"), webhook_backoff_seconds=0.05, webhook_attempts=3,
                           webhook_timeout_seconds=3, **{"webhook_allow_private": True, **settings_overrides})
    secrets = {}
    with SqliteApiState(settings.state_path) as state:
        for name, (scope, pii, accounts) in KEYS.items():
            secrets[name] = state.create_key(name, scope, pii=pii, accounts=accounts)[1]
    return settings, secrets


def load_data(api: Api) -> None:
    workbook = write_workbook(api.folder / "small.xlsx", SMALL)
    response = api.post("/import", files=[("files", ("small.xlsx", workbook.read_bytes()))])
    assert response.status_code == 200, response.text
    response = api.post("/import", json=OTHER)
    assert response.status_code == 200, response.text


@contextmanager
def running_api(folder: Path, **settings_overrides) -> Iterator[Api]:
    """The API on a fresh store in ``folder`` with the small data set loaded."""
    settings, secrets = make_api(folder, **settings_overrides)
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        kit = Api(client, settings, secrets, folder, app)
        load_data(kit)
        yield kit


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as kit:
        yield kit


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records every POST, answers with the next queued status."""

    statuses: list[int] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    url: str = ""

    def wait(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@pytest.fixture
def receiver():
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = found.statuses.pop(0) if found.statuses else 200
            found.received.append({"headers": dict(self.headers), "body": body, "status": status,
                                   "json": json.loads(body)})
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
