"""`powermap keys` and `powermap serve`: keys are stored as hashes and shown once; the
server runs under uvicorn, answers /healthz and signs a browser in with the printed link."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from api.sqlite_state import SqliteApiState
from builders import SMALL, write_workbook
from conftest import REPO
from graph.embedded import EmbeddedStore


def test_keys_create_shows_the_secret_once_and_stores_only_its_hash(run, tmp_path):
    code, out, _ = run("keys", "create", "--name", "crm", "--scope", "write", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["name"] == "crm" and created["key"].startswith("pm_") and len(created["key"]) > 40
    state_file = tmp_path / "cli.api.db"
    with SqliteApiState(state_file) as state:
        assert state.authenticate(created["key"]).scope == "write"
    for path in tmp_path.glob("cli.api.db*"):
        assert created["key"].encode() not in path.read_bytes()
    code, out, err = run("keys", "create", "--name", "east", "--accounts", "G1,S1", "--pii")
    assert code == 0 and out.strip().startswith("pm_") and "no account G1, S1" in err
    assert run("keys", "create", "--name", "crm")[0] == 2  # the name is taken
    code, out, _ = run("keys", "list", "--json")
    listed = {k["name"]: k for k in json.loads(out)}
    assert listed["east"]["accounts"] == ["G1", "S1"] and listed["east"]["pii"] and "key" not in listed["east"]
    assert run("keys", "revoke", "crm")[0] == 0
    with SqliteApiState(state_file) as state:
        assert state.authenticate(created["key"]) is None
    assert run("keys", "revoke", "crm")[0] == 2


POWERMAP = [sys.executable, "-c", "import sys; from powermap.cli import main; sys.exit(main(sys.argv[1:]))"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_runs_the_api_and_its_link_signs_a_browser_in(tmp_path):
    db = tmp_path / "served.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([*POWERMAP, "--db", str(db), "import",
                    str(write_workbook(tmp_path / "a.xlsx", SMALL))], check=True, env=env, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([*POWERMAP, "--db", str(db), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        link = server.stdout.readline().strip()
        assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/login\?key=pm_[\w-]+&next=/", link), link
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
            time.sleep(0.1)
        assert httpx.get(f"{base}/accounts", timeout=5).status_code == 401
        signed_in = httpx.get(link, timeout=5, follow_redirects=False)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
        cookie = signed_in.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" in cookie and "samesite=strict" in cookie.lower()
        token = re.search(r"powermap_session=([^;]+)", cookie).group(1)
        accounts = httpx.get(f"{base}/accounts", cookies={"powermap_session": token}, timeout=5)
        assert [a["id"] for a in accounts.json()["items"]] == ["G1", "S1", "W1"]
    finally:
        server.terminate()
        server.wait(timeout=20)
    secret = link.split("key=")[1].split("&")[0]
    log = server.stdout.read() + server.stderr.read()  # uvicorn's access log goes to stdout
    assert "GET /login?key=[redacted]" in log and secret not in log  # the access log hides the key
    with SqliteApiState(tmp_path / "served.api.db") as state:
        assert not [k.name for k in state.list_keys() if k.name.startswith("serve")]  # ends with the server


@pytest.mark.slow
def test_serve_and_demo_on_a_busy_port_fail_in_one_line_and_leave_the_running_server_signed_in(tmp_path):
    db = tmp_path / "served.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([*POWERMAP, "--db", str(db), "import",
                    str(write_workbook(tmp_path / "a.xlsx", SMALL))], check=True, env=env, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([*POWERMAP, "--db", str(db), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        link = server.stdout.readline().strip()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
            time.sleep(0.1)
        for command in (["serve", "--port", str(port)], ["demo", "--port", str(port)]):
            second = subprocess.run([*POWERMAP, "--db", str(db), *command], capture_output=True, text=True,
                                    env=env, timeout=120)
            assert second.returncode == 2, (command, second.stderr)
            assert second.stdout == "" and "login?key" not in second.stderr  # no sign-in link printed
            assert second.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in second.stderr, second.stderr
            assert "in use" in second.stderr and "--port" in second.stderr
        # the first server's link still signs in: its key was neither revoked nor replaced
        signed_in = httpx.get(link, timeout=5, follow_redirects=False)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
        with SqliteApiState(tmp_path / "served.api.db") as state:
            assert [k.name for k in state.list_keys()] == [f"serve@{socket.gethostname()}:{port}"]
    finally:
        server.terminate()
        server.wait(timeout=20)
    with EmbeddedStore(db) as store:  # demo loaded nothing into the store behind the busy port
        assert store.counts()["accounts"] == 3
