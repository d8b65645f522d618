"""The API state's contract, on both adapters: the SQLite file and the Neo4j database.

Two state objects on the same storage stand for two servers sharing it (two connections
to one file; two sessions on one Neo4j database): what one does, the other sees at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from api.state import KeyExists, KeyNotFound
from neo4j_support import NEO4J


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=NEO4J)])
def shared(request, tmp_path):
    """``shared()`` opens another state on the same storage (another server's view of it)."""
    opened = []
    if request.param == "sqlite":
        from api.sqlite_state import SqliteApiState

        def open_state():
            opened.append(SqliteApiState(tmp_path / "powermap.api.db"))
            return opened[-1]
    else:
        from api.neo4j_state import Neo4jApiState
        from powermap.wiring import neo4j_driver

        server = request.getfixturevalue("neo4j_server")
        driver = neo4j_driver(server.uri, server.user, server.password)

        def open_state():
            opened.append(Neo4jApiState(driver, database=server.database, address=server.uri))
            return opened[-1]

        open_state().clear()
    yield open_state
    if request.param == "neo4j":
        opened[0].clear()
    for state in opened:
        state.close()


def test_a_key_made_or_revoked_through_one_server_is_honoured_by_the_other(shared):
    one, other = shared(), shared()
    key, secret = one.create_key("crm", "write", accounts=["S1", "G1", "S1"])
    found = other.authenticate(secret)
    assert (found.name, found.scope, found.accounts, found.pii) == ("crm", "write", ("G1", "S1"), False)
    assert other.authenticate(secret + "x") is None
    assert one.list_keys()[0].last_used_at is not None  # the other server's use is recorded
    with pytest.raises(KeyExists):
        other.create_key("crm", "read")
    token = one.create_session(key, hours=1)
    assert other.session_key(token).name == "crm"
    other.revoke_key("crm")
    assert one.authenticate(secret) is None and one.session_key(token) is None
    with pytest.raises(KeyNotFound):
        one.revoke_key("crm")
    again, new_secret = one.create_key("crm", "read")  # the name is free again
    assert other.authenticate(new_secret).scope == "read" and again.id != key.id
    assert [k.name for k in other.list_keys(include_revoked=True)] == ["crm", "crm"]
    assert [k.revoked_at is None for k in other.list_keys(include_revoked=True)] == [False, True]


def test_two_servers_creating_one_name_at_once_make_one_key(shared):
    states = [shared() for _ in range(4)]
    outcomes, barrier = [], threading.Barrier(len(states))

    def create(state):
        barrier.wait()
        try:
            state.create_key("crm", "read")
            outcomes.append("made")
        except KeyExists:
            outcomes.append("exists")

    threads = [threading.Thread(target=create, args=(s,)) for s in states]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["exists", "exists", "exists", "made"]
    assert len(states[0].list_keys()) == 1


def test_a_session_ended_on_one_server_is_ended_on_the_other(shared):
    one, other = shared(), shared()
    key, _ = one.create_key("web", "read")
    token = one.create_session(key, hours=1)
    other.end_session(token)
    assert one.session_key(token) is None
    expired = one.create_session(key, hours=1e-9)
    assert other.session_key(expired) is None


def test_audit_entries_of_every_server_land_in_one_log_newest_first(shared):
    one, other = shared(), shared()
    one.audit("crm", "put contacts", ["C1"], {"n": 1})
    other.audit("crm", "delete contacts", ["C2"])
    one.audit("erp", "import", ["S1", "G1"], {"rows": {"contacts": 2}})
    entries = other.audit_entries()
    assert [(e["key"], e["action"], e["ids"]) for e in entries] == [
        ("erp", "import", ["S1", "G1"]), ("crm", "delete contacts", ["C2"]), ("crm", "put contacts", ["C1"])]
    assert entries[0]["detail"] == {"rows": {"contacts": 2}} and entries[1]["detail"] is None
    assert entries[0]["id"] > entries[1]["id"] > entries[2]["id"]
    page = one.audit_entries(limit=1, before=entries[0]["id"])
    assert [e["action"] for e in page] == ["delete contacts"]
    assert [e["action"] for e in one.audit_entries(key_name="crm", action="put contacts")] == ["put contacts"]
    assert one.audit_entries(since=entries[0]["at"]) == entries[:1]


def test_audit_ids_stay_unique_when_servers_write_at_once(shared):
    states = [shared() for _ in range(3)]
    threads = [threading.Thread(target=lambda s=s: [s.audit("k", "put contacts", [str(i)]) for i in range(10)])
               for s in states]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [e["id"] for e in states[0].audit_entries(limit=100)]
    assert len(ids) == 30 and len(set(ids)) == 30


def test_webhooks_are_shared_and_deleting_one_cancels_its_pending_deliveries(shared):
    one, other = shared(), shared()
    key, _ = one.create_key("crm", "write")
    hook = one.create_webhook("https://crm.example.com/hook", ["gap.opened", "stance.changed"], key)
    assert [s.id for s in other.webhooks()] == [hook.id] and other.webhook(hook.id).events == hook.events
    assert other.wanted(["stance.changed"]) and not other.wanted(["import.completed"])
    other.enqueue(hook.id, "stance.changed", b'{"a":1}', "dl_a")
    one.delete_webhook(hook.id, key)
    assert other.webhooks() == [] and [d.status for d in one.deliveries(hook.id)] == ["cancelled"]
    assert one.claim_due_deliveries("me", lease_seconds=60) == []
    assert [e["action"] for e in one.audit_entries()][:2] == ["webhook.delete", "webhook.create"]


def _queue(state, count: int) -> str:
    key, _ = state.create_key("crm", "write")
    hook = state.create_webhook("https://crm.example.com/hook", ["stance.changed"], key)
    for i in range(count):
        state.enqueue(hook.id, "stance.changed", f'{{"n":{i}}}'.encode(), f"dl_{i:03d}")
    return hook.id


def test_each_delivery_is_claimed_by_one_server_however_many_poll(shared):
    states = [shared() for _ in range(3)]
    _queue(states[0], 40)
    claims: list[tuple[str, str]] = []
    barrier = threading.Barrier(6)

    def poll(state, owner):
        barrier.wait()
        while True:
            claimed = state.claim_due_deliveries(owner, lease_seconds=600, limit=3)
            if not claimed:
                return
            claims.extend((owner, d.id) for d in claimed)

    threads = [threading.Thread(target=poll, args=(states[i % 3], f"server-{i}")) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_delivery = Counter(delivery for _, delivery in claims)
    assert len(per_delivery) == 40 and set(per_delivery.values()) == {1}


def test_a_recorded_attempt_releases_the_claim_and_a_lapsed_claim_can_be_taken(shared):
    one, other = shared(), shared()
    hook = _queue(one, 2)
    first, second = one.claim_due_deliveries("one", lease_seconds=600, limit=2)
    assert 500 < other.seconds_to_next_delivery() <= 600  # claimed: not due for anyone else
    one.record_attempt(first, status_code=200, error=None, delivered=True, retry_in=None)
    one.record_attempt(second, status_code=503, error="HTTP 503", delivered=False, retry_in=0.05)
    time.sleep(0.1)
    retried = other.claim_due_deliveries("other", lease_seconds=0.05)
    assert [(d.id, d.attempts, d.last_status_code) for d in retried] == [(second.id, 1, 503)]
    time.sleep(0.1)  # the other server died holding it: its claim lapses
    taken = one.claim_due_deliveries("one", lease_seconds=600)
    assert [d.id for d in taken] == [second.id]
    one.record_attempt(taken[0], status_code=None, error="ConnectError", delivered=False, retry_in=None)
    assert {d.id: d.status for d in other.deliveries(hook)} == {first.id: "delivered", second.id: "failed"}
    assert [a["status_code"] for a in other.delivery_attempts(second.id)] == [503, None]
    assert other.seconds_to_next_delivery() is None


def test_every_server_on_one_state_keys_etags_with_one_secret_and_can_probe_a_write(shared):
    first, second = shared(), shared()
    assert len(first.etag_secret) == 32 and first.etag_secret == second.etag_secret
    first.probe_write()  # /healthz: commits a write that changes nothing
    assert shared().etag_secret == first.etag_secret
