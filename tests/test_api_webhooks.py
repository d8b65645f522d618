"""Webhooks: subscriptions, signed deliveries to a real receiver on 127.0.0.1, retries with
back-off, recorded attempts, account scope, and the bus the analyses publish on."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.events import EventBus, sign
from apikit import make_api


def subscribe(api, receiver, events, key="writer", secret="a-secret-of-sixteen+"):
    response = api.post("/webhooks", key, json={"url": receiver.url, "events": events, "secret": secret})
    assert response.status_code == 201, response.text
    return response.json()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_import_and_stance_change_are_delivered_signed(api, receiver):
    hook = subscribe(api, receiver, ["import.completed", "stance.changed"])
    assert hook["secret"] == "a-secret-of-sixteen+" and "secret" not in api.get(f"/webhooks/{hook['id']}", "writer").json()
    body = {"contacts": [{"id": "C2", "account_id": "S1", "name": "李明", "stance": "支持"},
                         {"id": "C7", "account_id": "S1", "name": "新人", "stance": 1}]}
    assert api.post("/import", "writer", json=body).status_code == 200
    received = receiver.wait(2)
    by_event = {r["json"]["event"]: r for r in received}
    assert set(by_event) == {"import.completed", "stance.changed"}
    for delivery in received:
        expected = "sha256=" + hmac.new(b"a-secret-of-sixteen+", delivery["body"], hashlib.sha256).hexdigest()
        assert delivery["headers"]["X-Powermap-Signature"] == expected
        assert delivery["headers"]["X-Powermap-Event"] == delivery["json"]["event"]
    assert by_event["stance.changed"]["json"]["data"] == {
        "contact_id": "C2", "name": "李明", "account_id": "S1", "from": -1, "to": 1}  # C7 is new, not a change
    completed = by_event["import.completed"]["json"]["data"]
    assert completed["accounts"] == ["S1"] and completed["inserted"] == {"contacts": 1}
    assert wait_for(lambda: api.get(f"/webhooks/{hook['id']}/deliveries", "writer").json()[0]["status"] == "delivered")


def test_a_put_that_changes_a_stance_raises_stance_changed_and_one_that_does_not_stays_quiet(api, receiver):
    subscribe(api, receiver, ["stance.changed"])
    c3 = {k: v for k, v in api.get("/contacts/C3").json().items() if k != "id"}
    assert api.put("/contacts/C3", c3, "writer").status_code == 200
    assert api.put("/contacts/C3", {**c3, "stance": -1}, "writer").status_code == 200
    received = receiver.wait(1)
    time.sleep(0.2)
    assert [r["json"]["data"]["to"] for r in received] == [-1]


def test_failed_deliveries_are_retried_with_back_off_and_recorded(api, receiver):
    receiver.statuses[:] = [500, 503]
    hook = subscribe(api, receiver, ["import.completed"])
    assert api.post("/import", "writer", json={"accounts": [{"id": "N1", "name": "n"}]}).status_code == 200
    received = receiver.wait(3)
    assert [r["status"] for r in received] == [500, 503, 200]
    assert len({r["json"]["id"] for r in received}) == 1  # the same delivery, retried
    assert received[0]["body"] == received[2]["body"]

    def delivered():
        found = api.get(f"/webhooks/{hook['id']}/deliveries", "writer").json()
        return found and found[0]["status"] == "delivered"

    assert wait_for(delivered)
    delivery = api.get(f"/webhooks/{hook['id']}/deliveries", "writer").json()[0]
    assert delivery["attempts"] == 3 and [a["status_code"] for a in delivery["history"]] == [500, 503, 200]
    times = [a["at"] for a in delivery["history"]]
    assert times == sorted(times)


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(api, receiver):
    receiver.statuses[:] = [500] * 10
    hook = subscribe(api, receiver, ["import.completed"])
    api.post("/import", "writer", json={"accounts": [{"id": "N1", "name": "n"}]})

    def failed():
        found = api.get(f"/webhooks/{hook['id']}/deliveries", "writer").json()
        return found and found[0]["status"] == "failed"

    assert wait_for(failed)
    assert len(receiver.received) == 3  # webhook_attempts in the test settings


def test_a_subscription_of_a_restricted_key_only_hears_about_its_accounts(api, receiver):
    api.state.create_key("x-writer", "write", accounts=["X1"])
    secret = api.state.create_key("x-hook", "write", accounts=["X1"])[1]
    api.secrets["x-hook"] = secret
    subscribe(api, receiver, ["import.completed", "stance.changed"], key="x-hook")
    api.post("/import", "writer", json={"contacts": [{"id": "C2", "account_id": "S1", "name": "李明", "stance": 3}]})
    api.post("/import", "writer", json={"contacts": [{"id": "CX1", "account_id": "X1", "name": "赵强", "stance": 3}]})
    received = receiver.wait(2)
    time.sleep(0.2)
    events = sorted((r["json"]["event"], r["json"]["data"].get("account_id") or r["json"]["data"]["accounts"][0])
                    for r in received)
    assert events == [("import.completed", "X1"), ("stance.changed", "X1")]
    completed = next(r["json"]["data"] for r in received if r["json"]["event"] == "import.completed")
    assert completed == {"accounts": ["X1"], "dry_run": False}


def test_webhooks_belong_to_their_key(api, receiver):
    hook = subscribe(api, receiver, ["gap.opened"])
    assert [h["id"] for h in api.get("/webhooks", "writer").json()] == [hook["id"]]
    assert api.get(f"/webhooks/{hook['id']}", "base-writer").status_code == 404
    assert api.get(f"/webhooks/{hook['id']}", "admin").status_code == 200
    assert api.delete(f"/webhooks/{hook['id']}", "base-writer").status_code == 404
    assert api.delete(f"/webhooks/{hook['id']}", "writer").status_code == 204
    assert api.get("/webhooks", "writer").json() == []
    bad = api.post("/webhooks", "writer", json={"url": "ftp://x", "events": ["gap.opened"]})
    assert bad.status_code == 422
    assert api.post("/webhooks", "writer", json={"url": receiver.url, "events": ["nope"]}).status_code == 422


def test_the_bus_delivers_what_an_analysis_publishes(api, receiver):
    subscribe(api, receiver, ["gap.opened"], key="base-writer")
    bus = EventBus(api.state, api.store, wake=api.app.state.dispatcher.wake)
    gap = {"account_id": "S1", "kind": "uncovered_decider", "contact_id": "C2"}
    assert bus.publish("gap.opened", gap, accounts=["S1"]) == 1
    assert bus.publish("gap.opened", {"account_id": "X1"}, accounts=["X1"]) == 0  # outside the key's accounts
    assert receiver.wait(1)[0]["json"]["data"] == gap


def test_signature_is_hmac_sha256_of_the_body():
    body = b'{"event":"gap.opened"}'
    assert sign("k" * 16, body) == "sha256=" + hmac.new(b"k" * 16, body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost:8080/hook", "http://10.1.2.3/hook",
                                 "http://192.168.1.5/x", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook"])
def test_webhooks_into_the_servers_own_network_are_refused_by_default(tmp_path, url):
    settings, secrets = make_api(tmp_path, webhook_allow_private=False)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        writer = {"Authorization": f"Bearer {secrets['writer']}"}
        answer = client.post("/webhooks", headers=writer, json={"url": url, "events": ["gap.opened"]})
        assert answer.status_code == 422, answer.text
        assert "not a public address" in answer.json()["detail"]
        assert answer.json()["errors"][0]["loc"] == ["body", "url"]
        public = client.post("/webhooks", headers=writer, json={"url": "https://93.184.216.34/hook",
                                                               "events": ["gap.opened"]})
        assert public.status_code == 201, public.text


def test_a_receiver_that_turns_private_after_registering_gets_nothing(api, receiver):
    hook = subscribe(api, receiver, ["import.completed"])  # allowed: the test settings allow 127.0.0.1
    api.app.state.dispatcher.allow_private = False         # as if its name now resolved inside
    api.post("/import", "writer", json={"accounts": [{"id": "N1", "name": "n"}]})

    def refused():
        found = api.get(f"/webhooks/{hook['id']}/deliveries", "writer").json()
        return found and found[0]["status"] == "failed"

    assert wait_for(refused)
    delivery = api.get(f"/webhooks/{hook['id']}/deliveries", "writer").json()[0]
    assert delivery["attempts"] == 1 and "not sent: 127.0.0.1 is 127.0.0.1" in delivery["last_error"]
    assert receiver.received == []
