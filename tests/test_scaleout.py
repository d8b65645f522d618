"""Two ``powermap --store neo4j serve`` processes on one real Neo4j database agree: keys,
sessions, the audit log, webhook deliveries and analysis answers — real HTTP, no mocks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter

import httpx
import pytest

from builders import SMALL, write_workbook
from conftest import REPO
from neo4j_support import neo4j_test_store

pytestmark = pytest.mark.slow

POWERMAP = [sys.executable, "-c", "import sys; from powermap.cli import main; sys.exit(main(sys.argv[1:]))"]

DATA = {
    "accounts": [{"id": "S1", "name": "苏州基地", "kind": "company"}],
    "contacts": [
        {"id": "C1", "account_id": "S1", "name": "王建国", "title": "总经理", "roles": ["决策者"], "stance": 3},
        {"id": "C2", "account_id": "S1", "name": "李明", "title": "采购经理", "roles": ["把关者"], "stance": 1,
         "reports_to": "C1"},
    ],
    "team": [{"id": "T1", "name": "张经理", "role": "大客户经理", "accounts": ["S1"]}],
    "relationships": [{"team_id": "T1", "contact_id": "C1", "strength": 0.8},
                      {"team_id": "T1", "contact_id": "C2", "strength": 0.6}],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def servers(neo4j_server, tmp_path_factory):
    """Two API servers on the session's Neo4j, for the whole module:
    ``(state, [base_url_a, base_url_b], cli)``; ``cli(*args)`` runs ``powermap --store neo4j …``."""
    from api.neo4j_state import Neo4jApiState
    from powermap.wiring import neo4j_driver

    folder = tmp_path_factory.mktemp("scaleout")
    env = {**os.environ, **neo4j_server.env(), "PYTHONPATH": str(REPO), "POWERMAP_STORE": "neo4j",
           "POWERMAP_WEBHOOK_ALLOW_PRIVATE": "1", "POWERMAP_WEBHOOK_BACKOFF_SECONDS": "0.05",
           "POWERMAP_ANALYSIS_CACHE_SECONDS": "3600"}  # only the store's version may end a cached answer
    if not neo4j_server.database:
        env.pop("NEO4J_DATABASE", None)
    state = Neo4jApiState(neo4j_driver(neo4j_server.uri, neo4j_server.user, neo4j_server.password),
                          database=neo4j_server.database, address=neo4j_server.uri)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*POWERMAP, "--store", "neo4j", *args], env=env, capture_output=True, text=True,
                              cwd=folder, timeout=300)

    processes, bases = [], []
    try:
        for _ in range(2):
            port = _free_port()
            processes.append(subprocess.Popen([*POWERMAP, "--store", "neo4j", "serve", "--port", str(port),
                                               "--no-sign-in-link"], env=env, cwd=folder,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
            bases.append(f"http://127.0.0.1:{port}")
        for process, base in zip(processes, bases):
            _wait_healthy(process, base)
        yield state, bases, cli
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


@pytest.fixture
def cluster(servers, neo4j_server):
    """The two servers, on an empty graph and an empty API state (emptied again after the test)."""
    state, bases, cli = servers
    state.clear()
    with neo4j_test_store(neo4j_server):
        try:
            yield bases, cli
        finally:
            state.clear()


def _wait_healthy(server: subprocess.Popen, base: str) -> None:
    deadline, last = time.monotonic() + 180, ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"powermap serve exited {server.returncode}: {server.stderr.read()}")
        try:
            answer = httpx.get(f"{base}/healthz", timeout=5)
            if answer.status_code == 200:
                return
            last = answer.text
        except httpx.TransportError as err:
            last = repr(err)
        time.sleep(0.2)
    server.kill()
    pytest.fail(f"powermap serve at {base} did not answer /healthz: {last}\n{server.stderr.read()[-3000:]}")


def _key(cli, name: str, scope: str) -> str:
    made = cli("keys", "create", "--name", name, "--scope", scope, "--pii", "--json")
    assert made.returncode == 0, made.stderr
    return json.loads(made.stdout)["key"]


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_key_made_or_revoked_anywhere_is_honoured_by_every_server_at_once(cluster):
    (a, b), cli = cluster
    secret = _key(cli, "crm", "admin")  # made by the CLI while both servers run
    for base in (a, b):
        assert httpx.get(f"{base}/accounts", headers=_bearer(secret), timeout=30).status_code == 200
    signed_in = httpx.get(f"{a}/login", params={"key": secret, "next": "/accounts"}, timeout=30)
    cookie = {"powermap_session": signed_in.cookies["powermap_session"]}
    assert httpx.get(f"{b}/accounts", cookies=cookie, timeout=30).status_code == 200  # A's session, on B
    revoked = cli("keys", "revoke", "crm")
    assert revoked.returncode == 0, revoked.stderr
    for base in (a, b):  # at the very next request: nothing kept a copy
        assert httpx.get(f"{base}/accounts", headers=_bearer(secret), timeout=30).status_code == 401
        assert httpx.get(f"{base}/accounts", cookies=cookie, timeout=30).status_code == 401


def test_audit_entries_of_both_servers_land_in_one_log(cluster):
    (a, b), cli = cluster
    secret = _key(cli, "admin", "admin")
    assert httpx.post(f"{a}/import", json=DATA, headers=_bearer(secret), timeout=60).status_code == 200
    put = httpx.put(f"{b}/contacts/C2", json={**DATA["contacts"][1], "stance": 0}, headers=_bearer(secret),
                    timeout=60)
    assert put.status_code == 200, put.text
    logs = [httpx.get(f"{base}/audit", headers=_bearer(secret), timeout=30).json()["items"] for base in (a, b)]
    assert logs[0] == logs[1]
    assert [e["action"] for e in logs[0]] == ["put contacts", "import", "key.create"]


def test_a_webhook_event_is_delivered_once_not_once_per_server(cluster, receiver):
    (a, b), cli = cluster
    secret = _key(cli, "admin", "admin")
    assert httpx.post(f"{a}/import", json=DATA, headers=_bearer(secret), timeout=60).status_code == 200
    hook = httpx.post(f"{a}/webhooks", json={"url": receiver.url, "events": ["stance.changed"]},
                      headers=_bearer(secret), timeout=30)
    assert hook.status_code == 201, hook.text
    receiver.statuses = [500] * 6  # the first attempts fail: the retries are due while both servers poll
    stances = [0, 1, -1, 2, 0, 1, -1, 2]
    for n, stance in enumerate(stances):
        base = (a, b)[n % 2]
        put = httpx.put(f"{base}/contacts/C2", json={**DATA["contacts"][1], "stance": stance},
                        headers=_bearer(secret), timeout=60)
        assert put.status_code == 200, put.text
    receiver.wait(len(stances) + 6, timeout=120)
    time.sleep(2)  # time for the other server to send anything a second time
    delivered = [r for r in receiver.received if r["status"] == 200]
    ids = Counter(r["json"]["id"] for r in delivered)
    assert len(ids) == len(stances) and set(ids.values()) == {1}  # each event once
    assert Counter(r["json"]["data"]["to"] for r in delivered) == Counter(stances)
    assert len(receiver.received) == len(stances) + 6  # and each failed attempt was made by one server only
    log = httpx.get(f"{b}/webhooks/{hook.json()['id']}/deliveries", headers=_bearer(secret), timeout=30).json()
    assert Counter(d["status"] for d in log) == {"delivered": len(stances)}
    assert sum(d["attempts"] for d in log) == len(stances) + 6


def test_an_answer_cached_by_one_server_is_not_served_after_a_write_through_another(cluster, tmp_path):
    (a, b), cli = cluster
    secret = _key(cli, "admin", "admin")
    assert httpx.post(f"{a}/import", json=DATA, headers=_bearer(secret), timeout=60).status_code == 200

    def gaps(base: str) -> dict:
        response = httpx.get(f"{base}/accounts/S1/gaps", headers=_bearer(secret), timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    before = gaps(a)
    assert gaps(a) == before  # cached by A
    put = httpx.put(f"{b}/contacts/C1", json={**DATA["contacts"][0], "stance": -1}, headers=_bearer(secret),
                    timeout=60)
    assert put.status_code == 200, put.text
    after = gaps(a)
    assert after != before and after == gaps(b)
    imported = cli("import", str(write_workbook(tmp_path / "small.xlsx", SMALL)))  # a write by no server
    assert imported.returncode == 0, imported.stderr
    assert gaps(a) != after and gaps(a) == gaps(b)
